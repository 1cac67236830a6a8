// The spool's record reader on crafted segment files. The work of a scan is counted (bytes checksummed and
// bytes read, through the `crc32` module and `fs.readSync`), never timed.
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openSpoolStore } from '../../src/spool/openSpoolStore.js';
import type { SpoolStore } from '../../src/spool/openSpoolStore.js';
import { crc32 } from '../../src/spool/crc32.js';
import { RecordEncoder, scanRecords } from '../../src/spool/spoolRecords.js';
import type { ScanResult } from '../../src/spool/spoolRecords.js';
import type * as Crc32Module from '../../src/spool/crc32.js';
import type * as Fs from 'node:fs';

const work = vi.hoisted(() => ({ checksummed: 0, read: 0 }));

vi.mock('../../src/spool/crc32.js', async (importOriginal) => {
  const actual = await importOriginal<typeof Crc32Module>();
  return {
    ...actual,
    crc32: (data: Uint8Array, value?: number): number => {
      work.checksummed += data.length;
      return actual.crc32(data, value);
    },
  };
});

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof Fs>();
  const readSync = (...args: Parameters<typeof actual.readSync>): number => {
    const n = actual.readSync(...args);
    work.read += n;
    return n;
  };
  return { ...actual, readSync, default: { ...actual, readSync } };
});

const dirs: string[] = [];
const stores: SpoolStore[] = [];
beforeEach(() => {
  work.checksummed = 0;
  work.read = 0;
});
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rx-audit-records-'));
  dirs.push(dir);
  return dir;
}

const ev = (i: number, pad = ''): string =>
  JSON.stringify({ auditID: `id-${i}`, stage: 'ResponseComplete', pad });

/** Intact records of `jsons`, numbered from `firstIndex`, as the store writes them. */
function intact(jsons: readonly string[], firstIndex: number): Buffer {
  const encoder = new RecordEncoder();
  encoder.encode(jsons, firstIndex);
  return Buffer.from(encoder.bytes);
}

/**
 * `length` bytes of crafted damage at file offset `offset`: spaces, and every `stride` bytes a header (magic, the
 * length `lengthAt(its file offset)`, index 0, a bad checksum).
 */
function crafted(offset: number, length: number, lengthAt: (at: number) => number, stride = 20): Buffer {
  const b = Buffer.alloc(length, 0x20);
  for (let at = 0; at + 16 <= length; at += stride) {
    b.write('RXAS', at, 'latin1');
    b.writeUInt32LE(lengthAt(offset + at), at + 4);
    b.writeUInt32LE(0, at + 8);
    b.writeUInt32LE(0xdeadbeef, at + 12);
  }
  return b;
}

/** Writes `data` as a segment file in a new folder and scans all of it, counting the work. */
function scanFile(data: Buffer): ScanResult & { file: string } {
  const file = join(tempDir(), 'seg-000000000001.log');
  writeFileSync(file, data);
  const fd = openSync(file, 'r');
  try {
    work.checksummed = 0;
    work.read = 0;
    return { ...scanRecords(fd, 0, data.length), file };
  } finally {
    closeSync(fd);
  }
}

const jsonsOf = (scan: ScanResult): string[] => scan.records.map((r) => r.payload.toString('utf8'));
const indexesOf = (scan: ScanResult): number[] => scan.records.map((r) => r.index);

const KiB = 1024;
const DAMAGE = 256 * KiB;

