import { AuditError } from '../events/AuditError.js';

/** What `rx-audit serve --jetstream` answers a POST with when JetStream did not take its events. */
export class JetStreamGatewayError extends AuditError {
  override name = 'JetStreamGatewayError' as const;
  /** 503 (NATS unreachable, slower than the publish timeout, no stream yet) or 413 (an event over `max_payload`). */
  readonly status: 503 | 413;
  /** Seconds for a `Retry-After` header; set with status 503. */
  readonly retryAfter: number | undefined;

  constructor(message: string, status: 503 | 413, cause: unknown) {
    super(message, { cause });
    this.status = status;
    this.retryAfter = status === 503 ? 1 : undefined;
  }
}

/** True for a {@link JetStreamGatewayError}, also across a dual ESM/CJS install where `instanceof` fails. */
export function isJetStreamGatewayError(value: unknown): value is JetStreamGatewayError {
  return (
    value instanceof JetStreamGatewayError ||
    (value instanceof Error && value.name === 'JetStreamGatewayError')
  );
}
