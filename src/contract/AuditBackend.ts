import type { Observable } from 'rxjs';
import type { AuditEvent } from '../events/Event.js';

/**
 * Every reason an {@link AuditPluginError} can carry, in the order `stats().failed` lists them.
 *
 * ## Example
 * ```ts
 * import { AUDIT_ERROR_REASONS } from 'rx-audit';
 *
 * for (const reason of AUDIT_ERROR_REASONS) console.log(reason, backend.stats().failed[reason]);
 * ```
 */
export const AUDIT_ERROR_REASONS = [
  'queue-blocked',
  'shut-down',
  'send-failed',
  'too-large',
  'invalid',
] as const;

/** Why a group of events was not delivered. */
export type AuditErrorReason = (typeof AUDIT_ERROR_REASONS)[number];

/** One failed group of events, as `errors$` reports it. */
export interface AuditPluginError {
  /** The plugin that failed: `webhook`, `buffered`, `truncate`, `log`, … */
  readonly plugin: string;
  readonly reason: AuditErrorReason;
  readonly error: Error;
  readonly events: AuditEvent[];
}

/** Counters every backend keeps; see `stats()`. */
export interface AuditStats {
  /** Events accepted by `processEvents`. */
  accepted: number;
  /** Events delivered to the sink. */
  delivered: number;
  /** Events reported through `errors$`, by reason. */
  failed: Record<AuditErrorReason, number>;
  /** Batches (POSTs) completed successfully or finally failed. */
  batches: number;
  /** Retry attempts made (not counting first attempts). */
  retries: number;
  /** Events accepted but not yet handed to the sink. */
  queued: number;
  /** Events in batches currently being sent (retries included). */
  inFlight: number;
  /** With a spool (batch mode): events in the spool that have not ended (delivered or reported). */
  spooledEvents?: number;
  /** With a spool: their bytes (JSON plus a 16-byte record header each), what `spool.maxBytes` bounds. */
  spooledBytes?: number;
}

/** One finished send of a batch, for metrics (`deliveries$`). */
export interface DeliveryReport {
  readonly events: number;
  readonly ok: boolean;
  readonly attempts: number;
  /** Time from the first attempt to the final outcome, in milliseconds (scheduler time). */
  readonly durationMs: number;
}

/** An audit backend: where audit events go. Mirrors the apiserver's `audit.Backend`. */
export interface AuditBackend {
  /** `webhook`, `buffered<webhook>`, `truncate<buffered<webhook>>`, `union[a,b]`, … */
  readonly name: string;
  /** Starts delivery; events processed before `run()` are kept. */
  run(): void;
  /** Accepts events; resolves `true` when every event was accepted (batch) or delivered (blocking). */
  processEvents(...events: AuditEvent[]): Promise<boolean>;
  /** Resolves when everything accepted so far is delivered or reported. */
  flush(): Promise<void>;
  /** Stops accepting, drains, resolves. Idempotent. */
  shutdown(options?: { timeout?: number }): Promise<void>;
  /** Hot; one item per failed event group. */
  readonly errors$: Observable<AuditPluginError>;
  /** Hot; one item per finished send, for metrics. */
  readonly deliveries$: Observable<DeliveryReport>;
  /** A snapshot of the counters. */
  stats(): AuditStats;
}

/**
 * A fresh {@link AuditStats} with every counter at zero (each call returns a new object), for backends
 * that keep their own counters.
 *
 * ## Example
 * ```ts
 * import { emptyStats } from 'rx-audit';
 *
 * const stats = emptyStats();
 * stats.failed['send-failed'] += 2;
 * ```
 *
 * @returns Zero counters, with one `failed` entry per reason of {@link AUDIT_ERROR_REASONS}.
 */
export function emptyStats(): AuditStats {
  const failed = {} as Record<AuditErrorReason, number>;
  for (const reason of AUDIT_ERROR_REASONS) failed[reason] = 0;
  return { accepted: 0, delivered: 0, failed, batches: 0, retries: 0, queued: 0, inFlight: 0 };
}

/**
 * Whether `value` can be used as an {@link AuditBackend}: an object with a `processEvents` function (the test
 * every composing layer — buffered, union, the Express and Nest glue — makes of what it is given). Not exported
 * from the root.
 */
export function isAuditBackend(value: unknown): value is AuditBackend {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<AuditBackend>).processEvents === 'function'
  );
}
