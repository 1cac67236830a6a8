import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
  symlinkSync,
  watch,
  mkdirSync,
  rmdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import type { SpoolStore, SpoolStoreOptions } from '../../src/spool/openSpoolStore.js';
import { openSpoolStore } from '../../src/spool/openSpoolStore.js';
import fc from 'fast-check';
import { isSpoolError } from '../../src/spool/SpoolError.js';
import { crc32 } from '../../src/spool/crc32.js';
import { mountSmallTmpfs } from './fixtures/smallTmpfs.js';

const dirs: string[] = [];
const stores: SpoolStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rx-audit-spool-'));
  dirs.push(dir);
  return dir;
}

function open(dir: string, extra: Partial<SpoolStoreOptions> = {}): SpoolStore {
  const store = openSpoolStore({ dir, maxBytes: 1 << 20, sync: 'interval', syncIntervalMs: 1000, ...extra });
  stores.push(store);
  return store;
}

function close(store: SpoolStore): void {
  store.close();
  stores.splice(stores.indexOf(store), 1);
}

const ev = (i: number): string => JSON.stringify({ auditID: `id-${i}`, stage: 'ResponseComplete', n: i });
const ids = (records: readonly { json: string }[]): number[] =>
  records.map((r) => (JSON.parse(r.json) as { n: number }).n);

