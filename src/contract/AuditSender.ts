import type { ObservableInput } from 'rxjs';
import type { AuditEvent } from '../events/Event.js';

/**
 * One group of events on its way to a sink. `body` is the encoded `EventList` JSON for the
 * configured group version; implementations may compute it lazily (a getter) and cache it.
 */
export interface AuditBatch {
  readonly events: readonly AuditEvent[];
  readonly body: string;
}

/**
 * Delivers one batch. Completing (or resolving) means delivered; erroring means failed.
 * An error is retried unless it carries a final HTTP `status` (4xx other than 408/429) or
 * `retryable: false`; a `retryAfterMs` number on the error sets the next retry delay.
 * `signal` aborts when the backend gives up on the batch (shutdown deadline, timeout).
 */
export type AuditSender = (batch: AuditBatch, signal: AbortSignal) => ObservableInput<unknown>;
