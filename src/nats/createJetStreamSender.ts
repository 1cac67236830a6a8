import { createHash } from 'node:crypto';
import type { JetStreamManager } from '@nats-io/jetstream';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { AuditEvent } from '../events/Event.js';
import { JETSTREAM_SENDER_DEFAULTS } from './jetStreamSenderDefaults.js';
import { encodeEvent } from '../events/encodeEvent.js';
import { fail, optionalFunction, positiveInteger } from '../util/validateOptions.js';
import { redactMessage } from '../util/redactMessage.js';
import type { AuditSender } from '../contract/AuditSender.js';
import { JetStreamPublishError } from './JetStreamPublishError.js';
import type { NatsConnectionOptions } from './NatsConnectionOptions.js';
import { connectNats, resolveConnectionOptions } from './NatsConnectionOptions.js';

/** Options for {@link createJetStreamSender}. */
export interface JetStreamSenderOptions extends NatsConnectionOptions {
  /** Subject every event is published to; a stream must store it (see `ensureAuditStream`). */
  subject: string;
  /**
   * The `Nats-Msg-Id` of an event: equal ids within the stream's duplicate window are stored once. An id
   * that is not printable ASCII, or is longer than 256 characters, is replaced by a stable safe form.
   * @default (event) => `${event.auditID}/${event.stage}`
   */
  msgId?: (event: AuditEvent) => string;
  /** Milliseconds to wait for the stream's ack of one message. @default 10000 */
  timeout?: number;
}

/** A JetStream `sender` for `createWebhookBackend` / `auditWebhook`, and the connection it owns. */
export interface JetStreamSender {
  /** Publishes one message per event; completes when the stream has acked every one. */
  readonly send: AuditSender;
  /** Publishes `events` (one message each) and resolves when all are acked; what `send` does. */
  publish(events: readonly AuditEvent[], signal?: AbortSignal): Promise<void>;
  /** {@link publish} for events whose `audit.k8s.io/v1` JSON is already at hand (each `json` is published as is). */
  publishEncoded(items: readonly EncodedAuditEvent[], signal?: AbortSignal): Promise<void>;
  /** Waits for publishes in progress, then closes the connection. Idempotent. */
  close(): Promise<void>;
}

/** An event with its `audit.k8s.io/v1` JSON, as a receiving webhook has both. */
export interface EncodedAuditEvent {
  readonly event: AuditEvent;
  readonly json: string;
}

const PUBLISH_SUBJECT = /^[^\s*>]+$/;
const MAX_MSG_ID_LENGTH = 256;
const SAFE_MSG_ID = /^[\x21-\x7e]{1,256}$/;
// "NATS/1.0\r\nNats-Msg-Id: <id>\r\n\r\n": what the header adds to a message's size.
const HEADER_OVERHEAD = 'NATS/1.0\r\nNats-Msg-Id: \r\n\r\n'.length;
const encoder = new TextEncoder();

/** The id as a header value: printable ASCII kept as is, anything else encoded the same way every time. */
function headerSafe(id: string): string {
  if (SAFE_MSG_ID.test(id)) return id;
  const encoded = encodeURIComponent(id);
  return encoded.length <= MAX_MSG_ID_LENGTH && encoded !== ''
    ? encoded
    : `sha256:${createHash('sha256').update(id).digest('hex')}`;
}

function listIds(events: readonly AuditEvent[]): string {
  const ids = events.slice(0, 10).map((event) => event.auditID);
  return events.length > 10 ? `${ids.join(', ')}, …` : ids.join(', ');
}

function abortError(subject: string): JetStreamPublishError {
  return new JetStreamPublishError(`publish to "${subject}" aborted`, { failure: 'timeout', subject });
}

/**
 * Creates a `sender` that publishes each event of a batch as one JetStream message (its `audit.k8s.io/v1`
 * JSON) with a `Nats-Msg-Id` header; the batch is delivered when the stream has acked every message.
 * A retried batch re-publishes everything and the stream's duplicate window drops what it already has.
 *
 * Errors are {@link JetStreamPublishError}s: no stream on the subject and an event over the server's
 * `max_payload` (`reason: 'too-large'`) are final; timeouts and lost connections are retried by the backend.
 *
 * ## Example
 * ```ts
 * import { createWebhookBackend } from 'rx-audit';
 * import { createJetStreamSender } from 'rx-audit/nats';
 *
 * const jetStream = await createJetStreamSender({ servers: 'nats://127.0.0.1:4222', subject: 'audit.events' });
 * const backend = createWebhookBackend({ mode: 'batch', sender: jetStream.send });
 * backend.run();
 * // … on shutdown: await backend.shutdown(); await jetStream.close();
 * ```
 *
 * @param options Connection, subject, message id and timeout; see {@link JetStreamSenderOptions}.
 * @returns The sender, once connected to NATS.
 */