describe('openSpoolStore', () => {
  it('reads back appended records oldest first, in bounded chunks', async () => {
    const store = open(tempDir());
    await store.append([ev(0), ev(1), ev(2)]);
    await store.append([ev(3)]);
    expect(store.unread).toBe(4);
    expect(ids(store.read(2, Infinity))).toEqual([0, 1]);
    expect(ids(store.read(10, Infinity))).toEqual([2, 3]);
    expect(store.read(10, Infinity)).toEqual([]);
    expect(store.stats()).toEqual({
      spooledEvents: 4,
      spooledBytes: 4 * 16 + [0, 1, 2, 3].map((i) => ev(i).length).reduce((a, b) => a + b),
    });
  });

  it('bounds a read by bytes, but always returns at least one record', async () => {
    const store = open(tempDir(), { tailBytes: 0 });
    const big = JSON.stringify({ auditID: 'big', pad: 'x'.repeat(1000) });
    await store.append([big, ev(1), ev(2)]);
    expect(store.read(10, 10).map((r) => r.json)).toEqual([big]);
    expect(ids(store.read(10, store.recordSize(ev(1))))).toEqual([1]);
    expect(ids(store.read(10, 1 << 20))).toEqual([2]);
  });

  it('after a reopen serves what did not end, in order, and not what was removed', async () => {
    const dir = tempDir();
    const store = open(dir, { segmentBytes: 200 });
    for (let i = 0; i < 20; i++) await store.append([ev(i)]);
    const read = store.read(20, Infinity);
    expect(ids(read)).toEqual([...Array(20).keys()]);
    // End out of order: every third, and a whole early range.
    store.remove(read.filter((_, i) => i % 3 === 0 || i < 6).map((r) => r.key));
    close(store);
    const again = open(dir, { segmentBytes: 200 });
    const expected = [...Array(20).keys()].filter((i) => !(i % 3 === 0 || i < 6));
    expect(again.stats().spooledEvents).toBe(expected.length);
    expect(again.damage).toEqual([]);
    await again.append([ev(100)]);
    expect(ids(again.read(100, Infinity))).toEqual([...expected, 100]);
  });

  it('deletes a segment once all its records ended, and leaves an empty folder on close', async () => {
    const dir = tempDir();
    const store = open(dir, { segmentBytes: 100 });
    for (let i = 0; i < 10; i++) await store.append([ev(i)]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.log')).length).toBeGreaterThan(3);
    store.remove(store.read(10, Infinity).map((r) => r.key));
    expect(readdirSync(dir).filter((f) => f.endsWith('.log')).length).toBe(1);
    expect(store.stats()).toEqual({ spooledEvents: 0, spooledBytes: 0 });
    close(store);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an ended segment loses its data file before its ack file (a crash in between must not re-send it whole)', async () => {
    const dir = tempDir();
    const store = open(dir, { segmentBytes: 100 });
    for (let i = 0; i < 8; i++) await store.append([ev(i)]);
    const keys = store.read(8, Infinity).map((r) => r.key);
    // The file system's own account of the deletes (inotify), in the order they happened.
    const renames: string[] = [];
    const watcher = watch(dir, (type, file) => {
      if (type === 'rename' && file !== null) renames.push(file);
    });
    try {
      for (const key of keys) store.remove([key]); // one at a time: each segment gets acks, then ends
      await expect.poll(() => renames.filter((f) => f.endsWith('.ack')).length >= 2).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 50)); // the last events of the batch
    } finally {
      watcher.close();
    }
    const left = new Set(readdirSync(dir));
    const ended = [...new Set(renames.filter((f) => f.endsWith('.ack')))].filter((f) => !left.has(f));
    expect(ended.length).toBeGreaterThanOrEqual(2);
    for (const ack of ended) {
      const data = ack.replace(/\.ack$/, '.log');
      expect(left.has(data)).toBe(false);
      // The last rename of each is its delete: the data file's comes first.
      expect(renames.lastIndexOf(data)).toBeLessThan(renames.lastIndexOf(ack));
    }
  });

  it('refuses what does not fit under maxBytes, and has room again after remove', async () => {
    const store = open(tempDir(), { maxBytes: 200 });
    await store.append([ev(1), ev(2)]);
    expect(store.fits(store.recordSize(ev(3)) * 3)).toBe(false);
    await expect(store.append([ev(3), ev(4), ev(5)])).rejects.toThrow(/^spool .* is full \(maxBytes 200\)$/);
    expect(store.stats().spooledEvents).toBe(2);
    store.remove(store.read(10, Infinity).map((r) => r.key));
    expect(store.fits(store.recordSize(ev(3)) * 2)).toBe(true);
  });

  it('calls onRoom after a remove frees room', async () => {
    let room = 0;
    const store = open(tempDir(), { onRoom: () => room++ });
    await store.append([ev(1)]);
    store.remove(store.read(1, Infinity).map((r) => r.key));
    store.remove([]);
    expect(room).toBe(1);
  });

  it('a second open of the same folder in this process throws, naming the pid', () => {
    const dir = tempDir();
    open(dir);
    expect(() => open(dir)).toThrow(`spool ${dir} is in use (pid ${process.pid})`);
  });

  it('the same folder by another path (relative, through a symlink) is the same folder: in use', () => {
    const dir = tempDir();
    const link = `${dir}-link`;
    symlinkSync(dir, link);
    dirs.push(link);
    open(dir);
    expect(() => open(relative(process.cwd(), dir))).toThrow(/is in use \(pid \d+\)/);
    expect(() => open(link)).toThrow(`spool ${link} is in use (pid ${process.pid})`);
  });

  it('a lock naming this very process (another copy of the module took it) is in use, not taken over', () => {
    const dir = tempDir();
    const first = open(dir);
    const lock = readFileSync(join(dir, 'lock'), 'latin1');
    // What another copy of the library in this process sees: the lock file, not this copy's own bookkeeping.
    close(first);
    writeFileSync(join(dir, 'lock'), lock);
    if (lock.trim().split(' ').length < 2) return; // no /proc start time here: nothing tells the two lives apart
    expect(() => open(dir)).toThrow(`spool ${dir} is in use (pid ${process.pid})`);
  });

  it('takes over a lock left by a dead process, and a lock that is garbage', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'lock'), '999999999 123\n');
    const store = open(dir);
    expect(readFileSync(join(dir, 'lock'), 'latin1').split(' ')[0]?.trim()).toBe(String(process.pid));
    close(store);
    writeFileSync(join(dir, 'lock'), '\u0000garbage');
    open(dir);
  });

  it('sync always: append resolves after the write is synced, and the record is readable only then', async () => {
    const store = open(tempDir(), { sync: 'always' });
    const done = store.append([ev(1)]);
    expect(store.read(10, Infinity)).toEqual([]);
    await done;
    expect(ids(store.read(10, Infinity))).toEqual([1]);
  });

  it('sync always: a read while an older segment waits for its sync does not skip that segment', async () => {
    // segmentBytes 1: each append starts a new segment file.
    const store = open(tempDir(), { sync: 'always', segmentBytes: 1 });
    const first = store.append([ev(1)]);
    const second = store.append([ev(2)]);
    expect(store.read(10, Infinity)).toEqual([]);
    await Promise.all([first, second]);
    expect(ids(store.read(10, Infinity))).toEqual([1, 2]);
  });

  it('sync interval: the sync timer runs on the scheduler and close() stops it', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(({ flush }) => {
      const store = open(tempDir(), { scheduler, syncIntervalMs: 1000 });
      void store.append([ev(1)]);
      let closedAt = -1;
      scheduler.schedule(() => {
        close(store);
        closedAt = scheduler.now();
      }, 2500);
      // flush() ends only if the repeating sync action stops with close().
      flush();
      expect(closedAt).toBe(2500);
      expect(scheduler.now()).toBeLessThan(4000);
    });
  });

  describe('damage', () => {
    async function written(n: number): Promise<string> {
      const dir = tempDir();
      const store = open(dir);
      for (let i = 0; i < n; i++) await store.append([ev(i)]);
      close(store);
      return dir;
    }
    const segmentFile = (dir: string): string =>
      join(dir, readdirSync(dir).find((f) => f.endsWith('.log')) as string);

    it('a torn last record: the intact ones are served, the torn bytes reported naming the spool', async () => {
      const dir = await written(5);
      const file = segmentFile(dir);
      const size = statSync(file).size;
      const fd = openSync(file, 'r+');
      // Cut the last record in half.
      (await import('node:fs')).ftruncateSync(fd, size - 10);
      closeSync(fd);
      const store = open(dir);
      expect(ids(store.read(10, Infinity))).toEqual([0, 1, 2, 3]);
      expect(store.damage).toHaveLength(1);
      expect(store.damage[0]?.message).toMatch(
        new RegExp(`^spool ${dir} is damaged: \\d+ bytes of seg-\\d+\\.log in 1 range skipped`),
      );
    });

    it('a bad checksum in the middle: the records around it are served', async () => {
      const dir = await written(5);
      const file = segmentFile(dir);
      const data = readFileSync(file);
      const second = data.indexOf('"id-2"');
      data[second + 2] = 'X'.charCodeAt(0);
      writeFileSync(file, data);
      const store = open(dir);
      expect(ids(store.read(10, Infinity))).toEqual([0, 1, 3, 4]);
      expect(store.damage.map((d) => d.bytes)).toEqual([16 + ev(2).length]);
    });

    it('garbage anywhere never throws: every record it did not touch is served', async () => {
      for (let seed = 1; seed <= 30; seed++) {
        const dir = await written(40);
        const file = segmentFile(dir);
        const data = readFileSync(file);
        let r = seed;
        const rnd = (): number => (r = (r * 1103515245 + 12345) % 2147483648);
        const at = rnd() % data.length;
        const len = 1 + (rnd() % 64);
        for (let i = at; i < Math.min(data.length, at + len); i++) data[i] = rnd() & 255;
        writeFileSync(file, data);
        const store = open(dir);
        const got = ids(store.read(100, Infinity));
        // Which records the garbage touched: those whose bytes overlap [at, at + len).
        let offset = 0;
        const untouched: number[] = [];
        for (let i = 0; i < 40; i++) {
          const size = 16 + ev(i).length;
          if (offset + size <= at || offset >= at + len) untouched.push(i);
          offset += size;
        }
        for (const i of untouched) expect(got).toContain(i);
        expect(got.every((i) => i >= 0 && i < 40)).toBe(true);
        close(store);
      }
    });

    /** A checksummed ack entry (as the store writes them): records `start` to `start + count` ended. */
    const ackEntry = (start: number, count: number): Buffer => {
      const entry = Buffer.alloc(12);
      entry.writeUInt32LE(start, 0);
      entry.writeUInt32LE(count, 4);
      entry.writeUInt32LE(crc32(entry.subarray(0, 8)), 8);
      return entry;
    };
    const ackFile = (dir: string): string =>
      join(dir, readdirSync(dir).find((f) => f.endsWith('.ack')) as string);

    it('an ack file left without its data file (a crash between the two deletes) ends nothing of a later segment', async () => {
      const dir = tempDir();
      // What a crash right after deleting seg-…1.log leaves of a segment whose three records had ended.
      writeFileSync(join(dir, 'seg-000000000001.ack'), ackEntry(0, 3));
      const store = open(dir);
      await store.append([ev(0), ev(1), ev(2), ev(3), ev(4)]);
      close(store);
      const again = open(dir);
      expect(again.stats().spooledEvents).toBe(5);
      expect(ids(again.read(10, Infinity))).toEqual([0, 1, 2, 3, 4]);
    });

    it('a torn last ack entry is cut off, so the acks appended after it are read', async () => {
      const dir = tempDir();
      const store = open(dir);
      await store.append([ev(0), ev(1), ev(2), ev(3)]);
      store.remove(store.read(1, Infinity).map((r) => r.key));
      close(store);
      writeFileSync(ackFile(dir), Buffer.from([2, 0, 0, 0, 2]), { flag: 'a' }); // 5 bytes of a 12-byte entry
      const second = open(dir);
      const records = second.read(10, Infinity);
      expect(ids(records)).toEqual([1, 2, 3]);
      second.remove(records.slice(0, 2).map((r) => r.key));
      close(second);
      expect(statSync(ackFile(dir)).size % 12).toBe(0);
      expect(ids(open(dir).read(10, Infinity))).toEqual([3]);
    });

    it('an ack entry is cut to the records the segment holds: one wrapping past 2^32 ends none of them', async () => {
      const dir = tempDir();
      const store = open(dir);
      await store.append([...Array(20).keys()].map(ev));
      store.remove(store.read(1, Infinity).map((r) => r.key)); // writes the ack file
      close(store);
      writeFileSync(ackFile(dir), Buffer.concat([ackEntry(0xffffffff, 2), ackEntry(20, 0xffffffff)]));
      expect(ids(open(dir).read(30, Infinity))).toEqual([...Array(20).keys()]);
      close(stores[0] as SpoolStore);
      // A long run (here across byte boundaries of the bitmap) still ends exactly its records.
      writeFileSync(ackFile(dir), ackEntry(1, 18));
      expect(ids(open(dir).read(30, Infinity))).toEqual([0, 19]);
    });

    it('a garbage ack file re-sends rather than loses', async () => {
      const dir = tempDir();
      const store = open(dir);
      await store.append([ev(0), ev(1)]);
      store.remove(store.read(1, Infinity).map((r) => r.key));
      close(store);
      const ack = join(dir, readdirSync(dir).find((f) => f.endsWith('.ack')) as string);
      const fd = openSync(ack, 'r+');
      writeSync(fd, Buffer.from([0xff, 0xff]), 0, 2, 0);
      closeSync(fd);
      const again = open(dir);
      expect(ids(again.read(10, Infinity))).toEqual([0, 1]);
    });
  });

  it('appends of one turn share one promise and one write; a group past 64 KiB of multi-byte events reads back', async () => {
    const dir = tempDir();
    const store = open(dir, { maxBytes: 1 << 24 });
    const wide = (i: number): string => JSON.stringify({ n: i, note: 'ü€'.repeat(10_000 + i) });
    const jsons = Array.from({ length: 5 }, (_, i) => wide(i));
    const writes = jsons.map((json) => store.append([json]));
    expect(new Set(writes).size).toBe(1);
    await Promise.all(writes);
    close(store);
    const again = open(dir, { maxBytes: 1 << 24 });
    expect(again.damage).toEqual([]);
    expect(again.read(10, 1 << 24).map((r) => r.json)).toEqual(jsons);
  });

  it('an append refused as full leaves the records appended before it in the same turn intact', async () => {
    const dir = tempDir();
    const size = 16 + Buffer.byteLength(ev(0));
    const store = open(dir, { maxBytes: size * 2 });
    const first = store.append([ev(0)]);
    const refused = store.append([ev(1), ev(2)]).catch((e: unknown) => e);
    const second = store.append([ev(3)]);
    expect(isSpoolError(await refused)).toBe(true);
    await Promise.all([first, second]);
    close(store);
    const again = open(dir, { maxBytes: size * 2 });
    expect(again.damage).toEqual([]);
    expect(ids(again.read(10, 1 << 20))).toEqual([0, 3]);
  });

  it('tells onTrouble when an ack cannot be written, once until one is; those events come back after a reopen', async () => {
    const dir = tempDir();
    const troubles: Error[] = [];
    const store = open(dir, { onTrouble: (error) => troubles.push(error) });
    await store.append([ev(0), ev(1), ev(2), ev(3), ev(4)]);
    const log = readdirSync(dir).find((f) => f.endsWith('.log')) as string;
    const ack = log.replace(/\.log$/, '.ack');
    mkdirSync(join(dir, ack)); // a real failure: the ack file cannot be opened (EISDIR)
    const keys = store.read(10, Infinity).map((r) => r.key);
    store.remove(keys.slice(0, 2));
    store.remove(keys.slice(2, 3));
    expect(troubles.map((e) => [isSpoolError(e), e.message])).toEqual([
      [
        true,
        `spool ${dir} cannot record in ${ack} that 2 events ended (EISDIR): they are sent again after a restart`,
      ],
    ]);
    rmdirSync(join(dir, ack));
    store.remove(keys.slice(3, 4)); // written: the trouble is over
    expect(troubles).toHaveLength(1);
    close(store);
    // At least once: what ended without its ack is sent again, what was acked is not.
    expect(ids(open(dir).read(10, Infinity))).toEqual([0, 1, 2, 4]);
  });

  it('reports a write failure as a SpoolError naming the spool', async () => {
    // A new segment (segmentBytes 1: one per append) cannot be created in a removed folder.
    const small = open(tempDir(), { segmentBytes: 1 });
    await small.append([ev(0)]);
    rmSync(small.dir, { recursive: true, force: true });
    const error = await small.append([ev(1)]).catch((e: unknown) => e);
    expect(isSpoolError(error)).toBe(true);
    expect((error as Error).message).toBe(`spool ${small.dir} cannot be written: ENOENT`);
  });
});

