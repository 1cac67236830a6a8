import type { AuditEvent } from '../events/Event.js';
import type { EncodedAuditEvent, JetStreamSenderOptions } from './createJetStreamSender.js';
import { createJetStreamSender } from './createJetStreamSender.js';
import { JetStreamGatewayError } from './JetStreamGatewayError.js';
import { isJetStreamPublishError } from './JetStreamPublishError.js';

/** Options for {@link createJetStreamGateway}: those of the sender; `timeout` is the publish timeout. */
export type JetStreamGatewayOptions = JetStreamSenderOptions;

/** The publishing half of a receiving webhook that forwards to JetStream. */
export interface JetStreamGateway {
  /**
   * Publishes the events of one POST (one message each, `Nats-Msg-Id` as the sender sets it) and resolves
   * once every one is acked — then the POST may be answered 200. Rejects with a
   * {@link JetStreamGatewayError} that says which status to answer instead.
   */
  publish(events: readonly AuditEvent[]): Promise<void>;
  /**
   * {@link publish} for events already encoded (`json` is each one's `audit.k8s.io/v1` JSON): the shape of
   * the CLI's `ServeSink`, so `rx-audit serve --jetstream` stores through it.
   */
  store(items: readonly EncodedAuditEvent[]): Promise<void>;
  /** Waits for publishes in progress, then closes the connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * Connects a gateway to JetStream: the logic of `rx-audit serve --jetstream URL --subject S`. Every failure
 * but an oversized event is a 503 with `Retry-After: 1`, so the webhook sender retries and nothing is lost
 * (a repeat inside the stream's duplicate window is stored once); an event over `max_payload` is a 413,
 * which no retry would fix.
 *
 * ## Example
 * ```ts
 * import { createJetStreamGateway, isJetStreamGatewayError } from 'rx-audit/nats';
 *
 * const gateway = await createJetStreamGateway({ servers: 'nats://127.0.0.1:4222', subject: 'audit.events' });
 * try {
 *   await gateway.publish(events);  // answer 200
 * } catch (error) {
 *   if (isJetStreamGatewayError(error)) { … answer error.status, with Retry-After: error.retryAfter }
 * }
 * ```
 *
 * @param options The sender's options; `timeout` (default 10000 ms) is `--publish-timeout`.
 * @returns The gateway, once connected to NATS.
 */
export async function createJetStreamGateway(options: JetStreamGatewayOptions): Promise<JetStreamGateway> {
  const sender = await createJetStreamSender(options);
  const answer = (error: unknown): never => {
    const tooLarge = isJetStreamPublishError(error) && error.failure === 'too-large';
    const message = error instanceof Error ? error.message : 'JetStream publish failed';
    throw new JetStreamGatewayError(message, tooLarge ? 413 : 503, error);
  };
  return {
    publish: (events) => sender.publish(events).catch(answer),
    store: (items) => sender.publishEncoded(items).catch(answer),
    close: () => sender.close(),
  };
}
