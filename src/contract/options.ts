// The options shared by every layer that batches and delivers (operators, the engine, the backends). They live
// in contract/, below everything that uses them; src/index.ts exports them as public API.
import type { SchedulerLike } from 'rxjs';
import type { GroupVersion } from '../events/GroupVersion.js';
import type { AuditSender } from './AuditSender.js';
import type { WebhookTargetOption } from './WebhookTarget.js';
import { DEFAULT_GROUP_VERSION } from '../events/GroupVersion.js';

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
  /**
   * When the buffer is full: `'drop'` reports the rest of the call as `queue-blocked` (the apiserver's
   * behaviour); `'block'` makes `processEvents` wait for room — waiting calls are served in call order, and
   * when `shutdown()` begins, what they have not placed yet is reported as `shut-down` (they resolve `false`).
   * @default 'drop'
   */
  whenFull?: WhenFull;
  /**
   * Bytes of snapshots (the events' wire JSON) held in memory at most, queued plus in flight. An event that
   * does not fit is treated like a full `bufferSize`; one larger than this alone is reported as `too-large`.
   * @default 67108864 (64 MiB)
   */
  maxBufferBytes?: number;
  /**
   * A batch is cut before its encoded `EventList` body would pass this many bytes (UTF-8, envelope and commas
   * included). An event whose body alone would pass it is reported as `too-large`.
   * @default 10485760 (10 MiB)
   */
  maxBatchBytes?: number;
}

/** What a full buffer does to `processEvents`: report the rest (`'drop'`) or wait for room (`'block'`). */
export type WhenFull = 'drop' | 'block';

/** A durable spool on disk for batch mode (`options.spool`): the buffer survives a crash. */
export interface SpoolOptions {
  /** The spool's folder; one backend per folder (a second one throws `spool <dir> is in use (pid <pid>)`). */
  dir: string;
  /** Bytes of undelivered events the spool holds at most; then `batch.whenFull` applies. @default 268435456 (256 MiB) */
  maxBytes?: number;
  /** `'always'`: `processEvents` resolves after the write is on stable storage; `'interval'`: synced every `syncIntervalMs`. @default 'interval' */
  sync?: 'always' | 'interval';
  /** How often `sync: 'interval'` syncs, in milliseconds. @default 1000 */
  syncIntervalMs?: number;
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

/** What the webhook backend and the `auditWebhook` operator share: where and how batches are delivered. */
export interface WebhookDeliveryOptions {
  /** Where to POST: a {@link WebhookTarget} or `{ kubeconfig: path }`. Required unless `sender` is given. */
  target?: WebhookTargetOption;
  /** Replaces the HTTP transport (a file, a broker, a test double). */
  sender?: AuditSender;
  /** Wire version of every `EventList`: `audit.k8s.io/v1`, `v1beta1` or `v1alpha1`. @default 'audit.k8s.io/v1' */
  groupVersion?: GroupVersion;
  /** Retry with exponential backoff. @default {@link RETRY_DEFAULTS} */
  retry?: RetryOptions;
  /** Timeout of each attempt, in milliseconds; the sender's `AbortSignal` aborts when it passes. @default 30000 */
  timeout?: number;
  /**
   * `'gzip'`: the HTTP transport gzips each POST body off the main thread (`Content-Encoding: gzip`), once per
   * batch whatever the retries; the webhook must accept it. Ignored by a custom `sender`.
   * @default 'none'
   */
  compression?: 'none' | 'gzip';
  /** Runs every timer (batch window, retry delay, throttle, timeouts). @default asyncScheduler */
  scheduler?: SchedulerLike;
}

/** Default batching: the values of the 2017 apiserver webhook, except that in-flight events count against `bufferSize`. */
export const BATCH_DEFAULTS: Readonly<Required<BatchOptions>> = Object.freeze({
  bufferSize: 1000,
  maxBatchSize: 100,
  maxBatchWait: 60_000,
  maxInFlight: Infinity,
  throttle: false,
  whenFull: 'drop',
  maxBufferBytes: 64 * 1024 * 1024,
  maxBatchBytes: 10 * 1024 * 1024,
});

/** Default retry for batch mode (blocking mode makes one attempt unless `retry.attempts` is given). */
export const RETRY_DEFAULTS: Readonly<Required<RetryOptions>> = Object.freeze({
  initialDelay: 10_000,
  factor: 1.5,
  jitter: 0.2,
  attempts: 5,
});

/** Attempts of a blocking webhook call unless `retry.attempts` is given: the caller is waiting for it. */
export const BLOCKING_ATTEMPTS = 1;

/**
 * Defaults of `createWebhookBackend` and of {@link auditWebhook} besides their batching ({@link BATCH_DEFAULTS})
 * and retry ({@link RETRY_DEFAULTS}).
 */
export const WEBHOOK_DEFAULTS = Object.freeze({
  groupVersion: DEFAULT_GROUP_VERSION,
  timeout: 30_000,
} as const);
