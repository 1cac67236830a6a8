import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import express from 'express';
import type { Express, Request } from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditEvent } from '../../src/events/Event.js';
import { auditMiddleware } from '../../src/express/auditMiddleware.js';
import { ANONYMOUS_USER } from '../../src/express/AuditRequestOptions.js';
import type { AuditMiddlewareOptions } from '../../src/express/auditMiddleware.js';
import type { Policy } from '../../src/policy/Policy.js';
import { close, httpRequest, listen } from './httpRequest.js';
import { recordingBackend } from './recordingBackend.js';
import type { RecordingBackend } from './recordingBackend.js';

const MICRO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const metadataPolicy: Policy = { rules: [{ level: 'Metadata' }] };
let servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.map(close));
  servers = [];
});

interface Setup {
  backend: RecordingBackend;
  server: Server;
  handled: string[];
}

/** A real Express 5 app on a real port, with the middleware in front and a few routes. */
async function setup(
  options: Partial<AuditMiddlewareOptions> = {},
  routes: (app: Express, handled: string[]) => void = defaultRoutes,
): Promise<Setup> {
  const backend = recordingBackend();
  const handled: string[] = [];
  const audit = auditMiddleware({ backend, policy: metadataPolicy, ...options });
  const app = express();
  app.use(express.json(), audit);
  routes(app, handled);
  app.use(audit.panicHandler);
  const server = await listen(app.listen(0, '127.0.0.1'));
  servers.push(server);
  return { backend, server, handled };
}

function defaultRoutes(app: Express, handled: string[]) {
  app.all('/{*path}', (req, res) => {
    handled.push(`${req.method} ${req.originalUrl}`);
    res.status(req.method === 'POST' ? 201 : 200).json({ ok: true, echo: req.body as unknown });
  });
}

/** Waits for the asynchronous `ResponseComplete`/`Panic` events. */
async function eventsOf(backend: RecordingBackend, count: number): Promise<AuditEvent[]> {
  await vi.waitFor(() => expect(backend.events).toHaveLength(count), { timeout: 2000, interval: 5 });
  // Give a wrongly emitted extra event the chance to show up.
  await new Promise((resolve) => setImmediate(resolve));
  expect(backend.events).toHaveLength(count);
  return backend.events;
}

