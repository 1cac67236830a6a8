// sync 'always' when fdatasync fails (a disk error, injected: a real EIO cannot be made on demand). The store and
// its files are real; only the one system call is made to fail.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as NodeFs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSpoolStore } from '../../src/spool/openSpoolStore.js';
import type { SpoolStore } from '../../src/spool/openSpoolStore.js';
import { isSpoolError } from '../../src/spool/SpoolError.js';

const failNext = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof NodeFs>();
  const fdatasync = (fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void => {
    if (failNext.count > 0) {
      failNext.count--;
      const error: NodeJS.ErrnoException = new Error('EIO: i/o error, fdatasync');
      error.code = 'EIO';
      setImmediate(() => callback(error));
      return;
    }
    fs.fdatasync(fd, callback);
  };
  return { ...fs, fdatasync, default: { ...fs, fdatasync } };
});

const dirs: string[] = [];
const stores: SpoolStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const open = (dir: string): SpoolStore => {
  const store = openSpoolStore({ dir, maxBytes: 1 << 20, sync: 'always', syncIntervalMs: 1000 });
  stores.push(store);
  return store;
};
const ev = (i: number): string => JSON.stringify({ auditID: `id-${i}`, n: i });
const ids = (records: readonly { json: string }[]): number[] =>
  records.map((r) => (JSON.parse(r.json) as { n: number }).n);

describe('openSpoolStore, sync always, when a sync fails', () => {
  it('the refused records end: never read, not counted, not there after a reopen — even once a later sync covers their bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rx-audit-spool-sync-'));
    dirs.push(dir);
    const store = open(dir);
    failNext.count = 1;
    const refused = await store.append([ev(0), ev(1)]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isSpoolError(refused) && (refused as Error).message).toMatch(/cannot be synced: EIO/);
    expect(store.stats().spooledEvents).toBe(0);
    await store.append([ev(2)]); // its sync makes the whole file readable, the refused bytes too
    expect(store.unread).toBe(1);
    expect(ids(store.read(10, Infinity))).toEqual([2]);
    store.close();
    stores.splice(0);
    expect(ids(open(dir).read(10, Infinity))).toEqual([2]);
  });
});
