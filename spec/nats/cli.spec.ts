// The built CLI with --jetstream: `serve --jetstream URL --subject S` as a gateway (200 only after every ack,
// 503 + Retry-After: 1 while NATS is unavailable) and `ship FILE --jetstream URL --subject S`.
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEvent } from '../../src/events/encodeEvent.js';
import { encodeEventList } from '../../src/events/encodeEventList.js';
import { ensureAuditStream } from '../../src/nats/ensureAuditStream.js';
import { assertBuilt, LIGGITT, decodeFile, deliveredCount, runCli, startServe } from '../cli/builtCli.js';
import { auditEvents } from '../helpers/fixtures.js';
import type { NatsServer } from './fixtures/natsServer.js';
import { readStream, removeStoreDirs, startNatsServer } from './fixtures/natsServer.js';

let server: NatsServer;
let dir: string;
beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'rx-audit-nats-cli-'));
  server = await startNatsServer();
  await ensureAuditStream({ servers: server.url, stream: 'CLI', subjects: ['cli.>'] });
});
afterAll(async () => {
  await server.stop();
  removeStoreDirs();
  rmSync(dir, { recursive: true, force: true });
});

function post(
  url: string,
  body: string,
): Promise<{ status: number; retryAfter: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          retryAfter: res.headers['retry-after'] as string | undefined,
          text,
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('rx-audit serve --jetstream', () => {
  it('answers 200 after publishing every event once (a repeated POST is stored once)', async () => {
    const serve = await startServe(['--no-summary', '--jetstream', server.url, '--subject', 'cli.gateway']);
    const events = auditEvents(30, 'gw-');
    const body = JSON.stringify(encodeEventList(events));
    expect((await post(serve.url, body)).status).toBe(200);
    expect((await post(serve.url, body)).status).toBe(200);
    await serve.stop();
    const stored = await readStream(server.url, 'CLI');
    expect(stored.ids.filter((id) => id.startsWith('gw-'))).toEqual(
      events.map((e) => `${e.auditID}/${e.stage}`),
    );
  });

  it('answers 503 with Retry-After: 1 while NATS is down', async () => {
    const own = await startNatsServer();
    await ensureAuditStream({ servers: own.url, stream: 'DOWN', subjects: ['down.>'] });
    const serve = await startServe([
      '--no-summary',
      '--jetstream',
      own.url,
      '--subject',
      'down.x',
      '--publish-timeout',
      '500',
    ]);
    await own.stop();
    const answer = await post(serve.url, JSON.stringify(encodeEventList(auditEvents(2))));
    expect(answer.status).toBe(503);
    expect(answer.retryAfter).toBe('1');
    await serve.stop();
  });

  it('needs --subject with --jetstream', async () => {
    const run = await runCli(['serve', '--port', '0', '--jetstream', server.url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--jetstream needs --subject');
  });
});

describe('rx-audit ship --jetstream', () => {
  it('ships a real log straight into the stream, one message per event', async () => {
    const expected = decodeFile(LIGGITT);
    const run = await runCli([
      'ship',
      LIGGITT,
      '--jetstream',
      server.url,
      '--subject',
      'cli.ship',
      '--no-progress',
    ]);
    expect(run.code).toBe(0);
    expect(deliveredCount(run.stdout)).toBe(expected.length);
    const stored = await readStream(server.url, 'CLI');
    const shipped = new Set(expected.map((e) => `${e.auditID}/${e.stage}`));
    expect(stored.ids.filter((id) => shipped.has(id))).toHaveLength(shipped.size);
  }, 60_000);

  it('exits 1 when no stream stores the subject, naming it', async () => {
    const log = join(dir, 'two.log');
    writeFileSync(
      log,
      auditEvents(2)
        .map((e) => JSON.stringify(encodeEvent(e)))
        .join('\n') + '\n',
    );
    const run = await runCli([
      'ship',
      log,
      '--jetstream',
      server.url,
      '--subject',
      'nowhere.x',
      '--no-progress',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain('no JetStream stream stores subject "nowhere.x"');
  });
});