describe('openSpoolStore on a full disk (a 1 MiB tmpfs; needs root)', () => {
  const mountPoint = mountSmallTmpfs('spec/spool/openSpoolStore.spec.ts');
  const mounted = mountPoint !== undefined;

  it.skipIf(!mounted)(
    'a write that does not fit fails with a clear error; what was written stays whole',
    async () => {
      const dir = join(mountPoint as string, 'spool');
      const store = openSpoolStore({
        dir,
        maxBytes: 64 << 20,
        sync: 'always',
        syncIntervalMs: 1000,
        segmentBytes: 256 << 10,
      });
      stores.push(store);
      const big = (i: number): string => JSON.stringify({ auditID: `id-${i}`, pad: 'x'.repeat(20_000) });
      let written = 0;
      let failure: unknown;
      for (let i = 0; i < 100 && failure === undefined; i++) {
        await store.append([big(i)]).then(
          () => written++,
          (error: unknown) => (failure = error),
        );
      }
      expect(isSpoolError(failure)).toBe(true);
      expect((failure as Error).message).toBe(`spool ${dir} cannot be written: ENOSPC`);
      expect(written).toBeGreaterThan(10);
      expect(store.stats().spooledEvents).toBe(written);
      // Later writes keep failing cleanly, never crash.
      await expect(store.append([big(1000)])).rejects.toThrow('ENOSPC');
      const records = store.read(1000, Infinity);
      expect(records.map((r) => (JSON.parse(r.json) as { auditID: string }).auditID)).toEqual(
        [...Array(written).keys()].map((i) => `id-${i}`),
      );
      // Room again once records ended and their segments are deleted.
      store.remove(records.map((r) => r.key));
      await store.append([big(2000)]);
      close(store);
      // Nothing torn was left behind.
      const again = open(dir);
      expect(again.damage).toEqual([]);
      expect(again.stats().spooledEvents).toBe(1);
    },
  );
});

