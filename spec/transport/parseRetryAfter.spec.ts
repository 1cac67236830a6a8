import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from '../../src/transport/parseRetryAfter.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-28T12:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 12 ', now)).toBe(12_000);
    expect(parseRetryAfter(['3', '9'], now)).toBe(3000);
  });

  it('reads HTTP dates relative to now; a past date means 0', () => {
    expect(parseRetryAfter('Sat, 28 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 28 Nov 2026 11:00:00 GMT', now)).toBe(0);
  });

  it(`caps at ${MAX_RETRY_AFTER_MS} ms`, () => {
    expect(parseRetryAfter('86400', now)).toBe(60_000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 12:00:00 GMT', now)).toBe(60_000);
  });

  it('ignores what is neither form', () => {
    expect([undefined, '', 'soon', '-5', '1.5', '+3', {}].map((v) => parseRetryAfter(v, now))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