describe('auditMiddleware', () => {
  it('matches the policy against the path the server routes (dot segments kept), and a target URL rejects is still served', async () => {
    const policy: Policy = {
      rules: [{ level: 'None', nonResourceURLs: ['/healthz*'] }, { level: 'Metadata' }],
    };
    const { backend, server, handled } = await setup({ policy });
    for (const target of ['/healthz', '/admin/../healthz', '/admin/%2e%2e/healthz', '//[']) {
      expect((await httpRequest(server, 'GET', target)).status).toBe(200);
    }
    expect(handled).toHaveLength(4);
    const events = await eventsOf(backend, 6); // two stages each, /healthz not audited
    expect([...new Set(events.map((e) => e.requestURI))]).toEqual([
      '/admin/../healthz',
      '/admin/%2e%2e/healthz',
      '//[',
    ]);
  });

  it('records RequestReceived and ResponseComplete with the request fields, at Metadata without bodies', async () => {
    const { backend, server } = await setup({
      resolveUser: (req: Request) => ({
        username: String(req.headers['x-user']),
        groups: ['system:authenticated'],
      }),
    });
    const response = await httpRequest(server, 'POST', '/orders?dryRun=true', {
      headers: { 'user-agent': 'spec/1.0', 'x-user': 'alice', 'x-forwarded-for': '203.0.113.7, 10.0.0.2' },
      body: { item: 'book' },
    });
    expect(response.status).toBe(201);
    expect(JSON.parse(response.body)).toEqual({ ok: true, echo: { item: 'book' } });

    const [received, complete] = await eventsOf(backend, 2);
    const auditID = response.headers['audit-id'];
    expect(auditID).toMatch(UUID);
    const common = {
      level: 'Metadata',
      auditID,
      requestURI: '/orders?dryRun=true',
      verb: 'post',
      user: { username: 'alice', groups: ['system:authenticated'] },
      sourceIPs: ['203.0.113.7', '10.0.0.2', '127.0.0.1'],
      userAgent: 'spec/1.0',
    };
    expect(received).toEqual({
      ...common,
      stage: 'RequestReceived',
      requestReceivedTimestamp: expect.stringMatching(MICRO_TIMESTAMP),
      stageTimestamp: expect.stringMatching(MICRO_TIMESTAMP),
    });
    expect(complete).toEqual({
      ...common,
      stage: 'ResponseComplete',
      requestReceivedTimestamp: received?.requestReceivedTimestamp,
      stageTimestamp: expect.stringMatching(MICRO_TIMESTAMP),
      responseStatus: { metadata: {}, code: 201 },
    });
    expect(String(complete?.stageTimestamp) >= String(complete?.requestReceivedTimestamp)).toBe(true);
  });

  it('records the request body at level Request and both bodies at RequestResponse, only on completion', async () => {
    const policy: Policy = {
      rules: [
        { level: 'RequestResponse', nonResourceURLs: ['/full*'] },
        { level: 'Request', nonResourceURLs: ['/request*'] },
      ],
    };
    const { backend, server } = await setup({ policy });
    await httpRequest(server, 'PUT', '/request/1', { body: { name: 'one' } });
    const [requestReceived, requestComplete] = await eventsOf(backend, 2);
    expect(requestReceived).not.toHaveProperty('requestObject');
    expect(requestComplete).toMatchObject({ level: 'Request', verb: 'put', requestObject: { name: 'one' } });
    expect(requestComplete).not.toHaveProperty('responseObject');

    backend.events.length = 0;
    await httpRequest(server, 'PATCH', '/full/2', { body: { name: 'two' } });
    const [fullReceived, fullComplete] = await eventsOf(backend, 2);
    expect(fullReceived).not.toHaveProperty('requestObject');
    expect(fullReceived).not.toHaveProperty('responseObject');
    expect(fullComplete).toMatchObject({
      level: 'RequestResponse',
      verb: 'patch',
      requestObject: { name: 'two' },
      responseObject: { ok: true, echo: { name: 'two' } },
    });
  });

  it('records text responses as strings and leaves out bodies over maxBodyBytes', async () => {
    const { backend, server } = await setup(
      { policy: { rules: [{ level: 'RequestResponse' }] }, maxBodyBytes: 10 },
      (app) => {
        app.get('/short', (_req, res) => res.type('text/plain').send('tiny'));
        app.get('/long', (_req, res) => res.type('text/plain').send('far too long for ten bytes'));
      },
    );
    await httpRequest(server, 'GET', '/short');
    expect((await eventsOf(backend, 2))[1]).toMatchObject({ responseObject: 'tiny' });
    backend.events.length = 0;
    await httpRequest(server, 'GET', '/long');
    expect((await eventsOf(backend, 2))[1]).not.toHaveProperty('responseObject');
  });

  it('honours an incoming Audit-ID header and sends it back', async () => {
    const { backend, server } = await setup();
    const response = await httpRequest(server, 'GET', '/x', { headers: { 'Audit-ID': 'from-the-proxy-42' } });
    expect(response.headers['audit-id']).toBe('from-the-proxy-42');
    expect((await eventsOf(backend, 2)).map((event) => event.auditID)).toEqual([
      'from-the-proxy-42',
      'from-the-proxy-42',
    ]);
  });

  it('lists X-Forwarded-For, then X-Real-Ip, then the remote address', async () => {
    const { backend, server } = await setup();
    await httpRequest(server, 'GET', '/ips', {
      headers: { 'x-forwarded-for': '198.51.100.1,not-an-ip, 2001:db8::1', 'x-real-ip': '192.0.2.9' },
    });
    expect((await eventsOf(backend, 2))[0]?.sourceIPs).toEqual([
      '198.51.100.1',
      '2001:db8::1',
      '192.0.2.9',
      '127.0.0.1',
    ]);
  });

  it('records the anonymous user when resolveUser gives none', async () => {
    const { backend, server } = await setup();
    await httpRequest(server, 'GET', '/anon');
    expect((await eventsOf(backend, 2))[0]?.user).toEqual({
      username: 'system:anonymous',
      groups: ['system:unauthenticated'],
    });
  });

  it("gives each request's events a user of their own: changing one changes no other request's", async () => {
    const { backend, server } = await setup();
    await httpRequest(server, 'GET', '/anon/1');
    const [first] = await eventsOf(backend, 2);
    first?.user?.groups?.push('changed-by-a-consumer');
    await httpRequest(server, 'GET', '/anon/2');
    const second = (await eventsOf(backend, 4))[2];
    expect(second?.user).toEqual({ username: 'system:anonymous', groups: ['system:unauthenticated'] });
    expect(second?.user).not.toBe(first?.user);
    expect(ANONYMOUS_USER.groups).toEqual(['system:unauthenticated']);
    expect(Object.isFrozen(ANONYMOUS_USER) && Object.isFrozen(ANONYMOUS_USER.groups)).toBe(true);
  });

  it.each([
    ['GET', '/api/v1/namespaces/default/pods/busybox', 'get'],
    ['GET', '/api/v1/namespaces/default/pods', 'list'],
    ['GET', '/api/v1/namespaces/default/pods?watch=true', 'watch'],
    ['POST', '/api/v1/namespaces/default/pods', 'create'],
    ['PUT', '/api/v1/namespaces/default/pods/busybox', 'update'],
    ['PATCH', '/api/v1/namespaces/default/pods/busybox', 'patch'],
    ['DELETE', '/api/v1/namespaces/default/pods/busybox', 'delete'],
    ['DELETE', '/api/v1/namespaces/default/pods', 'deletecollection'],
    ['GET', '/healthz', 'get'],
    ['OPTIONS', '/anything', 'options'],
  ])('records %s %s as verb %s', async (method, path, verb) => {
    const { backend, server } = await setup();
    await httpRequest(server, method, path);
    expect((await eventsOf(backend, 2)).map((event) => event.verb)).toEqual([verb, verb]);
  });

  it('records the objectRef of Kubernetes-style paths and matches resource rules with it', async () => {
    const policy: Policy = {
      rules: [
        { level: 'None', resources: [{ group: 'apps', resources: ['deployments/scale'] }] },
        { level: 'Request', resources: [{ group: 'apps', resources: ['deployments'] }], namespaces: ['web'] },
      ],
    };
    const { backend, server } = await setup({ policy });
    await httpRequest(server, 'PUT', '/apis/apps/v1/namespaces/web/deployments/front/scale', { body: {} });
    await httpRequest(server, 'PUT', '/apis/apps/v1/namespaces/web/deployments/front', {
      body: { spec: {} },
    });
    const [received, complete] = await eventsOf(backend, 2);
    expect(received).toMatchObject({
      level: 'Request',
      verb: 'update',
      objectRef: {
        resource: 'deployments',
        namespace: 'web',
        name: 'front',
        apiGroup: 'apps',
        apiVersion: 'v1',
      },
    });
    expect(complete?.requestObject).toEqual({ spec: {} });
  });

  it('audits routes as resources through resolveObjectRef', async () => {
    const policy: Policy = {
      rules: [{ level: 'Metadata', resources: [{ group: 'shop.example.com', resources: ['orders'] }] }],
    };
    const { backend, server } = await setup(
      {
        policy,
        resolveObjectRef: (req: Request) => {
          const match = /^\/orders(?:\/([^/?]+))?/.exec(req.originalUrl);
          return match
            ? { apiGroup: 'shop.example.com', resource: 'orders', ...(match[1] ? { name: match[1] } : {}) }
            : undefined;
        },
      },
      defaultRoutes,
    );
    await httpRequest(server, 'GET', '/orders');
    await httpRequest(server, 'GET', '/orders/7');
    await httpRequest(server, 'GET', '/customers/7'); // no rule matches: not audited
    const events = await eventsOf(backend, 4);
    expect(events.map((event) => [event.verb, event.objectRef])).toEqual([
      ['list', { apiGroup: 'shop.example.com', resource: 'orders' }],
      ['list', { apiGroup: 'shop.example.com', resource: 'orders' }],
      ['get', { apiGroup: 'shop.example.com', resource: 'orders', name: '7' }],
      ['get', { apiGroup: 'shop.example.com', resource: 'orders', name: '7' }],
    ]);
  });

  it('emits nothing at level None but still sets Audit-ID', async () => {
    const policy: Policy = {
      rules: [{ level: 'None', nonResourceURLs: ['/healthz*'] }, { level: 'Metadata' }],
    };
    const { backend, server, handled } = await setup({ policy });
    const response = await httpRequest(server, 'GET', '/healthz/ready');
    expect(response.status).toBe(200);
    expect(response.headers['audit-id']).toMatch(UUID);
    await httpRequest(server, 'GET', '/other');
    expect((await eventsOf(backend, 2)).map((event) => event.requestURI)).toEqual(['/other', '/other']);
    expect(handled).toEqual(['GET /healthz/ready', 'GET /other']);
  });

  it('does not emit stages in the rule or policy omitStages', async () => {
    const { backend, server } = await setup({
      policy: { omitStages: ['RequestReceived'], rules: [{ level: 'Metadata' }] },
    });
    await httpRequest(server, 'GET', '/a');
    expect((await eventsOf(backend, 1)).map((event) => event.stage)).toEqual(['ResponseComplete']);

    const second = await setup({
      policy: { rules: [{ level: 'Metadata', omitStages: ['ResponseComplete'] }] },
    });
    await httpRequest(second.server, 'GET', '/b');
    expect((await eventsOf(second.backend, 1)).map((event) => event.stage)).toEqual(['RequestReceived']);
  });

  describe('strict mode', () => {
    it('fails the request with 500 and never runs the handler when RequestReceived is not stored', async () => {
      const { backend, server, handled } = await setup({ strict: true });
      backend.accept = () => false;
      const response = await httpRequest(server, 'POST', '/orders', { body: { item: 'book' } });
      expect(response.status).toBe(500);
      expect(response.body).toBe('failed to store audit event');
      expect(response.headers['audit-id']).toMatch(UUID);
      expect(handled).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(backend.events).toEqual([]);
    });

    it('fails the request when processEvents rejects, and reports the event on stderr (not silently lost)', async () => {
      const { backend, server, handled } = await setup({ strict: true });
      backend.accept = () => Promise.reject(new Error('disk full'));
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        const response = await httpRequest(server, 'GET', '/x');
        expect([response.status, response.body, handled]).toEqual([500, 'failed to store audit event', []]);
        const lines = stderr.mock.calls.map((c) => String(c[0]));
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(`plugin=${backend.name} reason=send-failed events=1`);
        expect(lines[0]).toContain(`${backend.name}.processEvents rejected`);
        expect(lines[0]).toContain(response.headers['audit-id'] as string);
      } finally {
        stderr.mockRestore();
      }
    });

    it('runs the handler only after the backend stored RequestReceived', async () => {
      const order: string[] = [];
      const { backend, server } = await setup({ strict: true }, (app) => {
        app.get('/x', (_req, res) => {
          order.push('handler');
          res.send('ok');
        });
      });
      backend.accept = async (event) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        order.push(`stored ${event.stage}`);
        return true;
      };
      const response = await httpRequest(server, 'GET', '/x');
      expect(response.status).toBe(200);
      await eventsOf(backend, 2);
      expect(order).toEqual(['stored RequestReceived', 'handler', 'stored ResponseComplete']);
    });

    it('is off by default: a refusing backend does not stop the request', async () => {
      const { backend, server, handled } = await setup();
      backend.accept = () => false;
      const response = await httpRequest(server, 'GET', '/x');
      expect(response.status).toBe(200);
      expect(handled).toEqual(['GET /x']);
    });
  });

  describe('Panic', () => {
    const failing = (app: Express) => {
      app.get('/sync', () => {
        throw new Error('boom: secret=hunter2');
      });
      app.get('/async', async () => {
        await Promise.resolve();
        throw new Error('async boom');
      });
      app.get('/missing', () => {
        throw Object.assign(new Error('no such order'), { status: 404 });
      });
    };

    it.each(['/sync', '/async'])('records Panic instead of ResponseComplete when %s throws', async (path) => {
      const { backend, server } = await setup({ policy: { rules: [{ level: 'Request' }] } }, failing);
      const response = await httpRequest(server, 'GET', path);
      expect(response.status).toBe(500);
      const [received, panic] = await eventsOf(backend, 2);
      expect(received?.stage).toBe('RequestReceived');
      expect(panic).toMatchObject({
        stage: 'Panic',
        auditID: received?.auditID,
        responseStatus: { status: 'Failure', reason: 'InternalError', code: 500 },
      });
      expect(JSON.stringify(panic)).not.toContain('hunter2');
    });

    it('records a client error (4xx status) as ResponseComplete, not Panic', async () => {
      const { backend, server } = await setup({}, failing);
      const response = await httpRequest(server, 'GET', '/missing');
      expect(response.status).toBe(404);
      expect((await eventsOf(backend, 2)).map((event) => [event.stage, event.responseStatus?.code])).toEqual([
        ['RequestReceived', undefined],
        ['ResponseComplete', 404],
      ]);
    });

    it('omits Panic when the policy says so', async () => {
      const { backend, server } = await setup(
        { policy: { rules: [{ level: 'Metadata', omitStages: ['Panic'] }] } },
        failing,
      );
      await httpRequest(server, 'GET', '/sync');
      expect((await eventsOf(backend, 1)).map((event) => event.stage)).toEqual(['RequestReceived']);
    });
  });

  describe('options', () => {
    const backend = recordingBackend();
    it.each<[string, unknown, string]>([
      ['no backend', { policy: metadataPolicy }, 'backend must be an AuditBackend, got nothing'],
      [
        'strict not boolean',
        { backend, policy: metadataPolicy, strict: 'yes' },
        'strict must be a boolean, got "yes"',
      ],
      [
        'negative maxBodyBytes',
        { backend, policy: metadataPolicy, maxBodyBytes: -1 },
        'maxBodyBytes must be a non-negative integer, got -1',
      ],
      [
        'resolveUser not a function',
        { backend, policy: metadataPolicy, resolveUser: 'x' },
        'resolveUser must be a function, got "x"',
      ],
      [
        'a malformed policy',
        { backend, policy: { rules: [{ level: 'Everything' }] } },
        'rules.0.level: expected one of None|Metadata|Request|RequestResponse, got "Everything"',
      ],
    ])('rejects %s', (_name, options, message) => {
      expect(() => auditMiddleware(options as AuditMiddlewareOptions)).toThrow(message);
    });

    it('fails the request when resolveUser rejects', async () => {
      const { server, handled } = await setup({ resolveUser: () => Promise.reject(new Error('bad token')) });
      const response = await httpRequest(server, 'GET', '/x');
      expect(response.status).toBe(500);
      expect(handled).toEqual([]);
    });
  });
});

