import type { SchedulerLike } from 'rxjs';
import { asyncScheduler } from 'rxjs';
import type { AuditSender } from '../contract/AuditSender.js';
import type {
  BatchOptions,
  RetryOptions,
  ThrottleOptions,
  WebhookDeliveryOptions,
  WhenFull,
} from '../contract/options.js';
import { BATCH_DEFAULTS, BLOCKING_ATTEMPTS, RETRY_DEFAULTS, WEBHOOK_DEFAULTS } from '../contract/options.js';
import type { GroupVersion } from '../events/GroupVersion.js';
import { assertGroupVersion } from '../events/GroupVersion.js';
import { showValue } from '../events/showValue.js';

/** Batch options with every default applied and every value checked. */
export interface ResolvedBatchOptions {
  readonly bufferSize: number;
  readonly maxBatchSize: number;
  readonly maxBatchWait: number;
  readonly maxInFlight: number;
  readonly throttle: ThrottleOptions | false;
  readonly whenFull: WhenFull;
  readonly maxBufferBytes: number;
  readonly maxBatchBytes: number;
}

const WHEN_FULL: readonly WhenFull[] = ['drop', 'block'];

/** Throws the one shape of an option error: `<name> must be <what>, got <value shown>` (a TypeError). */
export function fail(name: string, what: string, value: unknown): never {
  throw new TypeError(`${name} must be ${what}, got ${showValue(value)}`);
}

/** A function or `undefined` (an optional callback such as `onError`), else a TypeError naming `name`. */
export function optionalFunction<F extends (...args: never[]) => unknown>(
  name: string,
  value: F | undefined,
): F | undefined {
  if (value === undefined || typeof value === 'function') return value;
  return fail(name, 'a function', value);
}

/** A positive integer, or `Infinity` when `allowInfinity`. */
export function positiveInteger(name: string, value: unknown, allowInfinity = false): number {
  if (
    typeof value === 'number' &&
    ((allowInfinity && value === Infinity) || (Number.isInteger(value) && value > 0))
  ) {
    return value;
  }
  return fail(name, allowInfinity ? 'a positive integer or Infinity' : 'a positive integer', value);
}

/** A number ≥ 0 (milliseconds), `Infinity` allowed when `allowInfinity`. */
export function nonNegativeNumber(name: string, value: unknown, allowInfinity = false): number {
  if (typeof value === 'number' && value >= 0 && (allowInfinity || Number.isFinite(value))) return value;
  return fail(
    name,
    allowInfinity ? 'a non-negative number of milliseconds or Infinity' : 'a non-negative number',
    value,
  );
}

/** A finite number > 0. */
export function positiveNumber(name: string, value: unknown): number {
  if (typeof value === 'number' && value > 0 && Number.isFinite(value)) return value;
  return fail(name, 'a positive number', value);
}

function plainObject(name: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail(name, 'an object', value);
  return value as Record<string, unknown>;
}

/**
 * Applies {@link BATCH_DEFAULTS} and validates; `name` is the options object in messages (`batch` gives
 * `batch.maxBatchSize must be …`; `''` gives `maxBatchSize must be …`).
 */
export function resolveBatchOptions(options: BatchOptions | undefined, name = 'batch'): ResolvedBatchOptions {
  const o = plainObject(name === '' ? 'options' : name, options);
  const prefix = name === '' ? '' : `${name}.`;
  const bufferSize = positiveInteger(`${prefix}bufferSize`, o['bufferSize'] ?? BATCH_DEFAULTS.bufferSize);
  const maxBatchSize = positiveInteger(
    `${prefix}maxBatchSize`,
    o['maxBatchSize'] ?? BATCH_DEFAULTS.maxBatchSize,
  );
  const maxBatchWait = nonNegativeNumber(
    `${prefix}maxBatchWait`,
    o['maxBatchWait'] ?? BATCH_DEFAULTS.maxBatchWait,
    true,
  );
  const maxInFlight = positiveInteger(
    `${prefix}maxInFlight`,
    o['maxInFlight'] ?? BATCH_DEFAULTS.maxInFlight,
    true,
  );
  const rawThrottle = o['throttle'] ?? BATCH_DEFAULTS.throttle;
  let throttle: ThrottleOptions | false = false;
  if (rawThrottle !== false) {
    const t = plainObject(`${prefix}throttle`, rawThrottle);
    throttle = {
      qps: positiveNumber(`${prefix}throttle.qps`, t['qps']),
      burst: positiveInteger(`${prefix}throttle.burst`, t['burst']),
    };
  }
  const whenFull = o['whenFull'] ?? BATCH_DEFAULTS.whenFull;
  if (!(WHEN_FULL as readonly unknown[]).includes(whenFull)) {
    fail(`${prefix}whenFull`, `one of ${WHEN_FULL.join('|')}`, whenFull);
  }
  const maxBufferBytes = positiveInteger(
    `${prefix}maxBufferBytes`,
    o['maxBufferBytes'] ?? BATCH_DEFAULTS.maxBufferBytes,
    true,
  );
  const maxBatchBytes = positiveInteger(
    `${prefix}maxBatchBytes`,
    o['maxBatchBytes'] ?? BATCH_DEFAULTS.maxBatchBytes,
    true,
  );
  return {
    bufferSize,
    maxBatchSize,
    maxBatchWait,
    maxInFlight,
    throttle,
    whenFull: whenFull as WhenFull,
    maxBufferBytes,
    maxBatchBytes,
  };
}

