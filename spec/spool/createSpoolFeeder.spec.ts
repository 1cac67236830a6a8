import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SpoolDamage, SpoolRecord } from '../../src/spool/openSpoolStore.js';
import { openSpoolStore } from '../../src/spool/openSpoolStore.js';
import type { SpoolFeeder } from '../../src/spool/createSpoolFeeder.js';
import { createSpoolFeeder } from '../../src/spool/createSpoolFeeder.js';

const dirs: string[] = [];
const feeders: SpoolFeeder[] = [];
afterEach(() => {
  for (const f of feeders.splice(0)) f.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh folder, removed after the test. */
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'rx-audit-feeder-'));
  dirs.push(dir);
  return dir;
};
const ev = (i: number): string => JSON.stringify({ auditID: `id-${i}`, n: i });
const ns = (records: readonly SpoolRecord[]): number[] =>
  records.map((r) => (JSON.parse(r.json) as { n: number }).n);
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function feeder(dir: string, maxBytes = 1 << 20): { feeder: SpoolFeeder; damage: SpoolDamage[] } {
  const damage: SpoolDamage[] = [];
  const store = openSpoolStore({ dir, maxBytes, sync: 'interval', syncIntervalMs: 1000 });
  const f = createSpoolFeeder({
    store,
    chunkRecords: 3,
    chunkBytes: 1 << 20,
    onDamage: (d) => damage.push(d),
  });
  feeders.push(f);
  return { feeder: f, damage };
}

/** A stand-in for the engine: holds `room` records at most; enqueue waits until they fit. */
function boundedTarget(room: number) {
  const held: SpoolRecord[] = [];
  const all: SpoolRecord[] = [];
  const offered: SpoolRecord[] = [];
  let wake: (() => void) | undefined;
  return {
    held,
    all,
    offered,
    async enqueue(records: SpoolRecord[]) {
      offered.push(...records);
      for (const r of records) {
        while (held.length >= room) await new Promise<void>((resolve) => (wake = resolve));
        held.push(r);
        all.push(r);
      }
      return true;
    },
    /** Ends the oldest `n` held records. */
    end(f: SpoolFeeder, n: number) {
      const done = held.splice(0, n);
      f.ended(done.map((r) => r.key));
      wake?.();
    },
  };
}

describe('createSpoolFeeder', () => {
  it('hands records over in order, never more than the target has room for', async () => {
    const dir = tempDir();
    const { feeder: f } = feeder(dir);
    const target = boundedTarget(4);
    f.start(target);
    for (let i = 0; i < 10; i++) await f.append([ev(i)]).written;
    await tick();
    expect(ns(target.held)).toEqual([0, 1, 2, 3]);
    expect(f.store.stats().spooledEvents).toBe(10);
    target.end(f, 4);
    await tick();
    expect(ns(target.held)).toEqual([4, 5, 6, 7]);
    target.end(f, 4);
    await f.handedOver();
    expect(ns(target.all)).toEqual([...Array(10).keys()]);
    target.end(f, 2);
    expect(f.store.stats()).toEqual({ spooledEvents: 0, spooledBytes: 0 });
  });

  it('replays what an earlier run left before new events', async () => {
    const dir = tempDir();
    const first = feeder(dir).feeder;
    for (let i = 0; i < 5; i++) await first.append([ev(i)]).written;
    first.close();
    feeders.splice(feeders.indexOf(first), 1);
    const { feeder: f } = feeder(dir);
    await f.append([ev(100)]).written;
    const target = boundedTarget(100);
    f.start(target);
    await f.handedOver();
    expect(ns(target.all)).toEqual([0, 1, 2, 3, 4, 100]);
  });

  it('takes only what fits under maxBytes; whenRoom resolves, in order, once records ended', async () => {
    const dir = tempDir();
    const size = 16 + ev(0).length;
    const { feeder: f } = feeder(dir, size * 3);
    const target = boundedTarget(100);
    f.start(target);
    const taken = f.append([ev(0), ev(1), ev(2), ev(3)]);
    expect(taken.count).toBe(3);
    await taken.written;
    const order: string[] = [];
    void f.whenRoom(size).then(() => order.push('a'));
    void f.whenRoom(size).then(() => order.push('b'));
    await tick();
    expect(order).toEqual([]);
    target.end(f, 1);
    await tick();
    expect(order).toEqual(['a', 'b']);
  });

  it('measures no snapshot far from maxBytes, and near it takes exactly what fits by exact bytes', async () => {
    const dir = tempDir();
    // Two bytes per character: the bound (three per UTF-16 code unit) says fewer fit than really do.
    const wide = (i: number): string => JSON.stringify({ auditID: `id-${i}`, note: 'é'.repeat(200) });
    const size = 16 + Buffer.byteLength(wide(0));
    const store = openSpoolStore({ dir, maxBytes: size * 6, sync: 'interval', syncIntervalMs: 1000 });
    const measured: string[] = [];
    const recordSize = store.recordSize.bind(store);
    store.recordSize = (json) => (measured.push(json), recordSize(json));
    const f = createSpoolFeeder({ store, chunkRecords: 10, chunkBytes: 1 << 20, onDamage: () => undefined });
    feeders.push(f);
    // Two fit by their bounds: nothing is measured.
    const first = f.append([wide(0), wide(1)]);
    expect(first.count).toBe(2);
    expect(measured).toEqual([]);
    await first.written;
    // Of five more, the bounds would let two in; exact bytes let four in, filling maxBytes to the byte.
    const second = f.append([2, 3, 4, 5, 6].map(wide));
    expect(second.count).toBe(4);
    expect(measured.length).toBeLessThanOrEqual(5);
    await second.written;
    expect(store.fits(1)).toBe(false);
  });

  it('appends written together share one promise; a later one gets its own', async () => {
    const dir = tempDir();
    const { feeder: f } = feeder(dir);
    const target = boundedTarget(100);
    f.start(target);
    const a = f.append([ev(0)]);
    const b = f.append([ev(1), ev(2)]);
    expect(b.written).toBe(a.written);
    await a.written;
    const c = f.append([ev(3)]);
    expect(c.written).not.toBe(a.written);
    await c.written;
    await tick();
    expect(ns(target.all)).toEqual([0, 1, 2, 3]);
  });

  it('takeRest returns what was not handed over, and stops the hand-over', async () => {
    const dir = tempDir();
    const { feeder: f } = feeder(dir);
    const target = boundedTarget(2);
    f.start(target);
    for (let i = 0; i < 7; i++) await f.append([ev(i)]).written;
    await tick();
    const rest: number[] = [];
    f.takeRest((records) => rest.push(...ns(records)));
    expect(ns(target.held)).toEqual([0, 1]);
    // 2 is being placed when takeRest runs: offered to the target already, so it is the target's to end.
    expect(ns(target.offered)).toEqual([0, 1, 2]);
    expect(rest).toEqual([3, 4, 5, 6]);
    await tick();
    expect(ns(target.offered)).toEqual([0, 1, 2]);
  });
});
