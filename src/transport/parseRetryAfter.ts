/** The longest delay a `Retry-After` header may ask for; longer requests are capped to this. */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Reads an HTTP `Retry-After` header value — delay-seconds (`"120"`) or an HTTP date
 * (`"Wed, 21 Oct 2026 07:28:00 GMT"`) — as a delay in milliseconds, capped at 60 s.
 *
 * ## Example
 *
 * ```ts
 * // internal (not exported from 'rx-audit'): src/transport/parseRetryAfter.ts
 * import { parseRetryAfter } from './parseRetryAfter.js';
 *
 * parseRetryAfter('2'); // 2000
 * parseRetryAfter('3600'); // 60000 (capped)
 * parseRetryAfter('soon'); // undefined
 * ```
 *
 * @param value The header value (axios gives a string; arrays take their first entry).
 * @param now The current time in epoch milliseconds, for HTTP dates. @default Date.now()
 * @returns The delay in milliseconds (0 for a date in the past), or `undefined` when the value is
 * missing or unreadable.
 */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? (value as unknown[])[0] : value;
  if (typeof raw === 'number') return cap(raw * 1000);
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  // RFC 9110: delay-seconds is a non-negative integer; anything else must be an HTTP date.
  if (/^\d+$/.test(text)) return cap(Number(text) * 1000);
  // A bare number with a sign or a fraction is neither form.
  if (/^[-+]?\d*\.?\d+$/.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return cap(date - now);
}

function cap(ms: number): number | undefined {
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, Math.round(ms)), MAX_RETRY_AFTER_MS);
}
