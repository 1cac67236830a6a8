import type { AuditBackend } from '../contract/AuditBackend.js';
import type { WebhookBackendOptions } from './WebhookBackendOptions.js';
import { createDeliveryEngine } from '../engine/createDeliveryEngine.js';
import { bufferedName } from './createBufferedBackend.js';
import type { DeliveryEngine, DeliveryEngineConfig } from '../engine/DeliveryEngineConfig.js';
import { itemSerializer, joinItems, lazyBatch, restoreItems } from '../transport/encodeItems.js';
import { openSender } from '../transport/openSender.js';
import { markCancelsOnUnsubscribe } from '../transport/sendAttempt.js';
import type { EngineBatch } from '../engine/EngineBatch.js';
import { routeFailure } from '../util/routeFailure.js';
import { shutdownOnce } from '../util/shutdownOnce.js';
import { createSpooledEngine } from '../spool/createSpooledEngine.js';
import { resolveSpoolOptions } from '../spool/SpoolOptions.js';
import { resolveBatchOptions, resolveDeliveryOptions } from '../util/validateOptions.js';
import type { AuditBatch } from '../contract/AuditSender.js';
import { showValue } from '../events/showValue.js';

const MODES = ['batch', 'blocking'] as const;

/** `plugin` of this backend's reports; its `name` is this, or `buffered<webhook>` in batch mode. */
const PLUGIN = 'webhook';

/**
 * Creates the Kubernetes audit webhook backend: events go out as `audit.k8s.io` `EventList` POSTs, either
 * **batched** (`mode: 'batch'`, named `buffered<webhook>`: a bounded buffer cut into batches by size and
 * time, sent concurrently with exponential-backoff retry) or **blocking** (`mode: 'blocking'`, named
 * `webhook`: each `processEvents` call is one POST, in call order, and its promise says whether it was
 * delivered). Failures never throw: they go to `errors$` (and to `onError`, by default one stderr line).
 *
 * ## Example
 *
 * ```ts
 * import { createWebhookBackend } from 'rx-audit';
 *
 * const backend = createWebhookBackend({
 *   mode: 'batch',
 *   target: { url: 'https://audit.example.com/events', token: process.env.AUDIT_TOKEN },
 *   batch: { maxBatchSize: 100, maxBatchWait: 5_000 },
 * });
 * backend.run();
 * await backend.processEvents(event); // true: accepted (not yet sent)
 * await backend.shutdown({ timeout: 10_000 }); // drains
 * ```
 *
 * @param options Mode, target or sender, and batching/retry/timeout settings; see {@link WebhookBackendOptions}.
 * @returns An {@link AuditBackend}.
 * @throws Error for an unknown `mode` (`webhook mode "x" is not in list of known modes (batch,blocking)`),
 * TypeError for any other invalid option, naming the option and the value.
 */
export function createWebhookBackend(options: WebhookBackendOptions): AuditBackend {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object, got ${showValue(options)}`);
  }
  const { mode } = options;
  if (!(MODES as readonly unknown[]).includes(mode)) {
    // Upstream's message; the value shown as every message shows one (a string quoted and cut at 60).
    throw new Error(`webhook mode ${showValue(mode)} is not in list of known modes (${MODES.join(',')})`);
  }
  const { groupVersion, retry, timeout, scheduler, sender } = resolveDeliveryOptions(options, mode);
  const batch = resolveBatchOptions(options.mode === 'batch' ? options.batch : undefined);
  const report = routeFailure(options.onError, options.logger);
  const spool =
    options.mode === 'batch' && options.spool !== undefined ? resolveSpoolOptions(options.spool) : undefined;
  const { send, close } = openSender(sender, options.target, timeout, options.compression);

  const config: DeliveryEngineConfig = {
    mode,
    batch,
    retry,
    timeout,
    scheduler,
    plugin: PLUGIN,
    subject: 'audit webhook',
    envelopeBytes: Buffer.byteLength(joinItems([], groupVersion)),
    snapshot: itemSerializer(groupVersion),
    restore: (items) => restoreItems(items, groupVersion),
    // One AuditBatch per batch, kept across retries so the body is built once.
    send: markCancelsOnUnsubscribe(
      (engineBatch: EngineBatch, signal: AbortSignal) =>
        send((engineBatch.payload ??= lazyBatch(engineBatch.items, groupVersion)) as AuditBatch, signal),
      send,
    ),
    report,
  };
  let engine: DeliveryEngine;
  try {
    engine = spool === undefined ? createDeliveryEngine(config) : createSpooledEngine(config, spool);
  } catch (error) {
    close();
    throw error;
  }
  const { shutdown } = shutdownOnce((shutdownTimeout) => engine.shutdown(shutdownTimeout).finally(close));

  return {
    name: mode === 'batch' ? bufferedName(PLUGIN) : PLUGIN,
    run: () => engine.run(),
    processEvents: (...events) => engine.processEvents(events),
    flush: () => engine.flush(),
    shutdown,
    errors$: engine.errors$,
    deliveries$: engine.deliveries$,
    stats: () => engine.stats(),
  };
}
