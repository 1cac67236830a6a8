import { asyncScheduler } from 'rxjs';
import type { AuditBackend } from './AuditBackend.js';
import type { WebhookBackendOptions } from './WebhookBackendOptions.js';
import { WEBHOOK_DEFAULTS } from './WebhookBackendOptions.js';
import { assertGroupVersion } from '../events/GroupVersion.js';
import { createDeliveryEngine } from '../internal/createDeliveryEngine.js';
import { itemSerializer, lazyBatch, restoreItems } from '../internal/encodeItems.js';
import {
  describeValue,
  resolveBatchOptions,
  resolveRetryOptions,
  resolveTimeout,
} from '../internal/validateOptions.js';
import type { AuditBatch, AuditSender } from '../transport/types.js';
import { createHttpSender } from '../transport/httpSender.js';

const MODES = ['batch', 'blocking'] as const;
/** The longest delay Node timers accept (~24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

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
    throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  }
  const { mode } = options;
  if (!(MODES as readonly unknown[]).includes(mode)) {
    throw new Error(`webhook mode "${String(mode)}" is not in list of known modes (${MODES.join(',')})`);
  }
  const groupVersion = options.groupVersion ?? WEBHOOK_DEFAULTS.groupVersion;
  assertGroupVersion(groupVersion, 'groupVersion');
  const batch = resolveBatchOptions(options.batch);
  const retry = resolveRetryOptions(options.retry, mode === 'batch' ? WEBHOOK_DEFAULTS.retry.attempts : 1);
  const timeout = resolveTimeout(options.timeout, WEBHOOK_DEFAULTS.timeout);
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new TypeError(`onError must be a function, got ${describeValue(options.onError)}`);
  }
  if (options.sender !== undefined && typeof options.sender !== 'function') {
    throw new TypeError(`sender must be a function, got ${describeValue(options.sender)}`);
  }

  let send: AuditSender;
  let close: () => void = () => {};
  if (options.sender !== undefined) {
    send = options.sender;
  } else if (options.target !== undefined && options.target !== null) {
    // Who retries: this backend (on the scheduler). The HTTP sender makes one request per call.
    // `Infinity` (no timeout) is the engine's business; the HTTP client needs a finite number.
    const http = createHttpSender(options.target, {
      timeout: Number.isFinite(timeout) ? timeout : MAX_TIMER_MS,
    });
    send = http.send;
    close = () => http.close();
  } else {
    throw new TypeError('target is required unless sender is given, got undefined');
  }

  const engine = createDeliveryEngine({
    mode,
    batch,
    retry,
    timeout,
    scheduler: options.scheduler ?? asyncScheduler,
    plugin: 'webhook',
    dropPlugin: 'webhook',
    subject: 'audit webhook',
    snapshot: itemSerializer(groupVersion),
    restore: (items) => restoreItems(items, groupVersion),
    // One AuditBatch per batch, kept across retries so the body is built once.
    send: (items, signal, memo) =>
      send((memo.payload ??= lazyBatch(items, groupVersion)) as AuditBatch, signal),
    abortable: true,
    onError: options.onError,
  });

  let shutdownPromise: Promise<void> | undefined;
  return {
    name: mode === 'batch' ? 'buffered<webhook>' : 'webhook',
    run: () => engine.run(),
    processEvents: (...events) => engine.processEvents(events),
    flush: () => engine.flush(),
    shutdown: (shutdownOptions) => {
      if (shutdownPromise === undefined) {
        const drained = engine.shutdown(shutdownOptions?.timeout);
        if (!engine.isShuttingDown()) return drained; // rejected: a bad timeout starts nothing
        shutdownPromise = drained.finally(close);
      }
      return shutdownPromise;
    },
    errors$: engine.errors$,
    deliveries$: engine.deliveries$,
    stats: () => engine.stats(),
  };
}
