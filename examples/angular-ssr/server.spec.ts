import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startServe } from '../../src/cli/startServe.js';
import { httpRequest, listen } from '../../spec/express/httpRequest.js';
import { app } from './server.js';

const dir = mkdtempSync(join(tmpdir(), 'rx-audit-ssr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('the Angular SSR server ships its audit events to rx-audit serve', async () => {
  const out = join(dir, 'events.jsonl');
  const serve = await startServe({ port: 0, host: '127.0.0.1', out, failRate: 0, delayMs: 0 });
  const { server, backend } = app({ webhookUrl: serve.url });
  const listener: Server = await listen(server.listen(0, '127.0.0.1'));

  const page = await httpRequest(listener, 'GET', '/products/3');
  expect(page.body).toBe('<!doctype html><app-root>rendered /products/3</app-root>');
  const created = await httpRequest(listener, 'POST', '/api/orders', {
    headers: { 'x-demo-user': 'alice' },
    body: { item: 'lamp' },
  });
  expect(created.status).toBe(201);
  await httpRequest(listener, 'GET', '/healthz');

  // What the example's SIGTERM handler does: stop serving, then drain the backend.
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  await backend.shutdown();
  await serve.close();

  const lines = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines.map((event) => [event['stage'], event['verb'], event['requestURI'], event['level']])).toEqual([
    ['ResponseComplete', 'get', '/products/3', 'Metadata'],
    ['ResponseComplete', 'post', '/api/orders', 'RequestResponse'],
  ]);
  expect(lines[1]).toMatchObject({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    auditID: created.headers['audit-id'],
    user: { username: 'alice' },
    requestObject: { item: 'lamp' },
    responseObject: { id: '1', item: 'lamp' },
    responseStatus: { code: 201 },
  });
});
