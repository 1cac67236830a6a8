import type { OperatorFunction } from 'rxjs';
import { Observable } from 'rxjs';
import { mergeMapFlat } from '../util/mergeMapFlat.js';
import type { AuditEvent } from '../events/Event.js';
import { batchPipeline } from './batchPipeline.js';
import { itemSerializer, joinItems, lazyBatch } from '../transport/encodeItems.js';
import { openSender, requireTarget } from '../transport/openSender.js';
import { cancelsOnUnsubscribe } from '../transport/sendAttempt.js';
import { resolveBatchOptions, resolveDeliveryOptions } from '../util/validateOptions.js';
import { WebhookError } from '../transport/WebhookError.js';
import type { Delivery } from './deliverBatches.js';
import { deliverOne } from './deliverBatches.js';
import type { BatchOptions, WebhookDeliveryOptions } from '../contract/options.js';

/** Options of {@link auditWebhook}: the webhook backend's delivery options, without `mode` and `onError`. */
export interface AuditWebhookOptions extends WebhookDeliveryOptions {
  /** `maxBatchSize`, `maxBatchWait`, `maxInFlight`, `throttle` (`bufferSize` does not apply: the source sets the pace). @default BATCH_DEFAULTS */
  batch?: BatchOptions;
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
  const { groupVersion, retry, timeout, scheduler, sender } = resolveDeliveryOptions(options);
  const batch = resolveBatchOptions(options.batch);
  if (sender === undefined) requireTarget(options.target);
  const serialize = itemSerializer(groupVersion);
  const envelopeBytes = Buffer.byteLength(joinItems([], groupVersion));
  const maxItemBytes = batch.maxBatchBytes - envelopeBytes;
  const refused = (event: AuditEvent, message: string, cause?: unknown): Delivery<AuditEvent> => ({
    ok: false,
    events: [event],
    error: new WebhookError(message, {
      retryable: false,
      attempts: 0,
      ...(cause === undefined ? {} : { cause }),
    }),
    attempts: 0,
  });

  return (source) =>
    new Observable<Delivery<AuditEvent>>((subscriber) => {
      const { send, close } = openSender(sender, options.target, timeout, options.compression);
      const unsubscribeCancels = cancelsOnUnsubscribe(send);
      const items = new Observable<Item>((s) =>
        source.subscribe({
          next: (event) => {
            let json: string;
            try {
              json = serialize(event);
            } catch (cause) {
              // A bad event is a failed delivery of its own, never the end of the stream.
              subscriber.next(refused(event, 'audit event is not a JSON-serializable object', cause));
              return;
            }
            const bytes = Buffer.byteLength(json);
            if (bytes > maxItemBytes) {
              subscriber.next(
                refused(event, `audit event is over ${maxItemBytes} bytes (batch.maxBatchBytes)`),
              );
              return;
            }
            s.next({ json, bytes, event });
          },
          error: (error: unknown) => s.error(error),
          complete: () => s.complete(),
        }),
      );
      // The batch value: its events and one AuditBatch for all its attempts (so the body is built once).
      const cut = (batchItems: Item[]) => ({
        events: batchItems.map((item) => item.event),
        body: lazyBatch(batchItems, groupVersion),
      });
      const subscription = items
        .pipe(
          batchPipeline({ batch, scheduler, envelopeBytes, byteLength: (item) => item.bytes }, cut),
          mergeMapFlat(
            (b) =>
              deliverOne(
                b.events,
                (signal) => send(b.body, signal),
                retry,
                timeout,
                scheduler,
                unsubscribeCancels,
              ),
            batch.maxInFlight,
          ),
        )
        .subscribe(subscriber);
      return () => {
        subscription.unsubscribe();
        close();
      };
    });
}

interface Item {
  readonly json: string;
  readonly bytes: number;
  readonly event: AuditEvent;
}
