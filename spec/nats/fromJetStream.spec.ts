import { connect } from '@nats-io/transport-node';
import { concatMap, firstValueFrom, take, tap, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJetStreamSender } from '../../src/nats/createJetStreamSender.js';
import { ensureAuditStream } from '../../src/nats/ensureAuditStream.js';
import type { AuditMessage, InvalidAuditMessage } from '../../src/nats/fromJetStream.js';
import { fromJetStream } from '../../src/nats/fromJetStream.js';
import { auditEvents } from '../helpers/fixtures.js';
import type { NatsServer } from './fixtures/natsServer.js';
import { eventually, removeStoreDirs, startNatsServer } from './fixtures/natsServer.js';

let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server.stop();
  removeStoreDirs();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const eventuallyTrue = (check: () => boolean) =>
  eventually(async () => {
    if (!check()) throw new Error('not yet');
  });

async function fill(stream: string, count: number, prefix = 'e') {
  await ensureAuditStream({ servers: server.url, stream, subjects: [`${stream.toLowerCase()}.>`] });
  const sender = await createJetStreamSender({
    servers: server.url,
    subject: `${stream.toLowerCase()}.events`,
  });
  const events = auditEvents(count, prefix);
  await sender.publish(events);
  await sender.close();
  return events;
}

async function pendingOf(stream: string, durable: string, servers = server.url) {
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers });
  try {
    const info = await (await jetstreamManager(nc)).consumers.info(stream, durable);
    return { pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered };
  } finally {
    await nc.close();
  }
}

