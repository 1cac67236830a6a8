import { from, lastValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditPluginError } from '../../src/contract/AuditBackend.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import { createJetStreamSender } from '../../src/nats/createJetStreamSender.js';
import { ensureAuditStream } from '../../src/nats/ensureAuditStream.js';
import { isJetStreamPublishError } from '../../src/nats/JetStreamPublishError.js';
import { auditEvent, auditEvents } from '../helpers/fixtures.js';
import type { NatsServer } from './fixtures/natsServer.js';
import { readStream, removeStoreDirs, startNatsServer } from './fixtures/natsServer.js';

let server: NatsServer;
let small: NatsServer;
const batchOf = (events: ReturnType<typeof auditEvents>) => ({ events, body: '' });

beforeAll(async () => {
  [server, small] = await Promise.all([startNatsServer(), startNatsServer({ maxPayload: 2048 })]);
});
afterAll(async () => {
  await Promise.all([server.stop(), small.stop()]);
  removeStoreDirs();
});

describe('createJetStreamSender', () => {
  it('publishes one v1 JSON message per event with Nats-Msg-Id auditID/stage, acked before it resolves', async () => {
    await ensureAuditStream({ servers: server.url, stream: 'ONE', subjects: ['one.>'] });
    const sender = await createJetStreamSender({ servers: server.url, subject: 'one.events' });
    const events = auditEvents(25, 'one-');
    await sender.publish(events);
    await sender.close();

    const stored = await readStream(server.url, 'ONE');
    expect(stored.messages).toBe(25);
    expect(stored.ids).toEqual(events.map((e) => `${e.auditID}/ResponseComplete`));
    expect(stored.bodies[0]).toEqual({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', ...events[0] });
  });

  it('stores a re-published (retried) batch once: the duplicate window drops the repeats', async () => {
    await ensureAuditStream({ servers: server.url, stream: 'DUP', subjects: ['dup.>'] });
    const sender = await createJetStreamSender({ servers: server.url, subject: 'dup.events' });
    const events = auditEvents(10, 'dup-');
    await sender.publish(events);
    await sender.publish(events.slice(3));
    await lastValueFrom(from(sender.send(batchOf(events), new AbortController().signal)), {
      defaultValue: undefined,
    });
    await sender.close();
    expect((await readStream(server.url, 'DUP')).messages).toBe(10);
  });

  it('uses msgId(event) and makes an unsafe id a stable header value', async () => {
    await ensureAuditStream({ servers: server.url, stream: 'IDS', subjects: ['ids.>'] });
    const sender = await createJetStreamSender({
      servers: server.url,
      subject: 'ids.events',
      msgId: (event) => `custom:${event.auditID}`,
    });
    await sender.publish([auditEvent('a'), auditEvent('b\r\nX-Injected: 1'), auditEvent('a')]);
    await sender.close();
    const stored = await readStream(server.url, 'IDS');
    expect(stored.ids).toEqual(['custom:a', encodeURIComponent('custom:b\r\nX-Injected: 1')]);
  });

  it('fails finally, naming the subject, when no stream stores it', async () => {
    const sender = await createJetStreamSender({ servers: server.url, subject: 'nowhere.events' });
    const error: unknown = await sender.publish(auditEvents(2)).catch((e: unknown) => e);
    await sender.close();
    expect(isJetStreamPublishError(error)).toBe(true);
    expect(error).toMatchObject({ failure: 'no-stream', retryable: false, subject: 'nowhere.events' });
    expect((error as Error).message).toBe('no JetStream stream stores subject "nowhere.events"');
  });

  it("reports an event over the server's max_payload as too-large, not retryable, and publishes none of its batch", async () => {
    await ensureAuditStream({ servers: small.url, stream: 'BIG', subjects: ['big.>'] });
    const sender = await createJetStreamSender({ servers: small.url, subject: 'big.events' });
    const big = auditEvent('big', { annotations: { note: 'x'.repeat(4000) } });
    const error: unknown = await sender.publish([auditEvent('fits'), big]).catch((e: unknown) => e);
    await sender.close();
    expect(error).toMatchObject({ failure: 'too-large', reason: 'too-large', retryable: false });
    expect((error as Error).message).toBe(
      "1 event(s) larger than the NATS server's max_payload of 2048 bytes (audit IDs big)",
    );
    expect((error as Error).message).not.toContain('xxxx');
    expect((await readStream(small.url, 'BIG')).messages).toBe(0);
  });

  it('is the sender of a batch backend: every event stored once, stats say delivered', async () => {
    await ensureAuditStream({ servers: server.url, stream: 'BACKEND', subjects: ['backend.>'] });
    const sender = await createJetStreamSender({ servers: server.url, subject: 'backend.events' });
    const backend = createWebhookBackend({
      mode: 'batch',
      sender: sender.send,
      batch: { maxBatchSize: 50, maxBatchWait: 20 },
      onError: () => undefined,
    });
    backend.run();
    const events = auditEvents(300, 'backend-');
    expect(await backend.processEvents(...events)).toBe(true);
    await backend.shutdown();
    await sender.close();
    expect(backend.stats()).toMatchObject({ accepted: 300, delivered: 300 });
    const stored = await readStream(server.url, 'BACKEND');
    expect(stored.messages).toBe(300);
    expect(new Set(stored.ids).size).toBe(300);
  });

  it('a backend reports the no-stream failure once as send-failed, without retrying', async () => {
    const sender = await createJetStreamSender({ servers: server.url, subject: 'missing.events' });
    const reports: AuditPluginError[] = [];
    const backend = createWebhookBackend({
      mode: 'batch',
      sender: sender.send,
      batch: { maxBatchWait: 10 },
      retry: { initialDelay: 10, jitter: 0 },
      onError: (report) => reports.push(report),
    });
    backend.run();
    await backend.processEvents(...auditEvents(3, 'missing-'));
    await backend.shutdown();
    await sender.close();
    expect(reports.map((r) => [r.reason, r.events.length, r.error.message])).toEqual([
      ['send-failed', 3, expect.stringContaining('no JetStream stream stores subject "missing.events"')],
    ]);
    expect(backend.stats().retries).toBe(0);
  });

  it('a backend reports a batch with an event over max_payload once, without retrying', async () => {
    await ensureAuditStream({ servers: small.url, stream: 'BIG2', subjects: ['big2.>'] });
    const sender = await createJetStreamSender({ servers: small.url, subject: 'big2.events' });
    const reports: AuditPluginError[] = [];
    const backend = createWebhookBackend({
      mode: 'batch',
      sender: sender.send,
      batch: { maxBatchWait: 10 },
      retry: { initialDelay: 10, jitter: 0 },
      onError: (report) => reports.push(report),
    });
    backend.run();
    await backend.processEvents(auditEvent('huge', { annotations: { note: 'y'.repeat(5000) } }));
    await backend.shutdown();
    await sender.close();
    expect(reports.map((r) => r.events.map((e) => e.auditID))).toEqual([['huge']]);
    expect(reports[0]!.error.message).toContain("larger than the NATS server's max_payload of 2048 bytes");
    expect(backend.stats().retries).toBe(0);
    expect((await readStream(small.url, 'BIG2')).messages).toBe(0);
  });

  // DESIGN ("Backends", the sender contract): a sender error with `reason: 'too-large'` is reported as `too-large`.
  it("a backend reports the sender's reason: 'too-large' error as too-large, once, with every event of the batch", async () => {
    await ensureAuditStream({ servers: small.url, stream: 'BIG3', subjects: ['big3.>'] });
    const sender = await createJetStreamSender({ servers: small.url, subject: 'big3.events' });
    const reports: AuditPluginError[] = [];
    const backend = createWebhookBackend({
      mode: 'batch',
      sender: sender.send,
      // One batch of both events: the sender publishes none of a batch with an event over max_payload.
      batch: { maxBatchSize: 2, maxBatchWait: 60_000 },
      retry: { initialDelay: 10, jitter: 0 },
      onError: (report) => reports.push(report),
    });
    backend.run();
    await backend.processEvents(
      auditEvent('fits'),
      auditEvent('huge', { annotations: { note: 'z'.repeat(5000) } }),
    );
    await backend.shutdown();
    await sender.close();
    expect(reports.map((r) => [r.reason, r.events.map((e) => e.auditID)])).toEqual([
      ['too-large', ['fits', 'huge']],
    ]);
    expect(backend.stats().failed['too-large']).toBe(2);
    expect(backend.stats().failed['send-failed']).toBe(0);
    expect(backend.stats().retries).toBe(0);
    expect((await readStream(small.url, 'BIG3')).messages).toBe(0);
  });

  it('authenticates with a token; a wrong token is a clear connection error without the token', async () => {
    const guarded = await startNatsServer({ config: 'authorization { token: "s3cret-token" }' });
    try {
      await ensureAuditStream({
        servers: guarded.url,
        token: 's3cret-token',
        stream: 'TOK',
        subjects: ['tok.>'],
      });
      const sender = await createJetStreamSender({
        servers: guarded.url,
        token: 's3cret-token',
        subject: 'tok.a',
      });
      await sender.publish(auditEvents(2));
      await sender.close();
      expect((await readStream(guarded.url, 'TOK').catch(() => null)) === null).toBe(true); // needs the token
      const error: unknown = await createJetStreamSender({
        servers: `nats://127.0.0.1:${guarded.port}`,
        token: 'wrong-token',
        subject: 'tok.a',
      }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/^cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+\/?: /);
      expect((error as Error).message).not.toContain('wrong-token');
    } finally {
      await guarded.stop();
    }
  });

  it('authenticates with user and pass; a URL with credentials is never echoed', async () => {
    const guarded = await startNatsServer({ config: 'authorization { user: audit, password: "pw-123" }' });
    try {
      await ensureAuditStream({
        servers: guarded.url,
        user: 'audit',
        pass: 'pw-123',
        stream: 'UP',
        subjects: ['up.>'],
      });
      const sender = await createJetStreamSender({
        servers: guarded.url,
        user: 'audit',
        pass: 'pw-123',
        subject: 'up.a',
      });
      await sender.publish(auditEvents(3));
      await sender.close();
      const error: unknown = await createJetStreamSender({
        servers: `nats://audit:wrong-pw@127.0.0.1:${guarded.port}`,
        subject: 'up.a',
      }).catch((e: unknown) => e);
      expect((error as Error).message).toContain('cannot connect to NATS at nats://127.0.0.1:');
      expect((error as Error).message).not.toContain('wrong-pw');
    } finally {
      await guarded.stop();
    }
  });

  it('validates its options, naming the field', async () => {
    await expect(createJetStreamSender({ servers: server.url, subject: 'a.*' })).rejects.toThrow(
      'subject must be a subject without spaces or wildcards, got "a.*"',
    );
    await expect(createJetStreamSender({ servers: server.url, subject: 'a', timeout: 0 })).rejects.toThrow(
      'timeout must be a positive integer, got 0',
    );
    await expect(createJetStreamSender({ servers: [], subject: 'a' })).rejects.toThrow(
      'servers must be a server URL or a list of 1 to 64 URLs, got an array',
    );
    await expect(createJetStreamSender({ servers: server.url, subject: 'a', user: 'u' })).rejects.toThrow(
      'user and pass must be given together',
    );
    await expect(
      createJetStreamSender({ servers: server.url, subject: 'a', msgId: 'x' as never }),
    ).rejects.toThrow('msgId must be a function, got "x"');
  });
});
