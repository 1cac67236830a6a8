import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isCliUsageError } from '../../src/cli/CliUsageError.js';
import type { ShipRecord } from '../../src/cli/readLogRecords.js';
import type { CheckpointState } from '../../src/cli/ShipCheckpoint.js';
import { CheckpointWriter, loadCheckpoint, ShipCheckpoint } from '../../src/cli/ShipCheckpoint.js';
import type { AuditEvent } from '../../src/events/Event.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rx-audit-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ev = (id: string): AuditEvent =>
  ({ level: 'Metadata', auditID: id, stage: 'ResponseComplete', requestURI: '/', verb: 'get' }) as AuditEvent;
const rec = (offset: number): ShipRecord => ({
  lineNumber: 1,
  end: offset,
  resume: { offset, line: offset, mode: 'lines', inArray: false },
  value: {},
});

describe('ShipCheckpoint', () => {
  it('moves only over a contiguous prefix of ended events, whatever order they end in', () => {
    const moves: number[] = [];
    const cp = new ShipCheckpoint((s) => moves.push(s.offset));
    cp.record(rec(10), [ev('a'), ev('b')]);
    cp.record(rec(20), []); // an invalid record
    cp.record(rec(30), [ev('c')]);
    cp.record(rec(40), [ev('d')]);
    cp.ended([ev('c')], true);
    expect(moves).toEqual([]);
    cp.ended([ev('a')], true);
    expect(moves).toEqual([]); // b has not ended
    cp.ended([ev('b')], false); // reported counts as ended
    expect(moves).toEqual([30]); // a, b, the invalid record, c: all ended
    cp.freeze();
    cp.ended([ev('d')], false); // failed during a cut-short drain: read again next time
    expect(cp.state?.offset).toBe(30);
    cp.ended([ev('d')], true);
    expect(cp.state?.offset).toBe(40);
  });

  it('the same auditID/stage twice in a log ends twice', () => {
    const cp = new ShipCheckpoint(() => undefined);
    cp.record(rec(10), [ev('x')]);
    cp.record(rec(20), [ev('x')]);
    cp.ended([ev('x')], true);
    expect(cp.state?.offset).toBe(10);
    cp.ended([ev('x')], true);
    expect(cp.state?.offset).toBe(20);
  });
});

describe('CheckpointWriter and loadCheckpoint', () => {
  it('writes atomically (no temporary left behind) and reads back what it wrote', async () => {
    const file = path.join(dir, 'ship.checkpoint');
    expect(await loadCheckpoint(file)).toBeUndefined();
    const writer = new CheckpointWriter(file);
    const state: CheckpointState = { offset: 123, line: 4, mode: 'documents', inArray: true, inode: 77 };
    writer.save({ ...state, offset: 1 });
    writer.save(state);
    await writer.flush();
    expect(await loadCheckpoint(file)).toEqual(state);
    expect(readdirSync(dir)).toEqual(['ship.checkpoint']);
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
  });

  it('a file that is not a checkpoint is a usage error naming it', async () => {
    const file = path.join(dir, 'bad.checkpoint');
    writeFileSync(file, '{"offset": -1}');
    const err: unknown = await loadCheckpoint(file).catch((e: unknown) => e);
    expect(isCliUsageError(err)).toBe(true);
    expect((err as Error).message).toContain(`--checkpoint ${file} is not a checkpoint`);
  });

  it('keeps the device beside the inode (past 2^53 too); a device that is not a number is refused', async () => {
    const file = path.join(dir, 'dev.checkpoint');
    const base = { offset: 5, line: 2, mode: 'lines', inArray: false, inode: 77 } as const;
    const writer = new CheckpointWriter(file);
    writer.save({ ...base, dev: 2 ** 60 });
    await writer.flush();
    expect(await loadCheckpoint(file)).toEqual({ ...base, dev: 2 ** 60 });
    writeFileSync(file, JSON.stringify(base));
    expect(await loadCheckpoint(file)).toEqual(base);
    writeFileSync(file, JSON.stringify({ ...base, dev: '2049' }));
    const err: unknown = await loadCheckpoint(file).catch((e: unknown) => e);
    expect(isCliUsageError(err)).toBe(true);
  });
});
