import { AuditError } from '../events/AuditError.js';
/** Options for {@link WebhookError}. */
export interface WebhookErrorOptions {
  /** HTTP status of the response, when there was one. */
  status?: number;
  /** How many attempts were made when this error became final. @default 1 */
  attempts?: number;
  /** Whether another attempt may succeed. @default derived from `status` (see {@link isRetryable}) */
  retryable?: boolean;
  /** Delay the server asked for (`Retry-After`), in milliseconds, already capped. */
  retryAfterMs?: number;
  /** The underlying error (credentials already redacted). */
  cause?: unknown;
}

/**
 * A failed delivery to an audit webhook (or any sender). Its message never contains request
 * bodies or credentials.
 */
export class WebhookError extends AuditError {
  override name = 'WebhookError' as const;
  readonly status: number | undefined;
  attempts: number;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: WebhookErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.status = options.status;
    this.attempts = options.attempts ?? 1;
    this.retryAfterMs = options.retryAfterMs;
    this.retryable =
      options.retryable ?? (options.status === undefined ? true : isRetryableStatus(options.status));
  }
}

/** True for a {@link WebhookError}, also across a dual ESM/CJS install where `instanceof` fails. */
export function isWebhookError(value: unknown): value is WebhookError {
  return value instanceof WebhookError || (value instanceof Error && value.name === 'WebhookError');
}

/** 408, 429 and every 5xx may succeed on another attempt; other 4xx are final. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Whether a failed send should be retried: `retryable: false` is final, a final HTTP `status`
 * (4xx other than 408/429) is final, anything else (network errors, timeouts, 5xx) is retried.
 */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  const { retryable, status } = error as { retryable?: unknown; status?: unknown };
  if (retryable === false) return false;
  if (typeof status === 'number' && status >= 400 && status < 600) return isRetryableStatus(status);
  return true;
}