/** Applies {@link RETRY_DEFAULTS} (with `defaultAttempts`) and validates. */
export function resolveRetryOptions(
  options: RetryOptions | undefined,
  defaultAttempts: number = RETRY_DEFAULTS.attempts,
  prefix = 'retry',
): Required<RetryOptions> {
  const o = plainObject(prefix, options);
  const initialDelay = nonNegativeNumber(
    `${prefix}.initialDelay`,
    o['initialDelay'] ?? RETRY_DEFAULTS.initialDelay,
  );
  const factor = o['factor'] ?? RETRY_DEFAULTS.factor;
  if (typeof factor !== 'number' || !(factor >= 1) || !Number.isFinite(factor)) {
    fail(`${prefix}.factor`, 'a number ≥ 1', factor);
  }
  const jitter = nonNegativeNumber(`${prefix}.jitter`, o['jitter'] ?? RETRY_DEFAULTS.jitter);
  const attempts = positiveInteger(`${prefix}.attempts`, o['attempts'] ?? defaultAttempts);
  return { initialDelay, factor, jitter, attempts };
}

/** Validates a per-attempt timeout in milliseconds (`Infinity` disables it). */
export function resolveTimeout(value: unknown, fallback: number, name = 'timeout'): number {
  const timeout = value ?? fallback;
  if (typeof timeout === 'number' && timeout > 0) return timeout;
  return fail(name, 'a positive number of milliseconds or Infinity', timeout);
}

/**
 * The one check of a shutdown timeout (`shutdown({ timeout })`, Nest's `shutdownTimeout`): `undefined` (no
 * deadline) or a number of milliseconds ≥ 0 (`Infinity` allowed, the same as none).
 */
export function resolveShutdownTimeout(value: unknown, name = 'shutdown timeout'): number | undefined {
  if (value === undefined || (typeof value === 'number' && value >= 0)) return value;
  return fail(name, 'a non-negative number of milliseconds', value);
}

/** How a batch is sent and retried, with every default applied and every value checked. */
export interface ResolvedSendOptions {
  readonly retry: Required<RetryOptions>;
  readonly timeout: number;
  readonly scheduler: SchedulerLike;
}

/**
 * Applies the defaults of `retry`, `timeout` and `scheduler` (the part of {@link WebhookDeliveryOptions} that
 * `deliverBatches` shares) and validates them. `mode` gives the default attempts: {@link RETRY_DEFAULTS} in
 * batch mode, {@link BLOCKING_ATTEMPTS} in blocking mode (the caller is waiting).
 */
export function resolveSendOptions(
  options: Pick<WebhookDeliveryOptions, 'retry' | 'timeout' | 'scheduler'>,
  mode: 'batch' | 'blocking' = 'batch',
): ResolvedSendOptions {
  return {
    retry: resolveRetryOptions(options.retry, mode === 'batch' ? RETRY_DEFAULTS.attempts : BLOCKING_ATTEMPTS),
    timeout: resolveTimeout(options.timeout, WEBHOOK_DEFAULTS.timeout),
    scheduler: options.scheduler ?? asyncScheduler,
  };
}

/** {@link WebhookDeliveryOptions} resolved: what the webhook backend and `auditWebhook` deliver with. */
export interface ResolvedDeliveryOptions extends ResolvedSendOptions {
  readonly groupVersion: GroupVersion;
  /** Checked to be a function when given; the target is checked when the sender is opened (`openSender`). */
  readonly sender: AuditSender | undefined;
}

/**
 * The one resolver of {@link WebhookDeliveryOptions}, shared by `createWebhookBackend` and `auditWebhook`: the
 * group version (default {@link WEBHOOK_DEFAULTS}`.groupVersion`), the `sender` and {@link resolveSendOptions}.
 */
export function resolveDeliveryOptions(
  options: WebhookDeliveryOptions,
  mode: 'batch' | 'blocking' = 'batch',
): ResolvedDeliveryOptions {
  const groupVersion = options.groupVersion ?? WEBHOOK_DEFAULTS.groupVersion;
  assertGroupVersion(groupVersion, 'groupVersion');
  return {
    groupVersion,
    ...resolveSendOptions(options, mode),
    sender: optionalFunction('sender', options.sender),
  };
}