/** Sends a raw HTTP/1.1 request and closes the connection after `closeAfterMs`, without reading an answer. */
async function sendAndHangUp(server: Server, head: string, closeAfterMs: number): Promise<void> {
  const { port } = server.address() as AddressInfo;
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(head);
  await sleep(closeAfterMs);
  socket.destroy();
}

/** Sends a raw HTTP/1.1 request and resolves with the whole answer. */
async function rawRequest(server: Server, head: string): Promise<string> {
  const { port } = server.address() as AddressInfo;
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.write(head);
  await new Promise((resolve) => socket.once('close', resolve));
  return Buffer.concat(chunks).toString('utf8');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('auditMiddleware when the client goes away', () => {
  it('records the code the handler sets after the client has gone, not a default 200', async () => {
    const { backend, server } = await setup({}, (app) =>
      app.get('/slow', async (_req, res) => {
        await sleep(100);
        res.status(503).json({ error: 'backend unavailable' });
      }),
    );
    await sendAndHangUp(server, 'GET /slow HTTP/1.1\r\nHost: a\r\n\r\n', 20);
    const [, complete] = await eventsOf(backend, 2);
    expect(complete).toMatchObject({ stage: 'ResponseComplete', responseStatus: { code: 503 } });
  });

  it('records a panic after the client has gone as Panic', async () => {
    const { backend, server } = await setup({}, (app) =>
      app.get('/slow', async () => {
        await sleep(100);
        throw new Error('boom');
      }),
    );
    await sendAndHangUp(server, 'GET /slow HTTP/1.1\r\nHost: a\r\n\r\n', 20);
    const [, last] = await eventsOf(backend, 2);
    expect(last).toMatchObject({ stage: 'Panic', responseStatus: { code: 500 } });
  });

  it('records the response of a request whose client went away while its user was resolved', async () => {
    const resolveUser = async () => {
      await sleep(100);
      return { username: 'late' };
    };
    const { backend, server, handled } = await setup({ resolveUser }, (app, handled) =>
      app.delete('/things/a', (_req, res) => {
        handled.push('delete');
        res.status(204).end();
      }),
    );
    await sendAndHangUp(server, 'DELETE /things/a HTTP/1.1\r\nHost: a\r\n\r\n', 20);
    const events = await eventsOf(backend, 2);
    expect(handled).toEqual(['delete']);
    expect(events.map((e) => [e.stage, e.responseStatus?.code])).toEqual([
      ['RequestReceived', undefined],
      ['ResponseComplete', 204],
    ]);
  });
});

describe('auditMiddleware and hostile input', () => {
  it('keeps the credentials of an absolute-form target out of requestURI', async () => {
    const { backend, server } = await setup();
    const answer = await rawRequest(
      server,
      'GET http://alice:s3cr3t@example.com/x?y=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    const events = await eventsOf(backend, 2);
    expect(events.map((e) => e.requestURI)).toEqual(['/x?y=1', '/x?y=1']);
    expect(JSON.stringify(events)).not.toContain('s3cr3t');
  });

  it('leaves a request body over maxBodyBytes out of the event and keeps the event', async () => {
    const policy: Policy = { rules: [{ level: 'Request' }] };
    const { backend, server } = await setup({ policy, maxBodyBytes: 1024 });
    await httpRequest(server, 'POST', '/small', { body: { a: 'x'.repeat(100) } });
    await httpRequest(server, 'POST', '/large', { body: { a: 'x'.repeat(5000) } });
    const events = await eventsOf(backend, 4);
    const complete = events.filter((e) => e.stage === 'ResponseComplete');
    expect(complete.map((e) => [e.requestURI, e.requestObject !== undefined])).toEqual([
      ['/small', true],
      ['/large', false],
    ]);
  });

  it("cuts a User-Agent as the apiserver does and lists one IPv6 address once, in Go's form", async () => {
    const { backend, server } = await setup();
    await httpRequest(server, 'GET', '/', {
      headers: {
        'user-agent': 'u'.repeat(5000),
        'x-forwarded-for': '2001:db8::1',
        'x-real-ip': '2001:DB8:0:0::1', // the same address: not listed again
      },
    });
    const [received] = await eventsOf(backend, 2);
    expect(received!.userAgent).toBe(`${'u'.repeat(1024)}...TRUNCATED`);
    expect(received!.sourceIPs).toEqual(['2001:db8::1', '127.0.0.1']);
  });
});
