import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJetStreamGateway } from '../../src/nats/createJetStreamGateway.js';
import { ensureAuditStream } from '../../src/nats/ensureAuditStream.js';
import { isJetStreamGatewayError } from '../../src/nats/JetStreamGatewayError.js';
import { auditEvent, auditEvents } from '../helpers/fixtures.js';
import type { NatsServer } from './fixtures/natsServer.js';
import { readStream, removeStoreDirs, startNatsServer } from './fixtures/natsServer.js';

let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer({ maxPayload: 4096 });
  await ensureAuditStream({ servers: server.url, stream: 'GW', subjects: ['gw.>'] });
});
afterAll(async () => {
  await server.stop();
  removeStoreDirs();
});

describe('createJetStreamGateway', () => {
  it('resolves once every event of a request is acked', async () => {
    const gateway = await createJetStreamGateway({ servers: server.url, subject: 'gw.events' });
    await gateway.publish(auditEvents(40, 'gw-'));
    await gateway.publish(auditEvents(40, 'gw-')); // the apiserver's retry of the same POST
    const encoded = auditEvents(2, 'json-').map((event) => ({
      event,
      json: JSON.stringify({ ...event, as: 'given' }),
    }));
    await gateway.store(encoded);
    await gateway.close();
    await gateway.close();
    const stored = await readStream(server.url, 'GW');
    expect(stored.messages).toBe(42);
    expect(stored.ids.slice(40)).toEqual(['json-0/ResponseComplete', 'json-1/ResponseComplete']);
    expect(stored.bodies.slice(40)).toEqual(encoded.map((item) => JSON.parse(item.json)));
  });

  it('answers 413 for an event over max_payload and 503 with Retry-After 1 for a missing stream', async () => {
    const gateway = await createJetStreamGateway({ servers: server.url, subject: 'gw.events' });
    const tooLarge: unknown = await gateway
      .publish([auditEvent('huge', { annotations: { a: 'z'.repeat(5000) } })])
      .catch((e: unknown) => e);
    expect(isJetStreamGatewayError(tooLarge)).toBe(true);
    expect(tooLarge).toMatchObject({ status: 413, retryAfter: undefined });
    await gateway.close();

    const lost = await createJetStreamGateway({ servers: server.url, subject: 'elsewhere.events' });
    const noStream: unknown = await lost.publish(auditEvents(1)).catch((e: unknown) => e);
    expect(noStream).toMatchObject({
      status: 503,
      retryAfter: 1,
      message: 'no JetStream stream stores subject "elsewhere.events"',
    });
    await lost.close();
  });

  it('answers 503 at once while NATS is down, and publishes again after it is back', async () => {
    const own = await startNatsServer();
    await ensureAuditStream({ servers: own.url, stream: 'BACK', subjects: ['back.>'] });
    const gateway = await createJetStreamGateway({ servers: own.url, subject: 'back.events', timeout: 500 });
    await gateway.publish(auditEvents(5, 'before-'));
    await own.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    const down: unknown = await gateway.publish(auditEvents(5, 'during-')).catch((e: unknown) => e);
    expect(down).toMatchObject({ status: 503, retryAfter: 1 });
    expect(Date.now() - started).toBeLessThan(600);

    const back = await startNatsServer(own.options);
    for (let attempt = 0; ; attempt++) {
      try {
        await gateway.publish(auditEvents(5, 'during-'));
        break;
      } catch (error) {
        expect(isJetStreamGatewayError(error) && error.status).toBe(503);
        if (attempt > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await gateway.close();
    expect((await readStream(back.url, 'BACK')).messages).toBe(10);
    await back.stop();
  });
});
