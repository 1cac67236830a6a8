import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsServer } from '../../spec/nats/fixtures/natsServer.js';
import { removeStoreDirs, startNatsServer } from '../../spec/nats/fixtures/natsServer.js';
import { runFanIn } from './fanIn.js';

let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server.stop();
  removeStoreDirs();
});

describe('examples/jetstream-fan-in', () => {
  it('a service and ship (through the gateway) fan in; the consumer processes and acks every event', async () => {
    const result = await runFanIn({ servers: server.url, events: 150 });
    expect(result).toEqual({
      sent: { service: 150, ship: 150 },
      processed: { 'fan-in.service': 150, 'fan-in.gateway': 150 },
      distinct: 300,
      stored: 300,
    });
  }, 60_000);
});
