// JetStream benchmarks (issue 16): `npm run build && node bench/jetstream.mjs [--quick] [--events=N] [--rounds=R]`.
// Needs nats-server on PATH (started here on a free port with a temp store) and @nats-io/* installed.
//
// 1. Sender throughput: createJetStreamSender's publish, batch after batch of 100, against a bare
//    @nats-io/jetstream loop doing the same work: each event's JSON published with the same Nats-Msg-Id,
//    a batch waiting for all of its acks. Both publish events with fresh audit IDs (nothing is deduplicated).
// 2. Gateway: events/s from a batch backend POSTing to `rx-audit serve --jetstream` (built CLI), beside the
//    same backend POSTing to plain `rx-audit serve` (events only counted).
// Numbers depend on the machine: on a loaded one, compare only the ratios of the same run.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { loadCorpus, makeEvents, repoRoot } from './lib/corpus.mjs';
import { interleavedRounds, median } from './lib/part.mjs';

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key, value ?? true];
  }),
);
const quick = args.has('quick');
const n = Number(args.get('events') ?? (quick ? 5_000 : 50_000));
const rounds = Number(args.get('rounds') ?? (quick ? 1 : 3));
const BATCH = 100;

const core = await import('../dist/esm/index.js');
const nats = await import('../dist/esm/nats/index.js');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function waitForLine(child, stream, pattern, what) {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${text.slice(-1000)}`)), 15_000);
    child[stream].on('data', (chunk) => {
      text += chunk;
      const match = pattern.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}:\n${text.slice(-1000)}`)));
  });
}

async function startNats() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rx-audit-bench-nats-'));
  const config = join(dir, 'nats.conf');
  writeFileSync(config, `listen: 127.0.0.1:${port}\njetstream { store_dir: ${JSON.stringify(dir)} }\n`);
  const child = spawn('nats-server', ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  await waitForLine(child, 'stderr', /Server is ready/, 'nats-server');
  return {
    url: `nats://127.0.0.1:${port}`,
    stop() {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const corpus = loadCorpus(core.decodeEvent);
const server = await startNats();
const stream = 'BENCH';
await nats.ensureAuditStream({ servers: server.url, stream, subjects: ['bench.>'] });
const msgId = (event) => `${event.auditID}/${event.stage}`;

// ─── 1. sender vs bare publish loop ──────────────────────────────────────────
const nc = await connect({ servers: server.url });
const js = jetstream(nc);
const sender = await nats.createJetStreamSender({ servers: server.url, subject: 'bench.sender' });

const contenders = [
  {
    key: 'bare',
    label: 'bare @nats-io/jetstream loop',
    async run(events) {
      for (let i = 0; i < events.length; i += BATCH) {
        await Promise.all(
          events
            .slice(i, i + BATCH)
            .map((event) =>
              js.publish('bench.bare', JSON.stringify(core.encodeEvent(event)), { msgID: msgId(event) }),
            ),
        );
      }
    },
  },
  {
    key: 'sender',
    label: 'createJetStreamSender publish',
    async run(events) {
      for (let i = 0; i < events.length; i += BATCH) await sender.publish(events.slice(i, i + BATCH));
    },
  },
  {
    key: 'backend',
    label: 'createWebhookBackend + sender (batch 100)',
    async run(events) {
      const backend = core.createWebhookBackend({
        mode: 'batch',
        sender: sender.send,
        batch: { maxBatchSize: BATCH, maxBatchWait: 5, bufferSize: 10_000, maxInFlight: 4 },
        onError: () => {},
      });
      backend.run();
      for (let i = 0; i < events.length; i += 1_000) {
        if (!(await backend.processEvents(...events.slice(i, i + 1_000))))
          throw new Error('backend dropped events');
      }
      await backend.shutdown();
      const { delivered } = backend.stats();
      if (delivered !== events.length) throw new Error(`backend delivered ${delivered} of ${events.length}`);
    },
  },
];

// Fresh audit IDs for every run, made before any timing.
const runOnce = async (contender, count = n) => {
  const events = makeEvents(corpus, count);
  const t0 = performance.now();
  await contender.run(events);
  return performance.now() - t0;
};
for (const c of contenders) await runOnce(c, Math.min(2_000, n));
const times = await interleavedRounds(contenders, rounds, (c) => runOnce(c));
const rows = contenders.map((c) => {
  const ms = median(times[c.key]);
  return { label: c.label, ms, perSecond: Math.round((n / ms) * 1000) };
});
const bare = rows[0].perSecond;
console.log(
  `\nSender throughput: ${n} events, batches of ${BATCH}, median of ${rounds} (loaded machine: ratios only)`,
);
console.log('| contender | events/s | × bare |\n|---|---:|---:|');
for (const row of rows)
  console.log(`| ${row.label} | ${row.perSecond} | ${(row.perSecond / bare).toFixed(2)} |`);
await sender.close();

// ─── 2. gateway vs plain serve ───────────────────────────────────────────────
const cli = join(repoRoot, 'dist/cjs/cli/main.js');
async function startServe(extra) {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--no-summary', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [, url] = await waitForLine(child, 'stdout', /listening on (\S+)/, 'rx-audit serve');
  return { url, stop: () => child.kill('SIGTERM') };
}
async function throughServe(url, count) {
  const backend = core.createWebhookBackend({
    mode: 'batch',
    target: { url },
    batch: { maxBatchSize: BATCH, maxBatchWait: 5, bufferSize: 10_000, maxInFlight: 8 },
    onError: () => {},
  });
  backend.run();
  const events = makeEvents(corpus, count);
  const t0 = performance.now();
  for (let i = 0; i < events.length; i += 1_000) await backend.processEvents(...events.slice(i, i + 1_000));
  await backend.shutdown();
  const ms = performance.now() - t0;
  const { delivered } = backend.stats();
  if (delivered !== count) throw new Error(`${url}: delivered ${delivered} of ${count}`);
  return ms;
}
let gatewayRows;
try {
  const plain = await startServe([]);
  const gateway = await startServe(['--jetstream', server.url, '--subject', 'bench.gateway']);
  const serveContenders = [
    { key: 'plain', label: 'rx-audit serve (count only)', url: plain.url },
    { key: 'gateway', label: 'rx-audit serve --jetstream', url: gateway.url },
  ];
  for (const c of serveContenders) await throughServe(c.url, Math.min(2_000, n));
  const serveTimes = await interleavedRounds(serveContenders, rounds, (c) => throughServe(c.url, n));
  gatewayRows = serveContenders.map((c) => ({
    label: c.label,
    perSecond: Math.round((n / median(serveTimes[c.key])) * 1000),
  }));
  plain.stop();
  gateway.stop();
} catch (error) {
  console.log(`\nGateway: not measured (${error instanceof Error ? error.message.split('\n')[0] : error})`);
}
if (gatewayRows) {
  console.log(
    `\nGateway: ${n} events from a batch backend (batches of ${BATCH}, 8 in flight), median of ${rounds}`,
  );
  console.log('| receiver | events/s | × plain |\n|---|---:|---:|');
  for (const row of gatewayRows)
    console.log(
      `| ${row.label} | ${row.perSecond} | ${(row.perSecond / gatewayRows[0].perSecond).toFixed(2)} |`,
    );
}

const info = await (await jetstreamManager(nc)).streams.info(stream);
console.log(`\nstream ${stream}: ${info.state.messages} messages`);
await nc.close();
server.stop();
