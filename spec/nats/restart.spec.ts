// nats-server killed (SIGKILL) and restarted on the same store in the middle of a run: a batch-mode
// webhook backend with the JetStream sender retries, and every event is stored exactly once.
import { afterAll, expect, it } from 'vitest';
import type { AuditPluginError } from '../../src/contract/AuditBackend.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import { createJetStreamSender } from '../../src/nats/createJetStreamSender.js';
import { ensureAuditStream } from '../../src/nats/ensureAuditStream.js';
import { auditEvents } from '../helpers/fixtures.js';
import { readStream, removeStoreDirs, startNatsServer } from './fixtures/natsServer.js';

afterAll(() => removeStoreDirs());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('a restart mid-run: the backend retries and every event is stored exactly once', async () => {
  let server = await startNatsServer();
  await ensureAuditStream({ servers: server.url, stream: 'RESTART', subjects: ['restart.>'] });
  const sender = await createJetStreamSender({
    servers: server.url,
    subject: 'restart.events',
    timeout: 1_000,
  });
  const reports: AuditPluginError[] = [];
  const backend = createWebhookBackend({
    mode: 'batch',
    sender: sender.send,
    batch: { maxBatchSize: 20, maxBatchWait: 10, bufferSize: 2_000 },
    retry: { initialDelay: 200, factor: 1.5, jitter: 0, attempts: 20 },
    onError: (report) => reports.push(report),
  });
  backend.run();
  const events = auditEvents(600, 'r');
  try {
    for (let i = 0; i < 600; i += 20) {
      if (i === 200) {
        await server.stop('SIGKILL');
      }
      if (i === 300) {
        server = await startNatsServer(server.options);
      }
      expect(await backend.processEvents(...events.slice(i, i + 20))).toBe(true);
      await sleep(10);
    }
    await backend.shutdown();
    // The duplicate window survived the restart: re-publishing what was stored before it stores nothing.
    await sender.publish(events.slice(0, 200));
  } finally {
    await sender.close();
  }
  const stats = backend.stats();
  expect(reports).toEqual([]);
  expect(stats).toMatchObject({ accepted: 600, delivered: 600 });
  expect(stats.retries).toBeGreaterThan(0); // the restart did interrupt deliveries

  const stored = await readStream(server.url, 'RESTART');
  expect(stored.messages).toBe(600);
  expect(stored.ids).toHaveLength(600);
  expect(new Set(stored.ids)).toEqual(new Set(events.map((e) => `${e.auditID}/${e.stage}`)));
  await server.stop();
}, 30_000);