describe('scanRecords', () => {
  it('reads intact records, JSON holding the magic anywhere included (also at its very end)', () => {
    const jsons = [ev(0, 'RXAS'.repeat(50)), ev(1, 'RXASRXAS'), 'RXAS', ev(3), 'xRXAS'];
    const data = intact(jsons, 0);
    const scan = scanFile(data);
    expect(jsonsOf(scan)).toEqual(jsons);
    expect(scan.damage).toEqual([]);
    expect(scan.next).toBe(data.length);
    // Each record checksummed once, each byte read once.
    expect(work.checksummed).toBe(data.length - 8 * jsons.length);
    expect(work.read).toBe(data.length);
  });

  it('a crafted segment (a header every 20 bytes, each reaching to the end of the file) costs linear work', () => {
    // The hostile file: each candidate, checksummed, would cost the whole rest of the file.
    const data = crafted(0, DAMAGE, (at) => DAMAGE - at - 16 - 1);
    const scan = scanFile(data);
    expect(scan.records).toEqual([]);
    expect(scan.damage).toEqual([{ offset: 0, length: DAMAGE }]);
    expect(work.checksummed).toBeLessThanOrEqual(4 * DAMAGE);
    expect(work.read).toBeLessThanOrEqual(3 * DAMAGE);
  });

  // Crafted damage between intact records, with candidates reaching over the intact records after it (to the end
  // of the file, or each a little further than the one before) or ending inside the damage.
  type Shape = (start: number, damageEnd: number, end: number) => (at: number) => number;
  const shapes: [string, Shape][] = [
    ['to the end of the file', (_start, _damageEnd, end) => (at) => end - at - 16],
    ['each further than the one before', (start, _damageEnd, end) => () => Math.floor((end - start) / 2)],
    ['ending inside the damage', (_start, damageEnd) => (at) => damageEnd - at - 16 - 1],
  ];
  for (const [name, shape] of shapes) {
    it(`intact records after crafted damage (candidates ${name}) are all found, with linear work`, () => {
      const before = intact([ev(0), ev(1), ev(2, 'RXAS')], 0);
      const after = intact(
        Array.from({ length: 50 }, (_, i) => ev(3 + i, i % 7 === 0 ? 'RXAS' : 'x'.repeat(i))),
        3,
      );
      const end = before.length + DAMAGE + after.length;
      const damage = crafted(before.length, DAMAGE, shape(before.length, before.length + DAMAGE, end));
      const data = Buffer.concat([before, damage, after]);
      const scan = scanFile(data);
      expect(indexesOf(scan)).toEqual(Array.from({ length: 53 }, (_, i) => i));
      expect(scan.damage).toEqual([{ offset: before.length, length: DAMAGE }]);
      expect(scan.next).toBe(data.length);
      expect(work.checksummed).toBeLessThanOrEqual(4 * data.length);
      expect(work.read).toBeLessThanOrEqual(3 * data.length);
    });
  }

  it('past the 1 MiB reads: records around and across read boundaries, one longer than a read, are all found', () => {
    // 3 MiB of crafted damage whose candidates (1.5 MiB each) reach past each read, then records of all sizes.
    const before = intact([ev(0, 'x'.repeat(700 * KiB)), ev(1)], 0);
    const jsons = Array.from({ length: 400 }, (_, i) => ev(2 + i, 'y'.repeat((i * 997) % 9000)));
    jsons[200] = ev(202, 'z'.repeat(1200 * KiB));
    const after = intact(jsons, 2);
    const length = 3 * 1024 * KiB;
    const damage = crafted(before.length, length, () => 1536 * KiB);
    const data = Buffer.concat([before, damage, after]);
    const scan = scanFile(data);
    expect(indexesOf(scan)).toEqual(Array.from({ length: 402 }, (_, i) => i));
    expect(jsonsOf(scan).slice(2)).toEqual(jsons);
    expect(scan.damage).toEqual([{ offset: before.length, length }]);
    expect(work.checksummed).toBeLessThanOrEqual(4 * data.length);
    expect(work.read).toBeLessThanOrEqual(3 * data.length);
  });

  it('many damaged ranges, each a crafted header reaching to the end right after an intact record', () => {
    // An intact record, then one long candidate, again and again: each candidate alone would cost the rest.
    const parts: Buffer[] = [];
    let size = 0;
    const longAt: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const record = intact([ev(i)], i);
      parts.push(record);
      size += record.length;
      longAt.push(size);
      const garbage = Buffer.alloc(40, 0x20);
      parts.push(garbage);
      size += garbage.length;
    }
    const data = Buffer.concat(parts);
    for (const at of longAt) {
      data.write('RXAS', at, 'latin1');
      data.writeUInt32LE(data.length - at - 16, at + 4);
    }
    const scan = scanFile(data);
    expect(indexesOf(scan)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(scan.damage).toEqual(longAt.map((offset) => ({ offset, length: 40 })));
    expect(work.checksummed).toBeLessThanOrEqual(4 * data.length);
    expect(work.read).toBeLessThanOrEqual(3 * data.length);
  });

  it('passes over a candidate that checks out but holds a header in its JSON (no record the store writes does)', () => {
    const inner = intact([ev(1)], 1);
    const payload = Buffer.concat([Buffer.from('{"x":"'), inner, Buffer.from('"}')]);
    const outer = Buffer.alloc(16);
    outer.write('RXAS', 0, 'latin1');
    outer.writeUInt32LE(payload.length, 4);
    outer.writeUInt32LE(0, 8);
    outer.writeUInt32LE(crc32(payload, crc32(outer.subarray(4, 12))), 12);
    const data = Buffer.concat([outer, payload, intact([ev(2)], 2)]);
    const scan = scanFile(data);
    expect(indexesOf(scan)).toEqual([1, 2]);
    expect(scan.damage).toEqual([
      { offset: 0, length: 16 + 6 },
      { offset: 16 + 6 + inner.length, length: 2 },
    ]);
  });
});

describe('openSpoolStore on a crafted segment', () => {
  it('opens with linear work and serves the intact records around the damage', () => {
    const dir = tempDir();
    const before = intact([ev(0), ev(1)], 0);
    const after = intact([ev(2), ev(3), ev(4)], 2);
    const end = before.length + DAMAGE + after.length;
    const damage = crafted(before.length, DAMAGE, (at) => end - at - 16);
    writeFileSync(join(dir, 'seg-000000000001.log'), Buffer.concat([before, damage, after]));
    work.checksummed = 0;
    const store = openSpoolStore({ dir, maxBytes: 1 << 20, sync: 'interval', syncIntervalMs: 1000 });
    stores.push(store);
    expect(work.checksummed).toBeLessThanOrEqual(4 * end);
    expect(store.read(10, Infinity).map((r) => r.json)).toEqual([0, 1, 2, 3, 4].map((i) => ev(i)));
    expect(store.damage.map((d) => d.bytes)).toEqual([DAMAGE]);
  });
});
