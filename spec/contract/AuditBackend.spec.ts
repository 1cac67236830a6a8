import { describe, expect, it } from 'vitest';
import { AUDIT_ERROR_REASONS, emptyStats } from '../../src/contract/AuditBackend.js';
import * as api from '../../src/index.js';

describe('AUDIT_ERROR_REASONS and emptyStats', () => {
  it('lists the five reasons, in order', () => {
    expect(AUDIT_ERROR_REASONS).toEqual([
      'queue-blocked',
      'shut-down',
      'send-failed',
      'too-large',
      'invalid',
    ]);
  });

  it('emptyStats is all zero, one failed entry per reason, and a fresh object each call', () => {
    const s = emptyStats();
    expect(s).toEqual({
      accepted: 0,
      delivered: 0,
      failed: { 'queue-blocked': 0, 'shut-down': 0, 'send-failed': 0, 'too-large': 0, invalid: 0 },
      batches: 0,
      retries: 0,
      queued: 0,
      inFlight: 0,
    });
    s.failed.invalid = 3;
    s.accepted = 1;
    expect(emptyStats().failed.invalid).toBe(0);
    expect(emptyStats().accepted).toBe(0);
  });

  it('both are exported from the package entry', () => {
    expect(api.AUDIT_ERROR_REASONS).toBe(AUDIT_ERROR_REASONS);
    expect(api.emptyStats).toBe(emptyStats);
    expect(typeof api.union).toBe('function');
    expect(api).not.toHaveProperty('createUnionBackend');
  });
});
