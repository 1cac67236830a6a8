import { describe, expect, it } from 'vitest';
import { emptyStats } from '../../src/contract/AuditBackend.js';
import type { AuditStats } from '../../src/contract/AuditBackend.js';
import { progressCounts } from '../../src/cli/progressCounts.js';
import type { ShipCounts } from '../../src/cli/ShipProgress.js';

describe('progressCounts', () => {
  it('keeps the caller counts until there is a backend, then reads its stats; bytes on every call', () => {
    const counts: ShipCounts = { read: 4, invalid: 1, delivered: 0, failed: 0, retries: 0, bytes: 0 };
    const current: { backend?: { stats: () => AuditStats } } = {};
    let bytes = 10;
    const poll = progressCounts(
      counts,
      () => current.backend,
      () => bytes,
    );

    expect(poll()).toBe(counts);
    expect(counts).toEqual({ read: 4, invalid: 1, delivered: 0, failed: 0, retries: 0, bytes: 10 });

    const stats = emptyStats();
    stats.delivered = 7;
    stats.retries = 2;
    stats.failed['send-failed'] = 3;
    stats.failed['queue-blocked'] = 1;
    stats.failed.invalid = 5;
    current.backend = { stats: () => stats };
    bytes = 99;
    expect(poll()).toEqual({ read: 4, invalid: 1, delivered: 7, failed: 9, retries: 2, bytes: 99 });
  });
});
