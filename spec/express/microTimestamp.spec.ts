import { describe, expect, it } from 'vitest';
import { formatMicros, microTimestamp } from '../../src/express/microTimestamp.js';

describe('microTimestamp', () => {
  it('formats microseconds as RFC 3339 with six fractional digits', () => {
    expect(formatMicros(Date.UTC(2024, 4, 1, 12, 0, 0) * 1000 + 123_456)).toBe('2024-05-01T12:00:00.123456Z');
    expect(formatMicros(Date.UTC(2024, 4, 1, 12, 0, 0) * 1000 + 7)).toBe('2024-05-01T12:00:00.000007Z');
  });

  it('follows the wall clock and never goes backwards between calls', () => {
    const before = new Date(Date.now() - 1).toISOString().slice(0, 23);
    const stamps = Array.from({ length: 200 }, () => microTimestamp());
    const after = new Date(Date.now() + 1).toISOString().slice(0, 23);
    expect(stamps[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(stamps.every((stamp, i) => i === 0 || stamp >= (stamps[i - 1] ?? ''))).toBe(true);
    expect(String(stamps[0]).slice(0, 23) >= before && String(stamps.at(-1)).slice(0, 23) <= after).toBe(
      true,
    );
  });
});
