// Fan-in on NATS JetStream, end to end: two producers — a service whose batch backend publishes straight to
// JetStream, and `rx-audit ship` replaying a log through the gateway (`rx-audit serve --jetstream`), as an
// apiserver's audit webhook would — and a consumer that reads the stream with fromJetStream and acks each
// event after processing it.
//
//   npm run build && npx tsc -p examples/jetstream-fan-in && node dist/run/examples/jetstream-fan-in/fanIn.js
//
// against a local nats-server with JetStream (`nats-server -js`); NATS_URL overrides nats://127.0.0.1:4222.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { concatMap, filter, firstValueFrom, scan, takeWhile, timeout } from 'rxjs';
import type { AuditEvent } from '../../src/index.js';
import { createWebhookBackend, encodeEvent } from '../../src/index.js';
import { createJetStreamSender, ensureAuditStream, fromJetStream } from '../../src/nats/index.js';

/** The example's own stream, recreated on every run (never the `AUDIT` stream of a real deployment). */
export const STREAM = 'FAN_IN_EXAMPLE';
// The repository root: the nearest folder up with package.json (this file runs from examples/ under vitest
// and from dist/run/examples/ once compiled).
function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no repository root above ${from}`);
  }
}
const cli = join(findRepoRoot(dirname(fileURLToPath(import.meta.url))), 'dist/cjs/cli/main.js');

export interface FanInResult {
  /** Events each producer sent. */
  readonly sent: { readonly service: number; readonly ship: number };
  /** Events the consumer processed (and acked), by subject. */
  readonly processed: Readonly<Record<string, number>>;
  /** Distinct audit IDs processed. */
  readonly distinct: number;
  /** Messages in the stream at the end. */
  readonly stored: number;
}

function auditEvent(source: string, i: number): AuditEvent {
  const now = new Date().toISOString().replace('Z', '000Z');
  return {
    level: 'Metadata',
    auditID: randomUUID(),
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/${source}/configmaps/c${i}`,
    verb: i % 3 === 0 ? 'update' : 'get',
    user: { username: `system:serviceaccount:${source}:worker` },
    objectRef: { resource: 'configmaps', namespace: source, name: `c${i}`, apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: now,
    stageTimestamp: now,
  };
}

function run(args: string[]): { child: ChildProcess; output: Promise<string>; exit: Promise<number> } {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exit = new Promise<number>((done) => child.once('exit', (code) => done(code ?? 1)));
  return { child, output: exit.then(() => text), exit };
}

/** The gateway: `rx-audit serve --jetstream`, on a free port; resolves with its URL. */
async function startGateway(servers: string, subject: string) {
  const gateway = run(['serve', '--port', '0', '--no-summary', '--jetstream', servers, '--subject', subject]);
  const url = await new Promise<string>((done, fail) => {
    let text = '';
    gateway.child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /listening on (\S+)/.exec(text);
      if (match) done(match[1]!);
    });
    void gateway.output.then((all) => fail(new Error(`the gateway exited:\n${all}`)));
  });
  return { url, stop: () => (gateway.child.kill('SIGTERM'), gateway.exit) };
}

/**
 * Runs the whole fan-in once against `servers` and returns what the consumer saw.
 * @param options.events Events per producer. @default 200
 */
export async function runFanIn(options: { servers: string; events?: number }): Promise<FanInResult> {
  const { servers } = options;
  const count = options.events ?? 200;
  const nc = await connect({ servers });
  await (await jetstreamManager(nc)).streams.delete(STREAM).catch(() => false);
  await nc.close();
  await ensureAuditStream({ servers, stream: STREAM, subjects: ['fan-in.>'] });

  // Producer 1: a service auditing its own work with a batch backend whose sender is JetStream.
  const jetStream = await createJetStreamSender({ servers, subject: 'fan-in.service' });
  const backend = createWebhookBackend({
    mode: 'batch',
    sender: jetStream.send,
    batch: { maxBatchSize: 50, maxBatchWait: 100 },
  });
  backend.run();
  const serviceEvents = Array.from({ length: count }, (_, i) => auditEvent('billing', i));

  // Producer 2: `rx-audit ship` replays a log to the gateway, as an apiserver's audit webhook posts to it.
  const gateway = await startGateway(servers, 'fan-in.gateway');
  const dir = mkdtempSync(join(tmpdir(), 'rx-audit-fan-in-'));
  const log = join(dir, 'audit.log');
  const shipEvents = Array.from({ length: count }, (_, i) => auditEvent('kube-system', i));
  writeFileSync(log, shipEvents.map((event) => JSON.stringify(encodeEvent(event))).join('\n') + '\n');

  // The consumer: a durable pull consumer; each event is processed, then acked.
  const expected = count * 2;
  const processing = firstValueFrom(
    fromJetStream({ servers, stream: STREAM, durable: 'fan-in-indexer', maxMessages: 50 }).pipe(
      concatMap(async (message) => {
        const subject =
          message.event.objectRef?.namespace === 'billing' ? 'fan-in.service' : 'fan-in.gateway';
        // "Processing": a real consumer would index or alert here, idempotently by auditID + stage.
        await Promise.resolve();
        message.ack();
        return { id: message.event.auditID, subject };
      }),
      scan(
        (seen, { id, subject }) => {
          seen.ids.add(id);
          seen.processed[subject] = (seen.processed[subject] ?? 0) + 1;
          return seen;
        },
        { ids: new Set<string>(), processed: {} as Record<string, number> },
      ),
      takeWhile((seen) => seen.ids.size < expected, true),
      filter((seen) => seen.ids.size >= expected),
      timeout(30_000),
    ),
  );

  try {
    const shipping = run(['ship', log, '--url', gateway.url, '--max-batch-wait', '100', '--no-progress']);
    if (!(await backend.processEvents(...serviceEvents)))
      throw new Error('the service backend dropped events');
    await backend.shutdown();
    const shipCode = await shipping.exit;
    if (shipCode !== 0) throw new Error(`rx-audit ship exited with ${shipCode}:\n${await shipping.output}`);
    const seen = await processing;

    const check = await connect({ servers });
    const info = await (await jetstreamManager(check)).streams.info(STREAM);
    await check.close();
    return {
      sent: { service: backend.stats().delivered, ship: shipEvents.length },
      processed: seen.processed,
      distinct: seen.ids.size,
      stored: info.state.messages,
    };
  } finally {
    await jetStream.close();
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const servers = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
  runFanIn({ servers }).then(
    (result) => {
      console.log(`stream ${STREAM}: ${result.stored} messages`);
      console.log(`service sent ${result.sent.service}, ship sent ${result.sent.ship} through the gateway`);
      console.log(`consumer processed and acked ${result.distinct} distinct events:`, result.processed);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