describe('fromJetStream', () => {
  it('emits every stored event, in order, from a durable consumer that it creates', async () => {
    const events = await fill('READ', 30);
    const messages = await firstValueFrom(
      fromJetStream({ servers: server.url, stream: 'READ', durable: 'reader' }).pipe(take(30), toArray()),
    );
    messages.forEach((m) => m.ack());
    expect(messages.map((m) => m.event)).toEqual(events);
    expect(messages.every((m) => !m.redelivered)).toBe(true);
    await sleep(100);
    expect(await pendingOf('READ', 'reader')).toMatchObject({ pending: 0 });
  });

  it('has at most maxMessages unsettled and pulls more only as they are acked', async () => {
    await fill('FLOW', 40);
    const received: AuditMessage[] = [];
    const subscription = fromJetStream({
      servers: server.url,
      stream: 'FLOW',
      durable: 'slow',
      maxMessages: 6,
    }).subscribe((m) => received.push(m));
    await sleep(600);
    expect(received).toHaveLength(6);
    received.slice(0, 2).forEach((m) => m.ack());
    await sleep(400);
    expect(received).toHaveLength(6); // waits for half of maxMessages to be free before the next pull
    received[2]!.ack();
    await sleep(600);
    expect(received).toHaveLength(9);
    subscription.unsubscribe();
    await sleep(200);
    const state = await pendingOf('FLOW', 'slow');
    expect(state.pending).toBe(31);
  });

  it('nak redelivers (flagged redelivered); a durable resumes after an unsubscribe', async () => {
    await fill('NAK', 3, 'nak-');
    const source = fromJetStream({
      servers: server.url,
      stream: 'NAK',
      durable: 'retrying',
      ackWaitMs: 1_000,
    });
    const seen: [string, boolean][] = [];
    await new Promise<void>((resolve) => {
      const subscription = source.subscribe((m) => {
        seen.push([m.event.auditID, m.redelivered]);
        if (seen.length === 1) m.ack();
        if (seen.length === 2) m.nak();
        if (seen.length === 4) {
          m.ack(); // the nak'ed one, again; the third is never settled before the unsubscribe
          subscription.unsubscribe();
          resolve();
        }
      });
    });
    const again = await firstValueFrom(source.pipe(take(1)));
    again.ack();
    expect(seen).toEqual([
      ['nak-0', false],
      ['nak-1', false],
      ['nak-2', false],
      ['nak-1', true],
    ]);
    expect([again.event.auditID, again.redelivered]).toEqual(['nak-2', true]);
    await sleep(100);
    expect(await pendingOf('NAK', 'retrying')).toMatchObject({ pending: 0, ackPending: 0 });
  });

  it('terminates a message that is not an audit event and passes it to onInvalid', async () => {
    await fill('BAD', 1, 'good-');
    const nc = await connect({ servers: server.url });
    nc.publish('bad.events', 'not json');
    nc.publish('bad.events', JSON.stringify({ kind: 'Event', level: 'Loud' }));
    await nc.flush();
    await nc.close();
    await fill('BAD', 1, 'after-');
    const invalid: InvalidAuditMessage[] = [];
    const messages = await firstValueFrom(
      fromJetStream({
        servers: server.url,
        stream: 'BAD',
        durable: 'strict',
        onInvalid: (bad) => invalid.push(bad),
      }).pipe(take(2), toArray()),
    );
    messages.forEach((m) => m.ack());
    expect(messages.map((m) => m.event.auditID)).toEqual(['good-0', 'after-0']);
    expect(invalid.map((bad) => [bad.sequence, bad.subject])).toEqual([
      [2, 'bad.events'],
      [3, 'bad.events'],
    ]);
    expect(invalid[1]!.error.message).toContain('level');
    await sleep(100);
    expect(await pendingOf('BAD', 'strict')).toMatchObject({ pending: 0, ackPending: 0 });
  });

  it('extends the ack wait of messages a slow subscriber holds: each is processed and acked once', async () => {
    const events = await fill('SLOW', 5, 'slow-');
    // Four held at a time, 500 ms each: the last of a pull waits 2 s in concatMap, past the 1.5 s ack wait.
    let held = 0;
    let mostHeld = 0;
    const done: [string, boolean][] = [];
    await new Promise<void>((resolve) => {
      const subscription = fromJetStream({
        servers: server.url,
        stream: 'SLOW',
        durable: 'patient',
        maxMessages: 4,
        ackWaitMs: 1_500,
      })
        .pipe(
          tap(() => (mostHeld = Math.max(mostHeld, ++held))),
          concatMap(async (m) => {
            await sleep(500);
            done.push([m.event.auditID, m.redelivered]);
            held -= 1;
            m.ack();
            if (done.length === events.length) {
              subscription.unsubscribe();
              resolve();
            }
          }),
        )
        .subscribe();
    });
    expect(done).toEqual(events.map((e) => [e.auditID, false]));
    expect(mostHeld).toBe(4);
    await sleep(1_700); // anything unacked would be redelivered by now
    expect(await pendingOf('SLOW', 'patient')).toMatchObject({ pending: 0, ackPending: 0, redelivered: 0 });
  });

  it('keeps the slot of an unsettled message until the unsubscribe; JetStream redelivers it after', async () => {
    await fill('LOST', 2, 'lost-');
    const received: AuditMessage[] = [];
    const source = fromJetStream({
      servers: server.url,
      stream: 'LOST',
      durable: 'forgetful',
      maxMessages: 1,
      ackWaitMs: 1_000,
    });
    const subscription = source.subscribe((m) => received.push(m));
    await sleep(2_500); // past two ack waits: neither redelivered nor a second message let in
    subscription.unsubscribe();
    expect(received.map((m) => [m.event.auditID, m.redelivered])).toEqual([['lost-0', false]]);
    // lost-0 comes back once its last extension runs out (lost-1, never delivered, may come first).
    const again = await firstValueFrom(
      fromJetStream({ servers: server.url, stream: 'LOST', durable: 'forgetful', ackWaitMs: 1_000 }).pipe(
        take(2),
        toArray(),
      ),
    );
    again.forEach((m) => m.ack());
    expect(again.map((m) => [m.event.auditID, m.redelivered]).sort()).toEqual([
      ['lost-0', true],
      ['lost-1', false],
    ]);
  });

  it('keeps reading across a nats-server restart', async () => {
    const own = await startNatsServer();
    const servers = own.url;
    await ensureAuditStream({ servers, stream: 'AGAIN', subjects: ['again.>'] });
    const publish = async (prefix: string) => {
      const sender = await createJetStreamSender({ servers, subject: 'again.events' });
      await sender.publish(auditEvents(5, prefix));
      await sender.close();
    };
    await publish('before-');
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      const subscription = fromJetStream({ servers, stream: 'AGAIN', durable: 'steady' }).subscribe((m) => {
        seen.push(m.event.auditID);
        m.ack();
        if (seen.length === 10) {
          subscription.unsubscribe();
          resolve();
        }
      });
    });
    await eventuallyTrue(() => seen.length === 5);
    // An ack is sent without waiting for the server, and a killed server may lose the consumer's latest state:
    // either way it would deliver the five again after the restart, as at-least-once delivery should. This
    // test is about reading on across a restart, so the acks are let in and the server stops cleanly.
    await eventually(async () => {
      if ((await pendingOf('AGAIN', 'steady', servers)).ackPending !== 0) throw new Error('acks in flight');
    });
    await own.stop('SIGTERM');
    const restarted = await startNatsServer(own.options);
    try {
      await eventually(() => publish('after-'));
      await done;
      expect(seen).toEqual([...auditEvents(5, 'before-'), ...auditEvents(5, 'after-')].map((e) => e.auditID));
    } finally {
      await restarted.stop(); // a failed run left this server running after the worker ended
    }
  }, 30_000);

  it('errors when the stream does not exist, and validates its options', async () => {
    await expect(
      firstValueFrom(fromJetStream({ servers: server.url, stream: 'NONE', durable: 'x' })),
    ).rejects.toThrow(/stream not found/i);
    expect(() => fromJetStream({ servers: server.url, stream: 'A', durable: 'a.b' })).toThrow(
      'durable must be a name without spaces, ".", "*", ">", "/" or "\\", got "a.b"',
    );
    expect(() => fromJetStream({ servers: server.url, stream: 'A', durable: 'a', maxMessages: 0 })).toThrow(
      'maxMessages must be a positive integer, got 0',
    );
  });
});
