import type { AuditPluginError } from './AuditBackend.js';
import type { BatchOptions, RetryOptions, WebhookDeliveryOptions } from '../operators/options.js';

// Public home of the shared options; they are defined in operators/options.ts (a lower layer).
export type {
  BatchOptions,
  RetryOptions,
  ThrottleOptions,
  WebhookDeliveryOptions,
} from '../operators/options.js';
export { BATCH_DEFAULTS, RETRY_DEFAULTS, WEBHOOK_DEFAULTS } from '../operators/options.js';

/** The two delivery modes of {@link createWebhookBackend}. */
export type WebhookMode = 'batch' | 'blocking';

/** Options of {@link createWebhookBackend}. */
export interface WebhookBackendOptions extends WebhookDeliveryOptions {
  /** `'batch'` (buffered, asynchronous) or `'blocking'` (each call awaits its POST). */
  mode: WebhookMode;
  /** Batching (batch mode only). @default {@link BATCH_DEFAULTS} */
  batch?: BatchOptions;
  /** Retry with exponential backoff. @default {@link RETRY_DEFAULTS}; `attempts` 1 in blocking mode */
  retry?: RetryOptions;
  /**
   * Receives every `errors$` item. Without it, each item is written as one line to stderr
   * (see {@link reportToStderr}).
   */
  onError?: (error: AuditPluginError) => void;
}

/**
 * Today's kube-apiserver values for the batch webhook (`--audit-webhook-batch-*` defaults): buffer 10000,
 * batches of 400, 30 s wait, throttle 10 qps / burst 15, first retry after 10 s.
 *
 * ## Example
 *
 * ```ts
 * import { createWebhookBackend, KUBERNETES_DEFAULTS } from 'rx-audit';
 *
 * const backend = createWebhookBackend({ mode: 'batch', target: { kubeconfig: '/etc/audit/webhook.yaml' }, ...KUBERNETES_DEFAULTS });
 * ```
 */
export const KUBERNETES_DEFAULTS: {
  readonly batch: Readonly<Required<BatchOptions>>;
  readonly retry: Readonly<Required<RetryOptions>>;
} = Object.freeze({
  batch: Object.freeze({
    bufferSize: 10_000,
    maxBatchSize: 400,
    maxBatchWait: 30_000,
    maxInFlight: Infinity,
    throttle: Object.freeze({ qps: 10, burst: 15 }),
  }),
  retry: Object.freeze({ initialDelay: 10_000, factor: 1.5, jitter: 0.2, attempts: 5 }),
});
