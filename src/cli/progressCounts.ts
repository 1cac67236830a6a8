// Not public: the counts callback `ship` and `demo` hand to ShipProgress.
import type { AuditBackend } from '../contract/AuditBackend.js';
import { AUDIT_ERROR_REASONS } from '../contract/AuditBackend.js';
import type { ShipCounts } from './ShipProgress.js';

/**
 * A `counts` callback for {@link ShipProgress}: each call refreshes `counts` in place — `delivered`,
 * `failed` (all reasons summed) and `retries` from the backend's `stats()` once there is one, `bytes` from
 * `bytes()` — and returns it. `read` and `invalid` stay the caller's to count.
 *
 * @param counts The object the command counts `read`/`invalid` in; updated and returned.
 * @param backend The backend, or `undefined` while it is not created yet.
 * @param bytes The input bytes consumed so far.
 * @returns The callback.
 */
export function progressCounts(
  counts: ShipCounts,
  backend: () => Pick<AuditBackend, 'stats'> | undefined,
  bytes: () => number,
): () => ShipCounts {
  return () => {
    const current = backend();
    if (current) {
      const stats = current.stats();
      counts.delivered = stats.delivered;
      counts.failed = AUDIT_ERROR_REASONS.reduce((sum, reason) => sum + (stats.failed[reason] ?? 0), 0);
      counts.retries = stats.retries;
    }
    counts.bytes = bytes();
    return counts;
  };
}
