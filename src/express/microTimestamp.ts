import { performance } from 'node:perf_hooks';

// Wall-clock microseconds = an anchor + the monotonic clock, so timestamps taken in order stay in order;
// the anchor moves when the wall clock is adjusted (NTP, suspend).
let anchor = Date.now() * 1000 - performance.now() * 1000;

/**
 * The current time as RFC 3339 with microseconds, as the apiserver writes audit timestamps
 * (`2024-05-01T12:00:00.123456Z`).
 */
export function microTimestamp(): string {
  const wall = Date.now() * 1000;
  let micros = Math.floor(anchor + performance.now() * 1000);
  if (Math.abs(micros - wall) > 2000) {
    anchor = wall - performance.now() * 1000;
    micros = Math.floor(anchor + performance.now() * 1000);
  }
  return formatMicros(micros);
}

/** Formats microseconds since the epoch as RFC 3339 UTC with six fractional digits. */
export function formatMicros(micros: number): string {
  const seconds = new Date(Math.floor(micros / 1000)).toISOString().slice(0, 19);
  const fraction = String(((micros % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0');
  return `${seconds}.${fraction}Z`;
}
