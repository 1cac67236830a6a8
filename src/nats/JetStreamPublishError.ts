import { AuditError } from '../events/AuditError.js';

/** Why a publish to JetStream failed. */
export type JetStreamPublishFailure =
  /** No stream stores the subject: final until someone creates one (see `ensureAuditStream`). */
  | 'no-stream'
  /** An event is larger than the server's `max_payload`: final, and reported by the backend as `too-large`. */
  | 'too-large'
  /** No ack within the publish timeout: retried (the stream's duplicate window drops the repeats). */
  | 'timeout'
  /** Not connected to NATS right now (restart, failover): retried. */
  | 'unavailable'
  /** The sender was closed: final. */
  | 'closed'
  /** The stream or server refused the message (for example the stream is full): retried. */
  | 'rejected';

/** Options for {@link JetStreamPublishError}. */
export interface JetStreamPublishErrorOptions {
  /** Why it failed. */
  failure: JetStreamPublishFailure;
  /** The subject the events were published to. */
  subject: string;
  /** Whether another attempt may succeed. @default false for `no-stream`, `too-large` and `closed`, else true */
  retryable?: boolean;
  /** The underlying nats.js error. */
  cause?: unknown;
}

const FINAL: readonly JetStreamPublishFailure[] = ['no-stream', 'too-large', 'closed'];

/**
 * A batch (or gateway request) that JetStream did not ack. Its message names the subject and never
 * contains an event body or a credential.
 *
 * `reason` is `'too-large'` only for an event over the server's `max_payload`, which is how
 * `createWebhookBackend` knows to report the batch as `too-large` instead of retrying it.
 */
export class JetStreamPublishError extends AuditError {
  override name = 'JetStreamPublishError' as const;
  readonly failure: JetStreamPublishFailure;
  readonly subject: string;
  readonly retryable: boolean;
  readonly reason: 'too-large' | undefined;

  constructor(message: string, options: JetStreamPublishErrorOptions) {
    super(message, { cause: options.cause });
    this.failure = options.failure;
    this.subject = options.subject;
    this.retryable = options.retryable ?? !FINAL.includes(options.failure);
    this.reason = options.failure === 'too-large' ? 'too-large' : undefined;
  }
}

/** True for a {@link JetStreamPublishError}, also across a dual ESM/CJS install where `instanceof` fails. */
export function isJetStreamPublishError(value: unknown): value is JetStreamPublishError {
  return (
    value instanceof JetStreamPublishError ||
    (value instanceof Error && value.name === 'JetStreamPublishError')
  );
}
