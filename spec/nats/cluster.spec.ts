// A 3-node JetStream cluster with an R3 audit stream: killing a node (the stream's leader) does not stop
// the sender, and every event whose batch was acked is in the stream afterwards, once.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/events/Event.js';
import { createJetStreamSender } from '../../src/nats/createJetStreamSender.js';
import { ensureAuditStream } from '../../src/nats/ensureAuditStream.js';
import { auditEvents } from '../helpers/fixtures.js';
import type { NatsServer } from './fixtures/natsServer.js';
import { eventually, readStream, removeStoreDirs, startNatsCluster } from './fixtures/natsServer.js';

let nodes: NatsServer[];
beforeAll(async () => {
  nodes = await startNatsCluster(3);
}, 30_000);
afterAll(async () => {
  await Promise.all(nodes.map((node) => node.stop()));
  removeStoreDirs();
});

async function streamLeader(servers: string[]): Promise<string> {
  const nc = await connect({ servers });
  try {
    const info = await (await jetstreamManager(nc)).streams.info('CLUSTER');
    const leader = info.cluster?.leader;
    if (leader === undefined || leader === '') throw new Error('no leader yet');
    return leader;
  } finally {
    await nc.close();
  }
}

it('an R3 stream keeps accepting and loses no acked event when its leader is killed', async () => {
  const urls = nodes.map((node) => node.url);
  await eventually(() =>
    ensureAuditStream({ servers: urls, stream: 'CLUSTER', subjects: ['cluster.>'], replicas: 3 }),
  );
  const leaderName = await eventually(() => streamLeader(urls));
  const leader = nodes.find((node) => node.options.name === leaderName)!;
  const survivors = nodes.filter((node) => node !== leader).map((node) => node.url);

  // Connected through the leader's node first, so the client also has to fail over.
  const sender = await createJetStreamSender({
    servers: [leader.url, ...survivors],
    subject: 'cluster.events',
    timeout: 2_000,
  });
  const batches = Array.from({ length: 20 }, (_, i) => auditEvents(25, `b${i}-`));
  const acked: AuditEvent[] = [];
  for (const [i, batch] of batches.entries()) {
    if (i === 6) await leader.stop();
    // What a backend does: retry the whole batch until it is acked (the duplicate window drops repeats).
    for (;;) {
      try {
        await sender.publish(batch);
        acked.push(...batch);
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
  await sender.close();
  expect(acked).toHaveLength(500);

  // The survivors may still be electing the account's JetStream meta leader on a slow machine: read once they answer.
  const stored = await eventually(() => readStream(survivors, 'CLUSTER'));
  expect(stored.messages).toBe(500);
  expect(new Set(stored.ids)).toEqual(new Set(acked.map((event) => `${event.auditID}/${event.stage}`)));
  // A new leader was elected among the survivors.
  expect(await eventually(() => streamLeader(survivors))).not.toBe(leaderName);
}, 60_000);