describe('openSpoolStore, any sequence of appends, refusals and removes', () => {
  // Multi-byte, long and short snapshots; appends in one turn share a write, a refusal (full) can fall inside
  // such a group, and small segments make appends cross into new files.
  const snapshot = fc
    .tuple(fc.nat({ max: 2_000 }), fc.constantFrom('a', 'é', '€', '😀'))
    .map(([n, c]) => [n, c] as const);
  const turn = fc.array(fc.array(snapshot, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 });
  const step = fc.record({ turn, take: fc.nat({ max: 6 }), endEvery: fc.integer({ min: 1, max: 3 }) });

  it('reads back, after a reopen, exactly what was accepted and not removed, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        const dir = tempDir();
        const options = { maxBytes: 24 * 1024, segmentBytes: 4 * 1024 };
        const store = open(dir, options);
        let next = 0;
        const accepted: string[] = [];
        const removed = new Set<string>();
        for (const { turn: appends, take, endEvery } of steps) {
          const results = appends.map((group) => {
            const jsons = group.map(([n, c]) => JSON.stringify({ i: next++, pad: c.repeat(n) }));
            return store.append(jsons).then(
              () => jsons,
              (error: unknown) => {
                expect(isSpoolError(error)).toBe(true);
                return [];
              },
            );
          });
          for (const jsons of await Promise.all(results)) accepted.push(...jsons);
          const read = store.read(take, Infinity);
          const ended = read.filter((_, k) => k % endEvery === 0);
          store.remove(ended.map((r) => r.key));
          for (const r of ended) removed.add(r.json);
        }
        close(store);
        const again = open(dir, options);
        expect(again.damage).toEqual([]);
        const left: string[] = [];
        for (let chunk = again.read(100, Infinity); chunk.length > 0; chunk = again.read(100, Infinity)) {
          left.push(...chunk.map((r) => r.json));
        }
        expect(left).toEqual(accepted.filter((json) => !removed.has(json)));
        close(again);
      }),
      { numRuns: 40 },
    );
  });
});
