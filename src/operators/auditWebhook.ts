import type { OperatorFunction, SchedulerLike } from 'rxjs';
import { Observable, asyncScheduler } from 'rxjs';
import type { BatchOptions, RetryOptions } from '../backends/WebhookBackendOptions.js';
import { WEBHOOK_DEFAULTS } from '../backends/WebhookBackendOptions.js';
import type { AuditEvent } from '../events/Event.js';
import { assertGroupVersion } from '../events/GroupVersion.js';
import { itemSerializer, lazyBatch } from '../internal/encodeItems.js';
import { resolveBatchOptions, resolveRetryOptions, resolveTimeout } from '../internal/validateOptions.js';
import { throttleBatches } from '../internal/throttleBatches.js';
import { createHttpSender } from '../transport/httpSender.js';
import type { WebhookTargetOption } from '../transport/target.js';
import type { AuditBatch, AuditSender } from '../transport/types.js';
import { WebhookError } from '../transport/WebhookError.js';
import { batchEvents } from './batchEvents.js';
import type { Delivery } from './deliverBatches.js';
import { deliverBatches } from './deliverBatches.js';

/** Options of {@link auditWebhook}. */
export interface AuditWebhookOptions {
  /** Where to POST. Required unless `sender` is given. */
  target?: WebhookTargetOption;
  /** Replaces the HTTP transport. */
  sender?: AuditSender;
  /** Wire version of each `EventList`. @default 'audit.k8s.io/v1' */
  groupVersion?: string;
  /** `maxBatchSize`, `maxBatchWait`, `maxInFlight`, `throttle` (`bufferSize` does not apply: the source sets the pace). @default BATCH_DEFAULTS */
  batch?: BatchOptions;
  /** Exponential backoff. @default RETRY_DEFAULTS */
  retry?: RetryOptions;
  /** Timeout of each attempt in milliseconds. @default 30000 */
  timeout?: number;
  /** Runs every timer. @default asyncScheduler */
  scheduler?: SchedulerLike;
}

/**
 * The batch webhook as one operator: `batchEvents` → optional throttle → `deliverBatches` over the HTTP sender
 * (or `sender`), one {@link Delivery} per POST. Each event is serialized when it arrives, so later mutation does not
 * change what is sent; an event that cannot be serialized becomes a failed delivery of its own. Completing the source drains — the partial batch is sent and every in-flight POST
 * (retries included) finishes — before the output completes; unsubscribing aborts what is in flight. The HTTP
 * sender is created per subscription and closed when it ends.
 *
 * ## Example
 *
 * ```ts
 * import { auditWebhook } from 'rx-audit';
 *
 * auditEvents$
 *   .pipe(auditWebhook({ target: { url: 'https://audit.example.com/events' }, batch: { maxBatchWait: 5_000 } }))
 *   .subscribe((d) => d.ok || console.error(`${d.events.length} audit events lost: ${d.error.message}`));
 * ```
 *
 * @param options Target or sender, group version, batching, retry, timeout, scheduler.
 * @returns An operator from audit events to deliveries.
 * @throws TypeError for an invalid option (at call time, not at subscription).
 */
export function auditWebhook(
  options: AuditWebhookOptions,
): OperatorFunction<AuditEvent, Delivery<AuditEvent>> {
  const groupVersion = options.groupVersion ?? WEBHOOK_DEFAULTS.groupVersion;
  assertGroupVersion(groupVersion, 'groupVersion');
  const batch = resolveBatchOptions(options.batch);
  const retry = resolveRetryOptions(options.retry);
  const timeout = resolveTimeout(options.timeout, WEBHOOK_DEFAULTS.timeout);
  const scheduler = options.scheduler ?? asyncScheduler;
  if (options.sender === undefined && (options.target === undefined || options.target === null)) {
    throw new TypeError('target is required unless sender is given, got undefined');
  }
  const serialize = itemSerializer(groupVersion);

  return (source) =>
    new Observable<Delivery<AuditEvent>>((subscriber) => {
      let send = options.sender;
      let close = (): void => {};
      if (send === undefined) {
        const http = createHttpSender(options.target as WebhookTargetOption, {
          timeout: Number.isFinite(timeout) ? timeout : 2_147_483_647,
        });
        send = http.send;
        close = () => http.close();
      }
      const sender = send;
      interface Item {
        readonly json: string;
        readonly event: AuditEvent;
      }
      // One AuditBatch per batch across its retries (so the body is built once), dropped when it is delivered.
      const bodies = new Map<Item[], AuditBatch>();
      const batched = source.pipe(
        (events) =>
          new Observable<Item>((s) =>
            events.subscribe({
              next: (event) => {
                let json: string;
                try {
                  json = serialize(event);
                } catch (cause) {
                  // A bad event is a failed delivery of its own, never the end of the stream.
                  subscriber.next({
                    ok: false,
                    events: [event],
                    error: new WebhookError('audit event is not a JSON-serializable object', {
                      retryable: false,
                      attempts: 0,
                      cause,
                    }),
                    attempts: 0,
                  });
                  return;
                }
                s.next({ json, event });
              },
              error: (error: unknown) => s.error(error),
              complete: () => s.complete(),
            }),
          ),
        batchEvents<Item>({ maxBatchSize: batch.maxBatchSize, maxBatchWait: batch.maxBatchWait, scheduler }),
      );
      const paced =
        batch.throttle === false ? batched : batched.pipe(throttleBatches<Item[]>(batch.throttle, scheduler));
      const subscription = paced
        .pipe(
          deliverBatches<Item>(
            (items, signal) => {
              let auditBatch = bodies.get(items);
              if (auditBatch === undefined) {
                auditBatch = lazyBatch(items, groupVersion);
                bodies.set(items, auditBatch);
              }
              return sender(auditBatch, signal);
            },
            { maxInFlight: batch.maxInFlight, retry, timeout, scheduler },
          ),
        )
        .subscribe({
          next: (delivery) => {
            bodies.delete(delivery.events);
            const events = delivery.events.map((item) => item.event);
            subscriber.next(
              delivery.ok
                ? { ok: true, events, attempts: delivery.attempts }
                : { ok: false, events, error: delivery.error, attempts: delivery.attempts },
            );
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => subscriber.complete(),
        });
      return () => {
        subscription.unsubscribe();
        close();
      };
    });
}
