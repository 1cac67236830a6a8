// Not public: a batch's life inside the engine, from the cut (or the blocking call) to its one end. The engine's
// pipelines open batches and hand them to `deliver`; the shutdown ends what is still alive with `finish`.
import type { ObservableInput } from 'rxjs';
import { EMPTY, Observable } from 'rxjs';
import type { AuditErrorReason } from '../contract/AuditBackend.js';
import { toDeliveryError } from '../operators/deliverBatches.js';
import { WebhookError } from '../transport/WebhookError.js';
import { cancelsOnUnsubscribe, isTooLarge, sendWithRetry } from '../transport/sendAttempt.js';
import { EngineBatch, compactSnapshots } from './EngineBatch.js';
import type { EngineItem } from './EngineBatch.js';
import type { BufferRoom } from './BufferRoom.js';
import type { EngineAccounts } from './EngineAccounts.js';
import type { DelegateStrategy, DeliveryEngineConfig } from './DeliveryEngineConfig.js';

/** What a batch's life needs from the engine. */
export interface BatchLifeParts {
  readonly config: DeliveryEngineConfig;
  readonly delegate: DelegateStrategy;
  readonly books: EngineAccounts;
  readonly room: BufferRoom;
}

/** The engine's batches: those alive, and the three steps of a batch's life. */
export interface BatchLife {
  /** Cut (or called) and not ended: what `flush()` and the shutdown deadline need. */
  readonly alive: ReadonlySet<EngineBatch>;
  /** A new batch of `items`, alive; `end` is the blocking caller's resolver. */
  open(items: EngineItem[], end?: (delivered: boolean) => void): EngineBatch;
  /** Sends a batch with backoff retry and ends it; completes even if a callback in `finish` throws. */
  deliver(batch: EngineBatch): Observable<never>;
  /**
   * Ends a batch exactly once: the counters, its one report (`error` given; {@link FORGOTTEN}: none), the
   * `ended` hook, the caller and the flushes waiting for it, the room, then `deliveries$`.
   */
  finish(batch: EngineBatch, error?: unknown, reason?: AuditErrorReason): void;
  /** The error of a batch the shutdown deadline ends. */
  pastDeadline(batch: EngineBatch, timeout: number): WebhookError;
}

/** Ends a batch a delegate has already ended itself: no second report. */
export const FORGOTTEN = new Error('ended by the delegate');

/** The batches of one engine. */
export function createBatchLife({ config, delegate, books, room }: BatchLifeParts): BatchLife {
  const { batch: limits, scheduler } = config;
  const alive = new Set<EngineBatch>();
  const cancels = cancelsOnUnsubscribe(config.send);

  const open = (items: EngineItem[], end?: (delivered: boolean) => void): EngineBatch => {
    // Only a batch that has to wait is compacted: one sent at once would pay for it on the caller's path.
    const batch = new EngineBatch(items, end);
    if (alive.size >= limits.maxInFlight || limits.throttle !== false) compactSnapshots(items);
    alive.add(batch);
    return batch;
  };

  const finish = (batch: EngineBatch, error?: unknown, reason: AuditErrorReason = 'send-failed'): void => {
    if (batch.ended) return;
    batch.ended = true;
    alive.delete(batch);
    const n = batch.items.length;
    const ok = error === undefined;
    room.free(batch.items);
    books.ended(n, batch.attempts, ok);
    if (!ok) reportFailed(batch, error, reason);
    config.ended?.(batch.items, ok);
    batch.end(ok);
    room.admit();
    // Last: a throwing subscriber (rxjs' deprecated synchronous error handling) cannot skip the accounting.
    if (batch.attempts > 0) {
      const durationMs = scheduler.now() - batch.startedAt;
      books.deliveries$.next({ events: n, ok, attempts: batch.attempts, durationMs });
    }
  };

  /** The one report of a failed batch, unless the delegate made it (or forgot the batch at a clean shutdown). */
  const reportFailed = (batch: EngineBatch, error: unknown, reason: AuditErrorReason): void => {
    if (error === FORGOTTEN || delegate.isReported(error)) return;
    const delivery = reason === 'send-failed';
    const why = delivery && isTooLarge(error) ? 'too-large' : reason;
    const cause = delivery ? toDeliveryError(error, batch.attempts) : (error as Error);
    books.report(why, cause, config.restore(batch.items));
  };

  const attempt = (batch: EngineBatch, signal: AbortSignal): ObservableInput<unknown> => {
    if (batch.ended) return EMPTY; // reported at a shutdown deadline before it could start
    if (batch.attempts === 0) batch.startedAt = scheduler.now();
    books.attempted(batch.items.length, batch.attempts++ > 0);
    return config.send(batch, signal);
  };

  const deliver = (batch: EngineBatch): Observable<never> =>
    new Observable<never>((subscriber) => {
      const settle = (error?: unknown) => {
        try {
          finish(batch, error);
        } finally {
          subscriber.complete();
        }
      };
      const send = sendWithRetry((s) => attempt(batch, s), config.retry, config.timeout, scheduler, cancels);
      return send.subscribe({ complete: () => settle(), error: settle });
    });

  const pastDeadline = (batch: EngineBatch, timeout: number): WebhookError =>
    new WebhookError(
      `${config.subject} shutdown deadline of ${timeout} ms passed before delivery (${batch.attempts} attempts made)`,
      { retryable: false, attempts: batch.attempts },
    );

  return { alive, open, deliver, finish, pastDeadline };
}