export async function createJetStreamSender(options: JetStreamSenderOptions): Promise<JetStreamSender> {
  resolveConnectionOptions(options);
  const subject = options.subject;
  if (typeof subject !== 'string' || !PUBLISH_SUBJECT.test(subject)) {
    fail('subject', 'a subject without spaces or wildcards', subject);
  }
  const timeout = positiveInteger('timeout', options.timeout ?? JETSTREAM_SENDER_DEFAULTS.timeout);
  const msgId = optionalFunction('msgId', options.msgId) ?? JETSTREAM_SENDER_DEFAULTS.msgId;

  const nc = await connectNats(options);
  const js = jetstream(nc, { timeout });
  let jsm: Promise<JetStreamManager> | undefined;
  let connected = true;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') connected = false;
      else if (status.type === 'reconnect') connected = true;
    }
  })();
  let closing: Promise<void> | undefined;

  async function classify(error: unknown): Promise<JetStreamPublishError> {
    const name = error instanceof Error ? error.name : '';
    const message = error instanceof Error ? redactMessage(error.message) : 'unknown error';
    if (name === 'JetStreamNotEnabled' || name === 'NoResponders') {
      // Nobody answered on the subject: either no stream stores it (final) or its leader is moving (retry).
      // JetStream's API says which.
      try {
        jsm ??= jetstreamManager(nc, { timeout });
        await (await jsm).streams.find(subject);
      } catch (lookup) {
        if (lookup instanceof Error && lookup.name === 'StreamNotFoundError') {
          return new JetStreamPublishError(`no JetStream stream stores subject "${subject}"`, {
            failure: 'no-stream',
            subject,
            cause: error,
          });
        }
      }
      return new JetStreamPublishError(`no JetStream server answered on "${subject}"`, {
        failure: 'unavailable',
        subject,
        cause: error,
      });
    }
    if (name === 'TimeoutError') {
      return new JetStreamPublishError(
        `JetStream did not ack a publish to "${subject}" within ${timeout} ms`,
        {
          failure: 'timeout',
          subject,
          cause: error,
        },
      );
    }
    if (name === 'InvalidArgumentError' && /max_payload/.test(message)) {
      return new JetStreamPublishError(`an event is larger than the NATS server's max_payload`, {
        failure: 'too-large',
        subject,
        cause: error,
      });
    }
    if (name === 'ClosedConnectionError' || name === 'DrainingConnectionError') {
      return new JetStreamPublishError(`JetStream sender for "${subject}" is closed`, {
        failure: 'closed',
        subject,
        cause: error,
      });
    }
    if (name === 'ConnectionError' || name === 'ProtocolError') {
      return new JetStreamPublishError(`NATS connection lost while publishing to "${subject}": ${message}`, {
        failure: 'unavailable',
        subject,
        cause: error,
      });
    }
    return new JetStreamPublishError(`JetStream refused a publish to "${subject}": ${message}`, {
      failure: 'rejected',
      subject,
      cause: error,
    });
  }

  async function publish(
    events: readonly AuditEvent[],
    signal?: AbortSignal,
    json?: (i: number) => string,
  ): Promise<void> {
    if (closing !== undefined || nc.isClosed()) {
      throw new JetStreamPublishError(`JetStream sender for "${subject}" is closed`, {
        failure: 'closed',
        subject,
      });
    }
    if (signal?.aborted) throw abortError(subject);
    if (!connected) {
      throw new JetStreamPublishError(`not connected to NATS (publishing to "${subject}")`, {
        failure: 'unavailable',
        subject,
      });
    }
    const messages = events.map((event, i) => ({
      data: encoder.encode(json === undefined ? JSON.stringify(encodeEvent(event)) : json(i)),
      id: headerSafe(msgId(event)),
    }));
    // Check every size before publishing any, so an oversized event fails its batch without a partial
    // publish (the rest of the batch is not stored and then also reported).
    const maxPayload = nc.info?.max_payload ?? Infinity;
    const oversized = events.filter((_, i) => {
      const message = messages[i]!;
      return message.data.length + HEADER_OVERHEAD + message.id.length > maxPayload;
    });
    if (oversized.length > 0) {
      throw new JetStreamPublishError(
        `${oversized.length} event(s) larger than the NATS server's max_payload of ${maxPayload} bytes (audit IDs ${listIds(oversized)})`,
        { failure: 'too-large', subject },
      );
    }
    const acks = Promise.all(
      messages.map(({ data, id }) => js.publish(subject, data, { msgID: id, timeout })),
    ).then(
      () => undefined,
      async (error: unknown) => {
        throw await classify(error);
      },
    );
    if (signal === undefined) return acks;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(abortError(subject));
      signal.addEventListener('abort', onAbort, { once: true });
      acks.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  return {
    send: (batch, signal) => publish(batch.events, signal),
    publish: (events, signal) => publish(events, signal),
    publishEncoded: (items, signal) =>
      publish(
        items.map((item) => item.event),
        signal,
        (i) => items[i]!.json,
      ),
    close() {
      const done = closing ?? (nc.isClosed() ? Promise.resolve() : nc.drain().catch(() => nc.close()));
      closing = done;
      return done;
    },
  };
}
