import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startServe } from '../../src/cli/startServe.js';
import { httpRequest } from '../../spec/express/httpRequest.js';
import { createApp } from './main.js';

const dir = mkdtempSync(join(tmpdir(), 'rx-audit-nest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('the Nest app ships its audit events to rx-audit serve and drains them on close', async () => {
  const out = join(dir, 'events.jsonl');
  const serve = await startServe({ port: 0, host: '127.0.0.1', out, failRate: 0, delayMs: 0 });
  const app = await createApp({ webhookUrl: serve.url });
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;

  const created = await httpRequest(server, 'POST', '/orders', {
    headers: { 'x-demo-user': 'alice' },
    body: { item: 'lamp' },
  });
  expect(JSON.parse(created.body)).toEqual({ id: '1', item: 'lamp' });
  expect((await httpRequest(server, 'GET', '/orders/9')).status).toBe(404);
  expect((await httpRequest(server, 'GET', '/healthz')).status).toBe(200);

  await app.close(); // the batch window is 5 s: only the shutdown drain delivers these
  await serve.close();

  const events = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(events.map((event) => [event['stage'], event['verb'], event['requestURI'], event['level']])).toEqual(
    [
      ['RequestReceived', 'post', '/orders', 'RequestResponse'],
      ['ResponseComplete', 'post', '/orders', 'RequestResponse'],
      ['RequestReceived', 'get', '/orders/9', 'Request'],
      ['ResponseComplete', 'get', '/orders/9', 'Request'],
    ],
  );
  expect(events[1]).toMatchObject({
    auditID: created.headers['audit-id'],
    user: { username: 'alice', groups: ['system:authenticated'] },
    requestObject: { item: 'lamp' },
    responseObject: { id: '1', item: 'lamp' },
    annotations: { 'nestjs.rx-audit/controller': 'OrdersController', 'nestjs.rx-audit/handler': 'create' },
  });
  expect(events[3]).toMatchObject({ responseStatus: { code: 404 } });
});
