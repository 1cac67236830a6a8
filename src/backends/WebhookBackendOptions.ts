import type { SchedulerLike } from 'rxjs';
import type { AuditPluginError } from './AuditBackend.js';
import type { AuditSender } from '../transport/types.js';
import type { WebhookTargetOption } from '../transport/target.js';

/** A token bucket for outgoing batches: one token per batch. */
export interface ThrottleOptions {
  /** Tokens added per second (batches per second, sustained). Must be positive. */
  qps: number;
  /** Bucket size: batches that may go at once after an idle period. A positive integer. */
  burst: number;
}

/** How the batch engine groups events and bounds memory and concurrency (`options.batch`). */
export interface BatchOptions {
  /**
   * Events held in memory at most: queued **plus** in flight (retries included). When full, the rest
   * of a `processEvents` call is reported as `queue-blocked`.
   * @default 1000
   */
  bufferSize?: number;
  /** Events per batch (per POST) at most. @default 100 */
  maxBatchSize?: number;
  /**
   * A batch is sent at least this often, in milliseconds; the window restarts after each batch.
   * `Infinity` sends only full batches (and on `flush()`/`shutdown()`).
   * @default 60000
   */
  maxBatchWait?: number;
  /** Concurrent sends at most (the `bufferSize` bound always applies). @default Infinity */
  maxInFlight?: number;
  /** Token-bucket throttle, one token per batch, or `false` for none (upstream: `{ qps: 10, burst: 15 }`). @default false */
  throttle?: ThrottleOptions | false;
}

/** Exponential backoff for failed sends (`options.retry`). Delay k is `initialDelay × factor^(k-1)`, plus up to `jitter` of that. */
export interface RetryOptions {
  /** Delay before the first retry, in milliseconds. @default 10000 */
  initialDelay?: number;
  /** Growth of each following delay. At least 1. @default 1.5 */
  factor?: number;
  /** Random extra delay, as a fraction of the delay (0 makes delays exact). @default 0.2 */
  jitter?: number;
  /** Attempts in all, the first one included. @default 5 in batch mode, 1 in blocking mode */
  attempts?: number;
}

/** The two delivery modes of {@link createWebhookBackend}. */
export type WebhookMode = 'batch' | 'blocking';

/** Options of {@link createWebhookBackend}. */
export interface WebhookBackendOptions {
  /** `'batch'` (buffered, asynchronous) or `'blocking'` (each call awaits its POST). */
  mode: WebhookMode;
  /** Where to POST: a {@link WebhookTarget} or `{ kubeconfig: path }`. Required unless `sender` is given. */
  target?: WebhookTargetOption;
  /** Replaces the HTTP transport (a file, a broker, a test double). */
  sender?: AuditSender;
  /** Wire version of every `EventList`: `audit.k8s.io/v1`, `v1beta1` or `v1alpha1`. @default 'audit.k8s.io/v1' */
  groupVersion?: string;
  /** Batching (batch mode only). @default {@link BATCH_DEFAULTS} */
  batch?: BatchOptions;
  /** Retry with exponential backoff. @default {@link RETRY_DEFAULTS}; `attempts` 1 in blocking mode */
  retry?: RetryOptions;
  /** Timeout of each attempt, in milliseconds; the sender's `AbortSignal` aborts when it passes. @default 30000 */
  timeout?: number;
  /** Runs every timer (batch window, retry delay, throttle, timeouts). @default asyncScheduler */
  scheduler?: SchedulerLike;
  /**
   * Receives every `errors$` item. Without it, each item is written as one line to stderr
   * (see {@link reportToStderr}).
   */
  onError?: (error: AuditPluginError) => void;
}

/** Default batching: the values of the 2017 apiserver webhook, except that in-flight events count against `bufferSize`. */
export const BATCH_DEFAULTS: Readonly<Required<BatchOptions>> = Object.freeze({
  bufferSize: 1000,
  maxBatchSize: 100,
  maxBatchWait: 60_000,
  maxInFlight: Infinity,
  throttle: false,
});

/** Default retry for batch mode (blocking mode uses `attempts: 1`). */
export const RETRY_DEFAULTS: Readonly<Required<RetryOptions>> = Object.freeze({
  initialDelay: 10_000,
  factor: 1.5,
  jitter: 0.2,
  attempts: 5,
});

/** Defaults of {@link createWebhookBackend} (batch mode). */
export const WEBHOOK_DEFAULTS = Object.freeze({
  groupVersion: 'audit.k8s.io/v1',
  batch: BATCH_DEFAULTS,
  retry: RETRY_DEFAULTS,
  timeout: 30_000,
} as const);

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
