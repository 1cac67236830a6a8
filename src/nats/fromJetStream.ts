import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import { asyncScheduler, Observable } from 'rxjs';
import type { AuditEvent } from '../events/Event.js';
import { decodeEvent } from '../events/decodeEvent.js';
import { fail, optionalFunction, positiveInteger } from '../util/validateOptions.js';
import type { NatsConnection, NatsConnectionOptions } from './NatsConnectionOptions.js';
import { connectNats, nanos, resolveConnectionOptions } from './NatsConnectionOptions.js';
import { toError } from '../util/toError.js';

/** One audit event read from JetStream. Settle it once with `ack()` (processed) or `nak()` (send it again). */
export interface AuditMessage {
  readonly event: AuditEvent;
  /** True when JetStream delivered this message before (it was not acked in time, or was nak'ed). */
  readonly redelivered: boolean;
  /** Marks the message processed; it is not delivered again. */
  ack(): void;
  /** Asks for redelivery, after `delayMs` if given. */
  nak(delayMs?: number): void;
}

/** A message that did not decode as an audit event; it has been terminated (never redelivered). */
export interface InvalidAuditMessage {
  readonly error: Error;
  /** The stream sequence number of the message. */
  readonly sequence: number;
  readonly subject: string;
}

/** Options for {@link fromJetStream}. */
export interface FromJetStreamOptions extends NatsConnectionOptions {
  /** The stream to read (see `ensureAuditStream`). */
  stream: string;
  /** Name of the durable pull consumer, created if missing. Consumers sharing a name share the work. */
  durable: string;
  /** Messages delivered and not yet acked or nak'ed, at most. @default 100 */
  maxMessages?: number;
  /** Milliseconds JetStream waits for an ack before it redelivers. @default 30000 */
  ackWaitMs?: number;
  /** Called with each message that does not decode (after it is terminated). @default none */
  onInvalid?: (invalid: InvalidAuditMessage) => void;
  /**
   * Scheduler of the timers that extend the ack wait of a message the subscriber holds, and give up its slot
   * after the unsubscribe. @default asyncScheduler
   */
  scheduler?: SchedulerLike;
}

/** The defaults of {@link fromJetStream}. */
export const FROM_JETSTREAM_DEFAULTS = Object.freeze({
  maxMessages: 100,
  ackWaitMs: 30_000,
} as const);

const NAME = /^[^\s.*>/\\]{1,255}$/;
// How long one pull request waits on the server for messages before the next is made.
const PULL_EXPIRES_MS = 5_000;
// After a failed pull (connection lost, heartbeats missed), wait this long before the next.
const RETRY_PULL_MS = 1_000;

function checkName(name: string, value: unknown): string {
  if (typeof value === 'string' && NAME.test(value)) return value;
  return fail(name, 'a name without spaces, ".", "*", ">", "/" or "\\"', value);
}

/**
 * Reads audit events from a durable JetStream pull consumer as a cold Observable: each subscription
 * connects, creates the consumer if missing (explicit acks, `ackWaitMs`), and pulls only as fast as
 * messages are settled — at most `maxMessages` unsettled at a time. Settle every message: while the
 * subscription lasts, an unsettled message keeps its slot and its ack wait is extended, so a slow
 * subscriber is never sent a message it still holds again. A message that does not decode is terminated and
 * passed to `onInvalid`. Unsubscribing stops pulling and extending; messages already emitted can still be
 * settled (so `take(n)` then `ack()` works), and the connection closes once every one is settled or its
 * ack wait has run out (at most `ackWaitMs`). JetStream redelivers what was not acked.
 *
 * ## Example
 * ```ts
 * import { concatMap } from 'rxjs';
 * import { fromJetStream } from 'rx-audit/nats';
 *
 * fromJetStream({ servers: 'nats://127.0.0.1:4222', stream: 'AUDIT', durable: 'indexer' })
 *   .pipe(concatMap(async (message) => { await index(message.event); message.ack(); }))
 *   .subscribe();
 * ```
 *
 * @param options Connection, stream, consumer and flow settings; see {@link FromJetStreamOptions}.
 * @returns A cold Observable of {@link AuditMessage}; it errors if NATS cannot be reached or the stream
 *   does not exist.
 */
