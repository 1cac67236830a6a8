// What a call could not snapshot is reported once per group, with the subject and the limit in the message;
// the webhook engine and the spooled engine both report through it.
import { describe, expect, it } from 'vitest';
import { maxSnapshotBytes, reportLeftOut, snapshotItems } from '../../src/engine/snapshotItems.js';
import { auditEvent } from '../helpers/fixtures.js';

describe('snapshotItems and reportLeftOut', () => {
  it('reports invalid and too-large events once each, and says whether the call was whole', () => {
    const ok = auditEvent('ok');
    const cyclic: Record<string, unknown> = { ...auditEvent('cyclic') };
    cyclic['self'] = cyclic;
    const big = auditEvent('big', { annotations: { pad: 'x'.repeat(500) } });
    const snapshots = snapshotItems([ok, cyclic as never, big], (e) => JSON.stringify(e), 400);
    expect(snapshots.items.map((i) => i.json)).toEqual([JSON.stringify(ok)]);
    const reports: Array<[string, string, string[]]> = [];
    const causes: unknown[] = [];
    const whole = reportLeftOut(snapshots, 'audit webhook', 400, (reason, error, events) => {
      reports.push([reason, error.message, events.map((e) => e.auditID)]);
      causes.push(error.cause);
    });
    expect(whole).toBe(false);
    expect(reports).toEqual([
      ['invalid', 'audit webhook: event is not a JSON-serializable object', ['cyclic']],
      ['too-large', 'audit webhook event is over 400 bytes (maxBufferBytes/maxBatchBytes)', ['big']],
    ]);
    // The invalid report keeps why (JSON.stringify's own TypeError) as its cause; too-large needs none.
    expect(causes[0]).toBeInstanceOf(TypeError);
    expect((causes[0] as Error).message).toContain('circular');
    expect(causes[1]).toBeUndefined();
    const fine = snapshotItems([ok], (e) => JSON.stringify(e), 400);
    expect(reportLeftOut(fine, 'audit webhook', 400, () => reports.push(['x', '', []]))).toBe(true);
    expect(reports).toHaveLength(2);
  });

  it('bounds a snapshot by the buffer and by a batch less its envelope', () => {
    expect(maxSnapshotBytes({ maxBufferBytes: 1000, maxBatchBytes: 5000 }, 76)).toBe(1000);
    expect(maxSnapshotBytes({ maxBufferBytes: 10_000, maxBatchBytes: 5000 }, 76)).toBe(4924);
    expect(maxSnapshotBytes({ maxBufferBytes: Infinity, maxBatchBytes: Infinity }, 76)).toBe(Infinity);
  });
});
