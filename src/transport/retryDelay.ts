import type { RetryOptions } from '../contract/options.js';
import { MAX_RETRY_AFTER_MS } from './parseRetryAfter.js';

/**
 * The delay before retry number `retry` (1 for the first retry): `initialDelay × factor^(retry-1)`
 * plus up to `jitter` of that, unless the error carries a positive `retryAfterMs` (the server's
 * `Retry-After`), which wins, capped at 60 s.
 */
export function retryDelay(options: Required<RetryOptions>, retry: number, error: unknown): number {
  const retryAfter = (error as { retryAfterMs?: unknown } | null | undefined)?.retryAfterMs;
  // A hint of 0 (`Retry-After: 0`, or a date already past) is no hint: it would take the backoff away.
  if (typeof retryAfter === 'number' && retryAfter > 0) {
    return Math.min(retryAfter, MAX_RETRY_AFTER_MS);
  }
  const base = options.initialDelay * options.factor ** (retry - 1);
  return options.jitter > 0 ? base + Math.random() * options.jitter * base : base;
}
