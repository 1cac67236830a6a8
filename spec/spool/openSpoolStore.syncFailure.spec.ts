// sync 'always' when fdatasync fails (a disk error, injected: a real EIO cannot be made on demand). The store and
// its files are real; only the one system call is made to fail.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as NodeFs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
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

describe('openSpoolStore, sync interval, when a sync fails', () => {
  it('tells onTrouble, once until a sync works again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rx-audit-spool-sync-'));
    dirs.push(dir);
    const scheduler = new TestScheduler(() => undefined);
    const troubles: string[] = [];
    const store = openSpoolStore({
      dir,
      maxBytes: 1 << 20,
      sync: 'interval',
      syncIntervalMs: 1000,
      scheduler,
      onTrouble: (error) => troubles.push(`${isSpoolError(error)} ${error.message}`),
    });
    stores.push(store);
    /** Appends, lets the sync timer fire (its fdatasync fails `failing` times) and waits for the answers. */
    const appendAndSync = async (i: number, failing: number): Promise<void> => {
      await store.append([ev(i)]);
      failNext.count = failing;
      scheduler.maxFrames = scheduler.now() + 1000;
      scheduler.flush();
      await vi.waitFor(() => expect(failNext.count).toBe(0));
      await new Promise((resolve) => setTimeout(resolve, 20)); // the real fdatasync's answer, if any
    };
    const told = `true spool ${dir} cannot be synced (EIO): what was written since the last sync may be lost on a power loss`;
    await appendAndSync(0, 1);
    expect(troubles).toEqual([told]);
    await appendAndSync(1, 1); // still failing: not told again
    expect(troubles).toEqual([told]);
    await appendAndSync(2, 0); // works again
    await appendAndSync(3, 1);
    expect(troubles).toEqual([told, told]);
  });
});