export function fromJetStream(options: FromJetStreamOptions): Observable<AuditMessage> {
  resolveConnectionOptions(options);
  const stream = checkName('stream', options.stream);
  const durable = checkName('durable', options.durable);
  const maxMessages = positiveInteger(
    'maxMessages',
    options.maxMessages ?? FROM_JETSTREAM_DEFAULTS.maxMessages,
  );
  const ackWaitMs = positiveInteger('ackWaitMs', options.ackWaitMs ?? FROM_JETSTREAM_DEFAULTS.ackWaitMs);
  const onInvalid = optionalFunction('onInvalid', options.onInvalid);
  const scheduler = options.scheduler ?? asyncScheduler;

  return new Observable<AuditMessage>((subscriber) => {
    let stopped = false;
    let nc: NatsConnection | undefined;
    let batch: ConsumerMessages | undefined;
    let outstanding = 0;
    let wake: (() => void) | undefined;

    let closed = false;
    // After the unsubscribe, the connection stays open until every emitted message is settled (or its
    // ackWaitMs passed), so that acks given after the unsubscribe (for example after `take(n)`) still count.
    const closeWhenSettled = () => {
      if (!stopped || closed || outstanding > 0 || nc === undefined) return;
      closed = true;
      // Drain flushes the acks already given before the connection closes.
      void nc.drain().catch(() => undefined);
    };

    const release = () => {
      outstanding -= 1;
      const resume = wake;
      wake = undefined;
      resume?.();
      closeWhenSettled();
    };

    const toAuditMessage = (msg: JsMsg, event: AuditEvent): AuditMessage => {
      let settled = false;
      let released = false;
      const releaseOnce = () => {
        if (released) return;
        released = true;
        release();
      };
      // A message the subscriber holds keeps its slot, and its ack wait is extended (+WPI) every half of
      // ackWaitMs, so JetStream does not redeliver what is still being worked on, however long a queue in
      // front of it (as Pub/Sub clients extend leases). After the unsubscribe the extensions stop: the slot
      // is given up when the last one runs out, and JetStream redelivers the message then.
      const half = Math.max(1, Math.floor(ackWaitMs / 2));
      const lease: Subscription = scheduler.schedule(function (this: SchedulerAction<number>, step = 0) {
        if (settled) return;
        if (step === 1) {
          releaseOnce();
          return;
        }
        if (stopped) {
          this.schedule(1, ackWaitMs - half);
          return;
        }
        try {
          msg.working();
        } catch {
          // The connection is closed: JetStream redelivers the message after ackWaitMs.
        }
        this.schedule(0, half);
      }, half);
      const settle = (action: () => void) => {
        if (settled) return;
        settled = true;
        lease.unsubscribe();
        try {
          action();
        } catch {
          // The connection is closed: JetStream redelivers the message after ackWaitMs.
        }
        releaseOnce();
      };
      return {
        event,
        redelivered: msg.redelivered,
        ack: () => settle(() => msg.ack()),
        nak: (delayMs?: number) => settle(() => msg.nak(delayMs)),
      };
    };

    const run = async () => {
      nc = await connectNats(options);
      if (stopped) {
        closeWhenSettled();
        return;
      }
      const jsm = await jetstreamManager(nc);
      let exists = true;
      try {
        const info = await jsm.consumers.info(stream, durable);
        if (info.config.ack_wait !== nanos(ackWaitMs)) {
          await jsm.consumers.update(stream, durable, { ack_wait: nanos(ackWaitMs) });
        }
      } catch (error) {
        if (!(error instanceof Error && error.name === 'ConsumerNotFoundError')) throw error;
        exists = false;
      }
      if (!exists) {
        await jsm.consumers.add(stream, {
          durable_name: durable,
          ack_policy: AckPolicy.Explicit,
          ack_wait: nanos(ackWaitMs),
        });
      }
      const consumer = await jetstream(nc).consumers.get(stream, durable);
      // Pull in chunks of at least half of maxMessages, so a subscriber that settles one message at a time
      // does not make one pull request per message.
      const minRoom = Math.ceil(maxMessages / 2);
      while (!stopped) {
        if (maxMessages - outstanding < minRoom) {
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        const room = maxMessages - outstanding;
        // The requested messages count as outstanding while the pull is open; what did not come is returned.
        outstanding += room;
        let received = 0;
        try {
          batch = await consumer.fetch({ max_messages: room, expires: PULL_EXPIRES_MS });
          for await (const msg of batch) {
            received += 1;
            let event: AuditEvent;
            try {
              event = decodeEvent(msg.json());
            } catch (error) {
              // No reason text: nats-server 2.9 does not understand `+TERM <reason>`.
              msg.term();
              outstanding -= 1;
              onInvalid?.({
                error: toError(error),
                sequence: msg.seq,
                subject: msg.subject,
              });
              continue;
            }
            if (stopped) {
              // Arrived after the unsubscribe: hand it straight back.
              received -= 1;
              msg.nak();
              return;
            }
            subscriber.next(toAuditMessage(msg, event));
          }
        } catch (error) {
          if (stopped) return;
          const name = error instanceof Error ? error.name : '';
          if (name === 'StreamNotFoundError' || name === 'ConsumerNotFoundError' || nc.isClosed())
            throw error;
          // A lost connection or a missed heartbeat: the client reconnects; pull again shortly.
          await new Promise<void>((resolve) => scheduler.schedule(resolve, RETRY_PULL_MS));
        } finally {
          outstanding -= room - received;
          batch = undefined;
          closeWhenSettled();
        }
      }
    };

    run()
      .then(
        () => {
          if (!stopped) subscriber.complete();
        },
        (error: unknown) => {
          if (!stopped) subscriber.error(error);
        },
      )
      .finally(() => {
        // On an error the subscriber is already torn down; the slots of what it held still close the connection.
        stopped = true;
        closeWhenSettled();
      });

    return () => {
      stopped = true;
      batch?.stop();
      wake?.();
      closeWhenSettled();
    };
  });
}
