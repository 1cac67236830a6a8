import type { Observable, ObservableInput, OperatorFunction, SchedulerLike } from 'rxjs';
import { catchError, concat, defer, of } from 'rxjs';
import { mergeMapFlat } from '../util/mergeMapFlat.js';
import type { RetryOptions } from '../contract/options.js';
import { BATCH_DEFAULTS } from '../contract/options.js';
import { redactMessage } from '../util/redactMessage.js';
import { sendWithRetry } from '../transport/sendAttempt.js';
import { positiveInteger, resolveSendOptions } from '../util/validateOptions.js';
import { WebhookError, isRetryable, isWebhookError } from '../transport/WebhookError.js';
import { errorMessage } from '../util/toError.js';

/** The outcome of delivering one batch with {@link deliverBatches}. */
export type Delivery<E> =
  | { readonly ok: true; readonly events: E[]; readonly attempts: number }
  | { readonly ok: false; readonly events: E[]; readonly error: WebhookError; readonly attempts: number };

/**
 * Sends one batch. Completing (or resolving) means delivered, erroring (or throwing) means failed.
 * `signal` aborts when the attempt times out or the delivery is abandoned.
 */
export type BatchSender<E> = (events: E[], signal: AbortSignal) => ObservableInput<unknown>;

/** Options of {@link deliverBatches}. */
export interface DeliverBatchesOptions {
  /** Concurrent sends at most. @default Infinity */
  maxInFlight?: number;
  /** Exponential backoff between attempts; only retryable errors are retried (see `isRetryable`). @default RETRY_DEFAULTS (5 attempts) */
  retry?: RetryOptions;
  /** Timeout of each attempt in milliseconds (`Infinity` for none); it aborts the attempt's signal. @default 30000 */
  timeout?: number;
  /** Runs retry delays and timeouts. @default asyncScheduler */
  scheduler?: SchedulerLike;
}

/**
 * Makes the final error of a failed delivery a new {@link WebhookError} that records the attempts made; the
 * sender's error is its `cause`, never modified (it may be shared or frozen). A WebhookError keeps its
 * message, `status`, `retryable` and `retryAfterMs`; any other error's message is redacted (URLs lose
 * credentials and query strings, quoted payloads are cut) since a custom sender's message is untrusted.
 */
export function toDeliveryError(error: unknown, attempts: number): WebhookError {
  if (isWebhookError(error)) {
    return new WebhookError(error.message, {
      attempts,
      retryable: error.retryable,
      cause: error,
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    });
  }
  const message = errorMessage(error);
  const status = (error as { status?: unknown } | null)?.status;
  return new WebhookError(`audit send failed: ${redactMessage(message)}`, {
    attempts,
    retryable: isRetryable(error),
    cause: error,
    ...(typeof status === 'number' ? { status } : {}),
  });
}

/**
 * Sends each batch with `send`, retrying retryable failures with exponential backoff on the scheduler, at most
 * `maxInFlight` at a time, and emits one {@link Delivery} per batch. A failed batch is a `{ ok: false }` value —
 * the stream never errors because of a send. Completing the source completes after the last delivery.
 *
 * ## Example
 *
 * ```ts
 * import { batchEvents, deliverBatches } from 'rx-audit';
 *
 * events$
 *   .pipe(
 *     batchEvents({ maxBatchSize: 50, maxBatchWait: 1_000 }),
 *     deliverBatches((batch) => fetch(url, { method: 'POST', body: JSON.stringify(batch) }).then((r) => {
 *       if (!r.ok) throw Object.assign(new Error(`HTTP ${r.status}`), { status: r.status });
 *     }), { maxInFlight: 4, retry: { attempts: 3 } }),
 *   )
 *   .subscribe((d) => d.ok || console.error(d.error.message));
 * ```
 *
 * @param send Delivers one batch; called again for each retry.
 * @param options Concurrency, retry, timeout and scheduler.
 * @returns An operator from batches to their deliveries, in completion order.
 */
export function deliverBatches<E>(
  send: BatchSender<E>,
  options: DeliverBatchesOptions = {},
): OperatorFunction<E[], Delivery<E>> {
  const maxInFlight = positiveInteger('maxInFlight', options.maxInFlight ?? BATCH_DEFAULTS.maxInFlight, true);
  const { retry, timeout, scheduler } = resolveSendOptions(options);

  const deliver = (events: E[]) =>
    deliverOne(events, (signal) => send(events, signal), retry, timeout, scheduler);

  return (source) => source.pipe(mergeMapFlat(deliver, maxInFlight));
}

/**
 * Delivers one batch of `events` with `send` (called once per attempt) and retry, as one {@link Delivery}: it
 * never errors. What {@link deliverBatches} does per batch, also used by `auditWebhook`.
 */
export function deliverOne<E>(
  events: E[],
  send: (signal: AbortSignal) => ObservableInput<unknown>,
  retry: Required<RetryOptions>,
  timeout: number,
  scheduler: SchedulerLike,
  unsubscribeCancels = false,
): Observable<Delivery<E>> {
  let attempts = 0;
  const attempt = (signal: AbortSignal) => {
    attempts++;
    return send(signal);
  };
  return concat(
    sendWithRetry(attempt, retry, timeout, scheduler, unsubscribeCancels),
    defer(() => of<Delivery<E>>({ ok: true, events, attempts })),
  ).pipe(
    catchError((error: unknown) =>
      of<Delivery<E>>({ ok: false, events, error: toDeliveryError(error, attempts), attempts }),
    ),
  );
}
