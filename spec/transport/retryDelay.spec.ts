import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { retryDelay } from '../../src/transport/retryDelay.js';
import { MAX_RETRY_AFTER_MS } from '../../src/transport/parseRetryAfter.js';
import { RETRY_DEFAULTS } from '../../src/contract/options.js';
import { WebhookError } from '../../src/transport/WebhookError.js';

afterEach(() => vi.restoreAllMocks());

describe('retryDelay', () => {
  it('grows as initialDelay × factor^(k-1) without jitter (the defaults: 10 s, 15 s, 22.5 s, 33.75 s)', () => {
    const exact = { ...RETRY_DEFAULTS, jitter: 0 };
    expect([1, 2, 3, 4].map((k) => retryDelay(exact, k, new Error('x')))).toEqual([
      10_000, 15_000, 22_500, 33_750,
    ]);
  });

  it('adds at most `jitter` of the delay, and never less than the delay', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60_000 }),
        fc.double({ min: 1, max: 3, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 6 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (initialDelay, factor, jitter, k, random) => {
          vi.spyOn(Math, 'random').mockReturnValue(random);
          const base = initialDelay * factor ** (k - 1);
          const delay = retryDelay({ initialDelay, factor, jitter, attempts: 5 }, k, undefined);
          expect(delay).toBeGreaterThanOrEqual(base);
          expect(delay).toBeLessThanOrEqual(base * (1 + jitter) + 1e-6);
        },
      ),
    );
  });

  it('uses the retryAfterMs the server asked for, capped at 60 s', () => {
    const options = { ...RETRY_DEFAULTS, jitter: 0 };
    expect(retryDelay(options, 1, new WebhookError('429', { status: 429, retryAfterMs: 2_000 }))).toBe(2_000);
    // Retry-After: 0 (or a date already past) is no hint: the backoff stays (a first delay is never 0).
    expect(retryDelay(options, 3, new WebhookError('503', { status: 503, retryAfterMs: 0 }))).toBe(22_500);
    expect(retryDelay(options, 1, { retryAfterMs: 3_600_000 })).toBe(MAX_RETRY_AFTER_MS);
    expect(retryDelay(options, 1, { retryAfterMs: 'soon' })).toBe(10_000);
    expect(retryDelay(options, 1, null)).toBe(10_000);
  });
});
