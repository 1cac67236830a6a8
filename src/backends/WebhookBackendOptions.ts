import type { AuditPluginError } from '../contract/AuditBackend.js';
import type { AuditLogger } from '../util/loggerReporter.js';
import type {
  BatchOptions,
  RetryOptions,
  SpoolOptions,
  WebhookDeliveryOptions,
} from '../contract/options.js';
import { BATCH_DEFAULTS, RETRY_DEFAULTS } from '../contract/options.js';

/** The two delivery modes of {@link createWebhookBackend}. */
export type WebhookMode = 'batch' | 'blocking';

/** What both modes of {@link createWebhookBackend} take. */
interface WebhookBackendCommonOptions extends WebhookDeliveryOptions {
  /** Retry with exponential backoff. @default {@link RETRY_DEFAULTS}; `attempts` 1 in blocking mode */
  retry?: RetryOptions;
  /**
   * Receives every `errors$` item. Without it, each item is written as one line to stderr
   * (see {@link reportToStderr}).
   */
  onError?: (error: AuditPluginError) => void;
  /**
   * A pino-, bunyan-, winston-, Nest- or console-style logger that receives every `errors$` item instead
   * (`warn` for `queue-blocked`/`shut-down`, `error` otherwise; see `loggerReporter`). An alternative to
   * `onError`: give one, not both. @default none (one stderr line per item)
   */
  logger?: AuditLogger;
}

/** Options of the batch webhook (`mode: 'batch'`). */
export interface BatchWebhookBackendOptions extends WebhookBackendCommonOptions {
  /** Buffered and asynchronous: `processEvents` never waits for the network. */
  mode: 'batch';
  /** Batching, buffer bounds and `whenFull`. @default {@link BATCH_DEFAULTS} */
  batch?: BatchOptions;
  /** A durable spool on disk instead of (in front of) the in-memory buffer. @default none */
  spool?: SpoolOptions;
}

/** Options of the blocking webhook (`mode: 'blocking'`): no `batch` or `spool` (each call is one POST). */
export interface BlockingWebhookBackendOptions extends WebhookBackendCommonOptions {
  /** Each `processEvents` call awaits its own POST. */
  mode: 'blocking';
}

/** Options of {@link createWebhookBackend}, a union on `mode`: `batch` and `spool` type-check only with `mode: 'batch'`. */
export type WebhookBackendOptions = BatchWebhookBackendOptions | BlockingWebhookBackendOptions;

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
  readonly batch: Readonly<Required<Omit<BatchOptions, 'whenFull' | 'maxBufferBytes' | 'maxBatchBytes'>>>;
  readonly retry: Readonly<Required<RetryOptions>>;
} = Object.freeze({
  batch: Object.freeze({
    bufferSize: 10_000,
    maxBatchSize: 400,
    maxBatchWait: 30_000,
    maxInFlight: BATCH_DEFAULTS.maxInFlight,
    throttle: Object.freeze({ qps: 10, burst: 15 }),
  }),
  // The apiserver's backoff is ours: 10 s first, ×1.5, 5 attempts.
  retry: RETRY_DEFAULTS,
});
