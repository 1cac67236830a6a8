import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { ClientRequest, createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import { auditWebhook } from '../../src/operators/auditWebhook.js';
import { startReceiver } from '../../src/testing/receiver.js';
import type { Receiver, ReceiverOptions } from '../../src/testing/receiver.js';
import { GZIP_LEVEL, createHttpSender } from '../../src/transport/httpSender.js';
import type { HttpSender } from '../../src/transport/httpSender.js';
import type { WebhookTarget } from '../../src/contract/WebhookTarget.js';
import { isRetryable, isWebhookError } from '../../src/transport/WebhookError.js';
import { cancelsOnUnsubscribe } from '../../src/transport/sendAttempt.js';
import type { WebhookError } from '../../src/transport/WebhookError.js';
import type { AuditBatch } from '../../src/contract/AuditSender.js';
import { auditEvent } from '../helpers/fixtures.js';
import { never, sampleBatch } from './fixtures/batches.js';
import { generateTls } from './fixtures/tls.js';
import type { TlsFixture } from './fixtures/tls.js';

const open: { receivers: Receiver[]; senders: HttpSender[] } = { receivers: [], senders: [] };

async function receiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const r = await startReceiver(options);
  open.receivers.push(r);
  return r;
}

function sender(target: WebhookTarget, timeout?: number, compression?: 'none' | 'gzip'): HttpSender {
  const s = createHttpSender(target, {
    ...(timeout === undefined ? {} : { timeout }),
    ...(compression === undefined ? {} : { compression }),
  });
  open.senders.push(s);
  return s;
}

/** One attempt: resolves with what the sender emitted, rejects with its error. */
function post(s: HttpSender, batch: AuditBatch = sampleBatch(), signal = never()): Promise<unknown[]> {
  return lastValueFrom(from(s.send(batch, signal)).pipe(toArray()));
}

async function failure(promise: Promise<unknown>): Promise<WebhookError> {
  const err = await promise.then(
    () => {
      throw new Error('expected the send to fail');
    },
    (e: unknown) => e,
  );
  expect(isWebhookError(err)).toBe(true);
  return err as WebhookError;
}

/** Everything an error exposes as text: message, stack, cause. */
function errorText(err: Error): string {
  const cause =
    err.cause instanceof Error
      ? `${err.cause.name} ${err.cause.message} ${err.cause.stack ?? ''}`
      : String(err.cause);
  return `${err.message} ${err.stack ?? ''} ${cause} ${JSON.stringify(err)}`;
}

/** Servers that answer 200 at once, then send `chunks` bytes one every `everyMs` before ending. */
const trickling = { servers: [] as Server[], closedEarly: 0, requests: 0 };

async function tricklingServer(chunks: number, everyMs: number): Promise<string> {
  const server = createServer((req, res) => {
    trickling.requests++;
    req.resume();
    res.writeHead(200, { 'Content-Type': 'application/json' });
    let sent = 0;
    const tick = setInterval(() => {
      if (res.destroyed) return;
      res.write(' ');
      if (++sent === chunks) {
        clearInterval(tick);
        res.end();
      }
    }, everyMs);
    res.on('close', () => {
      clearInterval(tick);
      if (sent < chunks) trickling.closedEarly++;
    });
  });
  trickling.servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/audit`;
}

afterEach(async () => {
  vi.restoreAllMocks();
  trickling.closedEarly = 0;
  trickling.requests = 0;
  for (const server of trickling.servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  for (const s of open.senders.splice(0)) s.close();
  await Promise.all(open.receivers.splice(0).map((r) => r.close()));
});

describe('createHttpSender over HTTP', () => {
  it('POSTs the EventList body as-is to the URL (path and query kept) with Content-Type application/json', async () => {
    const r = await receiver();
    const batch = sampleBatch(3);
    const s = sender({ url: `${r.url}apis/audit/v1/events?cluster=a` });

    await expect(post(s, batch)).resolves.toEqual([undefined]);

    expect(r.requests).toHaveLength(1);
    const [request] = r.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/apis/audit/v1/events?cluster=a');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body).toBe(batch.body);
    expect(r.events.map((e) => e.auditID)).toEqual(batch.events.map((e) => e.auditID));
  });

  it('treats any 2xx as delivered', async () => {
    const r = await receiver({ respond: () => ({ status: 204 }) });
    await expect(post(sender({ url: r.url }))).resolves.toEqual([undefined]);
    expect(r.requests.map((q) => q.reply)).toEqual([204]);
  });

  it('500 is a retryable WebhookError naming the URL and status, and the next attempt succeeds', async () => {
    const r = await receiver();
    r.failNext(1, 500);
    const s = sender({ url: `${r.url}audit` });
    const batch = sampleBatch(2);

    const err = await failure(post(s, batch));
    expect(err.message).toBe(
      `audit webhook POST ${r.url}audit failed: 500 Internal Server Error: injected failure 500`,
    );
    expect(err.status).toBe(500);
    expect(err.retryable).toBe(true);
    expect(isRetryable(err)).toBe(true);

    await post(s, batch);
    expect(r.requests.map((q) => [q.reply, q.attempt])).toEqual([
      [500, 1],
      [200, 2],
    ]);
    expect(r.events).toHaveLength(2);
  });

  it('400 is final (not retryable) and 408 is retryable', async () => {
    const r = await receiver();
    r.failNext(1, { status: 400, body: 'bad list' });
    r.failNext(1, 408);
    const s = sender({ url: r.url });

    const bad = await failure(post(s));
    expect(bad.status).toBe(400);
    expect(bad.retryable).toBe(false);
    expect(isRetryable(bad)).toBe(false);
    expect(bad.message).toMatch(/failed: 400 Bad Request: bad list$/);

    const slow = await failure(post(s));
    expect([slow.status, slow.retryable]).toEqual([408, true]);
  });

  it('429 and 503 carry Retry-After (seconds or HTTP date) capped at 60 s; other statuses ignore it', async () => {
    const r = await receiver();
    r.failNext(1, { status: 429, retryAfter: 2 });
    r.failNext(1, { status: 503, retryAfter: 3600 });
    r.failNext(1, { status: 429, retryAfter: new Date(Date.now() + 3_600_000).toUTCString() });
    r.failNext(1, { status: 500, retryAfter: 5 });
    r.failNext(1, 429);
    const s = sender({ url: r.url });

    const results: [number | undefined, boolean, number | undefined][] = [];
    for (let i = 0; i < 5; i++) {
      const err = await failure(post(s));
      results.push([err.status, err.retryable, err.retryAfterMs]);
    }
    expect(results).toEqual([
      [429, true, 2000],
      [503, true, 60_000],
      [429, true, 60_000],
      [500, true, undefined],
      [429, true, undefined],
    ]);
  });

  it('a 3xx redirect is not followed (credentials stay put) and is final', async () => {
    const target = await receiver();
    const r = await receiver({ token: 'redirect-secret' });
    r.failNext(1, { status: 307, headers: { Location: target.url } });
    const err = await failure(post(sender({ url: r.url, token: 'redirect-secret' })));
    expect([err.status, err.retryable]).toEqual([307, false]);
    expect(target.requests).toHaveLength(0);
  });

  it('a connection reset is a retryable network error', async () => {
    const r = await receiver();
    r.failNext(1, 'reset');
    const s = sender({ url: r.url });
    const err = await failure(post(s));
    expect(err.status).toBeUndefined();
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(
      new RegExp(`^audit webhook POST ${r.url} failed: .*(ECONNRESET|socket hang up)`),
    );
    await post(s);
    expect(r.requests.map((q) => q.reply)).toEqual(['reset', 200]);
  });

  it('connection refused is retryable, and delivery works once the server comes up on that port', async () => {
    const probe = await startReceiver();
    const { port } = probe;
    await probe.close();
    const s = sender({ url: `http://127.0.0.1:${port}/audit` });

    const err = await failure(post(s));
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).toMatch(new RegExp(`^audit webhook POST http://127.0.0.1:${port}/audit failed: `));

    const r = await receiver({ port });
    const batch = sampleBatch(1);
    await post(s, batch);
    expect(r.events.map((e) => e.auditID)).toEqual([batch.events[0]?.auditID]);
  });

  it('a hanging server fails after the timeout, retryably, with one request on the server', async () => {
    const r = await receiver();
    r.failNext(1, 'hang');
    const s = sender({ url: r.url }, 200);
    const err = await failure(post(s));
    expect(err.message).toBe(`audit webhook POST ${r.url} failed: timeout of 200ms exceeded`);
    expect(err.retryable).toBe(true);
    expect(r.requests.map((q) => q.reply)).toEqual(['hang']);
  });

  it('a server that answers too slowly times out too', async () => {
    const r = await receiver({ delayMs: 600 });
    const err = await failure(post(sender({ url: r.url }, 150)));
    expect(err.message).toBe(`audit webhook POST ${r.url} failed: timeout of 150ms exceeded`);
    expect(err.retryable).toBe(true);
  });

  it("the timeout is axios' socket timeout: a response that keeps trickling in is not cut off", async () => {
    // The absolute per-attempt deadline belongs to the caller's scheduler (see the backend test below);
    // the sender itself sets no timer of its own.
    const url = await tricklingServer(8, 40);
    await expect(post(sender({ url }, 150))).resolves.toEqual([undefined]);
  });

  it("a webhook backend's timeout bounds the whole round trip on its scheduler, aborting the request", async () => {
    const url = await tricklingServer(50, 40);
    const errors: string[] = [];
    const backend = createWebhookBackend({
      mode: 'blocking',
      target: { url },
      timeout: 150,
      onError: (e) => errors.push(e.error.message),
    });
    backend.run();
    expect(await backend.processEvents(auditEvent('slow'))).toBe(false);
    await backend.shutdown();
    expect(errors).toEqual(['audit send timed out after 150 ms']);
    await vi.waitFor(() => expect(trickling.closedEarly).toBe(1));
  });

  it("a webhook backend's shutdown deadline cancels the request in flight by unsubscribing", async () => {
    const url = await tricklingServer(50, 40);
    const destroy = vi.spyOn(ClientRequest.prototype, 'destroy');
    const errors: string[] = [];
    const backend = createWebhookBackend({
      mode: 'blocking',
      target: { url },
      onError: (e) => errors.push(e.error.message),
    });
    backend.run();
    const call = backend.processEvents(auditEvent('slow'));
    await vi.waitFor(() => expect(trickling.requests).toBe(1)); // the request is in flight
    expect(destroy).not.toHaveBeenCalled();
    await backend.shutdown({ timeout: 50 });
    expect(await call).toBe(false);
    expect(errors).toEqual([
      'audit webhook shutdown deadline of 50 ms passed before delivery (1 attempts made)',
    ]);
    // The request itself was cancelled (axios destroys it with its CanceledError), not only its socket
    // when the backend closed its agents afterwards.
    expect(destroy.mock.calls.map(([error]) => (error as Error | undefined)?.name)).toEqual([
      'CanceledError',
    ]);
  });

  it('does not abort a request that has finished', async () => {
    const r = await receiver();
    const destroy = vi.spyOn(ClientRequest.prototype, 'destroy');
    await post(sender({ url: r.url }));
    await post(sender({ url: r.url }));
    expect(destroy).not.toHaveBeenCalled();
    expect(r.requests).toHaveLength(2);
  });

  it('is marked as cancelling on unsubscribe, so attempts need no AbortController', () => {
    expect(cancelsOnUnsubscribe(sender({ url: 'http://127.0.0.1:1/' }).send)).toBe(true);
  });

  it('aborting the signal cancels the request with a final error', async () => {
    const r = await receiver();
    r.failWith('hang');
    const controller = new AbortController();
    const pending = post(sender({ url: r.url }), sampleBatch(), controller.signal);
    await r.waitForRequests(1);
    controller.abort();
    const err = await failure(pending);
    expect(err.message).toBe(`audit webhook POST ${r.url} failed: aborted`);
    expect(err.retryable).toBe(false);
  });

  it('an already aborted signal sends nothing, compressed or not', async () => {
    const r = await receiver();
    const controller = new AbortController();
    controller.abort();
    for (const compression of ['none', 'gzip'] as const) {
      const err = await failure(
        post(sender({ url: r.url }, undefined, compression), sampleBatch(), controller.signal),
      );
      expect(err.message).toBe(`audit webhook POST ${r.url} failed: aborted`);
      expect(err.retryable).toBe(false);
    }
    expect(r.requests).toHaveLength(0);
  });

  it('unsubscribing cancels the request in flight', async () => {
    const r = await receiver();
    r.failWith('hang');
    const s = sender({ url: r.url });
    const emitted: string[] = [];
    const subscription = from(s.send(sampleBatch(), never())).subscribe({
      next: () => emitted.push('next'),
      error: () => emitted.push('error'),
      complete: () => emitted.push('complete'),
    });
    await r.waitForRequests(1);
    subscription.unsubscribe();
    r.failWith(undefined);
    await post(s); // the keep-alive agent still works after a cancelled request
    expect(emitted).toEqual([]);
    expect(r.requests.map((q) => q.reply)).toEqual(['hang', 200]);
  });

  it('makes exactly one attempt per subscription: no hidden retry layer (axios-retry only classifies)', async () => {
    const r = await receiver();
    r.failWith(503);
    const s = sender({ url: r.url });
    const batch = sampleBatch(1);
    await failure(post(s, batch));
    r.failWith('reset');
    await failure(post(s, batch));
    r.failWith(undefined);
    expect(r.requests.map((q) => [q.reply, q.attempt])).toEqual([
      [503, 1],
      ['reset', 2],
    ]);
  });

  it('each subscription of the same send() is a new attempt (cold), so an RxJS retry re-sends', async () => {
    const r = await receiver();
    r.failNext(1, 502);
    const s = sender({ url: r.url });
    const batch = sampleBatch(1);
    const once = from(s.send(batch, never()));
    await expect(lastValueFrom(once)).rejects.toMatchObject({ status: 502 });
    await lastValueFrom(once);
    expect(r.requests.map((q) => [q.reply, q.attempt])).toEqual([
      [502, 1],
      [200, 2],
    ]);
  });

  it('fails with a final error after close()', async () => {
    const r = await receiver();
    const s = sender({ url: r.url });
    s.close();
    const err = await failure(post(s));
    expect(err.message).toMatch(/the HTTP sender is closed$/);
    expect(err.retryable).toBe(false);
    expect(r.requests).toHaveLength(0);
  });

  it('validates the timeout and the target synchronously', () => {
    expect(() => createHttpSender({ url: 'http://127.0.0.1:1/' }, { timeout: 0 })).toThrow(
      'timeout must be a positive number of milliseconds, got 0',
    );
    // A TypeError, as every bad option is (it was a RangeError here alone).
    expect(() => createHttpSender({ url: 'http://127.0.0.1:1/' }, { timeout: Infinity })).toThrow(TypeError);
    expect(() => createHttpSender({ url: 'ftp://127.0.0.1/' })).toThrow(
      'invalid webhook target: target.url must be an http or https URL, got scheme "ftp:"',
    );
  });
});

describe('credentials and headers', () => {
  const TOKEN = 'tok-9f8e7d6c5b4a';
  const PASSWORD = 'pa55-w0rd-x1y2';

  it('sends the bearer token and custom headers; none of them appears in any error', async () => {
    const r = await receiver({ token: TOKEN });
    const s = sender({
      url: r.url,
      token: TOKEN,
      headers: { 'X-Audit-Cluster': 'prod-1', 'X-Api-Key': 'hdr-secret-42' },
    });
    await post(s);
    expect(r.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(r.requests[0]?.headers['x-audit-cluster']).toBe('prod-1');

    r.failNext(1, 503);
    r.failNext(1, 'reset');
    const errors = [await failure(post(s)), await failure(post(s))];
    for (const err of errors) {
      expect(errorText(err)).not.toContain(TOKEN);
      expect(errorText(err)).not.toContain('hdr-secret-42');
    }
  });

  it('a wrong token gets 401 from the server: final, and the token is not in the message', async () => {
    const r = await receiver({ token: TOKEN });
    const err = await failure(post(sender({ url: r.url, token: 'wrong-token-123' })));
    expect([err.status, err.retryable]).toEqual([401, false]);
    expect(errorText(err)).not.toContain('wrong-token-123');
  });

  it('sends basic auth; the password is in no error, nor its base64 form', async () => {
    const r = await receiver({ basicAuth: { username: 'auditor', password: PASSWORD } });
    const s = sender({ url: r.url, username: 'auditor', password: PASSWORD });
    await post(s);
    const basic = Buffer.from(`auditor:${PASSWORD}`).toString('base64');
    expect(r.requests[0]?.headers.authorization).toBe(`Basic ${basic}`);

    r.failNext(1, 500);
    const err = await failure(post(s));
    expect(errorText(err)).not.toContain(PASSWORD);
    expect(errorText(err)).not.toContain(basic);
  });

  it('strips user info and query secrets from the URL in messages', async () => {
    const r = await receiver();
    r.failNext(1, 500);
    const url = `http://127.0.0.1:${r.port}/hook?token=qs-secret-77`;
    const err = await failure(post(sender({ url })));
    expect(err.message).toBe(
      `audit webhook POST http://127.0.0.1:${r.port}/hook failed: 500 Internal Server Error: injected failure 500`,
    );
    expect(errorText(err)).not.toContain('qs-secret-77');
  });

  it('keeps only a sanitized cause: no axios config, headers or body', async () => {
    const r = await receiver();
    r.failNext(1, 500);
    const batch = sampleBatch(1);
    const err = await failure(post(sender({ url: r.url, token: TOKEN }), batch));
    const cause = err.cause as Error & Record<string, unknown>;
    expect(cause).toBeInstanceOf(Error);
    expect(cause.name).toBe('AxiosError');
    expect(Object.keys(cause).sort()).toEqual(['code', 'name']);
    expect(errorText(err)).not.toContain(batch.events[0]?.auditID ?? '-');
  });
});

describe('TLS', () => {
  let tls: TlsFixture;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rx-audit-tls-'));
    tls = generateTls(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('never goes through an environment proxy, set before or after the sender is made (http and https)', async () => {
    // A real server standing in for a proxy: any request (a forward or a CONNECT) it sees is a failure.
    const seen: string[] = [];
    const proxy = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.end('proxied');
    });
    proxy.on('connect', (req, socket) => {
      seen.push(`CONNECT ${req.url}`);
      socket.destroy();
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const names = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'];
    const saved = Object.fromEntries(
      [...names, 'no_proxy', 'NO_PROXY'].map((name) => [name, process.env[name]] as const),
    );
    const setEnv = (value: string | undefined) => {
      for (const name of names) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    };
    delete process.env['no_proxy'];
    delete process.env['NO_PROXY'];
    try {
      const plain = await receiver();
      const secure = await receiver({ tls: { cert: tls.server.cert, key: tls.server.key } });
      setEnv(proxyUrl);
      const early = [sender({ url: plain.url }), sender({ url: secure.url, ca: tls.ca.cert })];
      setEnv(undefined);
      const late = [sender({ url: plain.url }), sender({ url: secure.url, ca: tls.ca.cert })];
      setEnv(proxyUrl); // set only after these senders were made
      for (const s of [...early, ...late]) await post(s);
      setEnv(undefined);
      for (const s of [...early, ...late]) await post(s); // and with no proxy variable left
      expect(seen).toEqual([]);
      expect([plain.requests.length, secure.requests.length]).toEqual([4, 4]);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('verifies the server against the given CA', async () => {
    const r = await receiver({ tls: { cert: tls.server.cert, key: tls.server.key } });
    expect(r.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    await post(sender({ url: r.url, ca: tls.ca.cert }));
    expect(r.requests.map((q) => q.reply)).toEqual([200]);
  });

  it('refuses a server its CA did not sign, finally, before sending anything', async () => {
    const r = await receiver({ tls: { cert: tls.untrusted.cert, key: tls.untrusted.key } });
    const err = await failure(post(sender({ url: r.url, ca: tls.ca.cert })));
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/self-signed certificate|DEPTH_ZERO_SELF_SIGNED_CERT/);
    expect(r.requests).toHaveLength(0);
  });

  it('refuses a CA-signed server when the CA is not given (system roots only)', async () => {
    const r = await receiver({ tls: { cert: tls.server.cert, key: tls.server.key } });
    const err = await failure(post(sender({ url: r.url })));
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/);
    expect(r.requests).toHaveLength(0);
  });

  it('accepts an untrusted server with insecureSkipTLSVerify', async () => {
    const r = await receiver({ tls: { cert: tls.untrusted.cert, key: tls.untrusted.key } });
    await post(sender({ url: r.url, insecureSkipTLSVerify: true }));
    expect(r.requests.map((q) => q.reply)).toEqual([200]);
  });

  it('honours tlsServerName: a certificate for audit.internal served on 127.0.0.1', async () => {
    const r = await receiver({ tls: { cert: tls.namedServer.cert, key: tls.namedServer.key } });
    const mismatch = await failure(post(sender({ url: r.url, ca: tls.ca.cert })));
    expect(mismatch.retryable).toBe(false);
    expect(mismatch.message).toMatch(/altnames|ERR_TLS_CERT_ALTNAME_INVALID/);

    await post(sender({ url: r.url, ca: tls.ca.cert, tlsServerName: 'audit.internal' }));
    expect(r.requests.map((q) => q.reply)).toEqual([200]);
  });

  it('presents the client certificate for mutual TLS; the server refuses clients without one', async () => {
    const serverTls = {
      cert: tls.server.cert,
      key: tls.server.key,
      ca: tls.clientCa.cert,
      requestCert: true,
    };
    const r = await receiver({ tls: serverTls });

    await post(sender({ url: r.url, ca: tls.ca.cert, cert: tls.client.cert, key: tls.client.key }));
    expect(r.requests.map((q) => [q.reply, q.clientCertificateCN])).toEqual([[200, 'kube-apiserver']]);

    await failure(post(sender({ url: r.url, ca: tls.ca.cert })));
    await failure(
      post(
        sender({ url: r.url, ca: tls.ca.cert, cert: tls.strangerClient.cert, key: tls.strangerClient.key }),
      ),
    );
    expect(r.requests).toHaveLength(1);
  });
});

/**
 * A webhook that answers `status` and then streams up to `totalBytes` of body as fast as the client reads
 * it; `written` counts the bytes the client's socket accepted before it closed the connection.
 */
async function floodingServer(
  status: number,
  totalBytes: number,
  headers: Record<string, string> = {},
): Promise<{ url: string; written: () => number; closed: Promise<void> }> {
  let written = 0;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(status, { 'Content-Type': 'text/plain', ...headers });
    res.on('close', () => resolveClosed());
    const pump = () => {
      while (!res.destroyed && written < totalBytes) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    pump();
  });
  trickling.servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/audit`,
    written: () => written,
    closed,
  };
}

describe('hostile webhooks: bounded reads, redacted messages', () => {
  const FLOOD = 400 * 1024 * 1024;

  it('a 200 with a 400 MiB body counts as delivered; the client reads about 1 MiB, then closes', async () => {
    const flood = await floodingServer(200, FLOOD);
    await expect(post(sender({ url: flood.url }))).resolves.toEqual([undefined]);
    await flood.closed;
    // What the server could push = what the client read (≤ 1 MiB + a chunk) + the sockets' kernel buffers.
    expect(flood.written()).toBeLessThan(32 * 1024 * 1024);
  });

  it('a 500 with a 400 MiB body is a retryable failure by its status, reading only an excerpt', async () => {
    const flood = await floodingServer(500, FLOOD);
    const err = await failure(post(sender({ url: flood.url })));
    expect([err.status, err.retryable]).toEqual([500, true]);
    expect(err.message).toMatch(/failed: 500 Internal Server Error: x+…$/);
    expect(err.message.length).toBeLessThan(400);
    await flood.closed;
    expect(flood.written()).toBeLessThan(32 * 1024 * 1024);
  });

  it('a gzip bomb answer is inflated only up to the limit', async () => {
    const { gzipSync } = await import('node:zlib');
    // 256 gzip members of 1 MiB of zeros each (~260 KB on the wire) inflate, back to back, to 256 MiB.
    const member = gzipSync(Buffer.alloc(1024 * 1024));
    const bomb = Buffer.concat(new Array<Buffer>(256).fill(member));
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Encoding': 'gzip' });
      res.end(bomb);
    });
    trickling.servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const before = process.memoryUsage().arrayBuffers;
    await expect(post(sender({ url }))).resolves.toEqual([undefined]);
    // Inflating all of it would hold 256 MiB; bounded reading keeps the growth to a few MiB.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it("redacts the peer's reason phrase and body: URL credentials, query values, bearer tokens, header values", async () => {
    const apiKey = 'key-0f9e8d7c6b5a';
    const TOKEN = 'tok-hostile-4c3b2a1';
    const server = createServer((req, res) => {
      req.resume();
      res.statusMessage = `Denied Bearer ${TOKEN} via https://admin:pw-zz91@proxy.example/p?sig=abc123`;
      res.writeHead(403, { 'Content-Type': 'text/plain' });
      res.end(
        `you sent Authorization: ${String(req.headers['authorization'])} X-Api-Key: ${String(req.headers['x-api-key'])} to /hook?token=qs-secret-77\n{"requestObject":{"secret":1}}`,
      );
    });
    trickling.servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const err = await failure(post(sender({ url, token: TOKEN, headers: { 'X-Api-Key': apiKey } })));
    expect(err.status).toBe(403);
    expect(err.message).toMatch(
      /^audit webhook POST http:\/\/127\.0\.0\.1:\d+\/hook failed: 403 Denied Bearer /,
    );
    for (const secret of [TOKEN, apiKey, 'pw-zz91', 'admin:', 'abc123', 'qs-secret-77', 'requestObject']) {
      expect(errorText(err)).not.toContain(secret);
    }
    // eslint-disable-next-line no-control-regex
    expect(err.message).not.toMatch(/[\u0000-\u001f]/);
  });
  it("the URL's own credentials and a password the peer echoes escaped in JSON are redacted too", async () => {
    const server = createServer((req, res) => {
      req.resume();
      const basic = String(req.headers['authorization']).replace(/^Basic /, '');
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      res.writeHead(401, { 'Content-Type': 'text/plain' });
      res.end(`credential ${basic} rejected; user:pass ${decoded}; login ${JSON.stringify(decoded)}`);
    });
    trickling.servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const password = 'urlp@ss"w0rd\\x';
    const url = `http://alice:${encodeURIComponent(password)}@127.0.0.1:${port}/hook`;
    const text = errorText(await failure(post(sender({ url }))));
    expect(text).toContain('401');
    const basic = Buffer.from(`alice:${password}`).toString('base64');
    for (const secret of [
      basic,
      password,
      JSON.stringify(password).slice(1, -1),
      encodeURIComponent(password),
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('a token the peer echoes across any cut (the quoted excerpt, the bytes read) leaves no part of it behind', async () => {
    const TOKEN = 'Zq7xK2mP9vR4tW8yB3nL6cH1jF5dG0sAeUiOpQwErTy';
    let pad = 0;
    const server = createServer((req, res) => {
      req.resume();
      const seen = String(req.headers['authorization']).replace(/^Bearer /, '');
      res.statusMessage = `${'r'.repeat(pad)} ${seen}`;
      res.writeHead(401, { 'Content-Type': 'text/plain' }).end(`${'.'.repeat(pad)} rejected ${seen}`);
    });
    trickling.servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const send = sender({ url, token: TOKEN });
    // Cuts at 160 characters (what a message quotes) and at 512 bytes (what is read of the body).
    for (pad of [120, 130, 140, 150, 155, 470, 480, 490, 500]) {
      const text = errorText(await failure(post(send)));
      for (let n = 4; n <= TOKEN.length; n++) expect(text).not.toContain(TOKEN.slice(0, n));
    }
  });
});

/** A webhook that records each POST's raw body bytes and Content-Encoding, answering `statuses` in turn (then 200). */
async function rawServer(
  statuses: number[] = [],
): Promise<{ url: string; posts: { encoding: string | undefined; body: Buffer }[] }> {
  const posts: { encoding: string | undefined; body: Buffer }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push({ encoding: req.headers['content-encoding'], body: Buffer.concat(chunks) });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  trickling.servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/audit`, posts };
}

describe("compression: 'gzip'", () => {
  it('POSTs the body gzip-compressed with Content-Encoding: gzip; it inflates to the EventList', async () => {
    const server = await rawServer();
    const batch = sampleBatch(50);
    await expect(post(sender({ url: server.url }, undefined, 'gzip'), batch)).resolves.toEqual([undefined]);
    const [only] = server.posts;
    expect(only?.encoding).toBe('gzip');
    const inflated = gunzipSync(only?.body ?? Buffer.alloc(0)).toString('utf8');
    expect(inflated).toBe(batch.body);
    expect(JSON.parse(inflated)).toMatchObject({ kind: 'EventList', items: expect.any(Array) as unknown });
    expect(only?.body.length).toBeLessThan(Buffer.byteLength(batch.body) / 3);
  });

  it("compresses at GZIP_LEVEL with zlib's largest memLevel (9: less CPU for the same bytes)", async () => {
    const server = await rawServer();
    // Large enough for the two memLevels to give different bytes (a deflate block holds 16 Ki symbols at 8).
    const batch = sampleBatch(1500);
    await post(sender({ url: server.url }, undefined, 'gzip'), batch);
    const [only] = server.posts;
    // Compared with equals(): a failing toEqual would diff the buffers byte by byte, for minutes.
    const sent = only?.body ?? Buffer.alloc(0);
    expect(sent.equals(gzipSync(batch.body, { level: GZIP_LEVEL, memLevel: 9 }))).toBe(true);
    expect(sent.equals(gzipSync(batch.body, { level: GZIP_LEVEL }))).toBe(false);
  });

  it('compresses a batch once, whatever the retries: the body is read once, the same bytes are re-sent', async () => {
    const server = await rawServer([503, 500]);
    const inner = sampleBatch(5);
    let reads = 0;
    const batch: AuditBatch = {
      events: inner.events,
      get body() {
        reads++;
        return inner.body;
      },
    };
    const s = sender({ url: server.url }, undefined, 'gzip');
    await expect(post(s, batch)).rejects.toMatchObject({ status: 503 });
    await expect(post(s, batch)).rejects.toMatchObject({ status: 500 });
    await expect(post(s, batch)).resolves.toEqual([undefined]);
    expect(reads).toBe(1);
    expect(server.posts.map((p) => p.encoding)).toEqual(['gzip', 'gzip', 'gzip']);
    expect(new Set(server.posts.map((p) => p.body.toString('base64'))).size).toBe(1);
  });

  it("'none' (the default) sends the body as it is", async () => {
    const server = await rawServer();
    const batch = sampleBatch(2);
    await post(sender({ url: server.url }, undefined, 'none'), batch);
    expect(server.posts.map((p) => [p.encoding, p.body.toString('utf8')])).toEqual([[undefined, batch.body]]);
  });

  it('refuses an unknown compression, naming the field and the value', () => {
    expect(() => createHttpSender({ url: 'http://127.0.0.1:1/' }, { compression: 'br' as never })).toThrow(
      'compression must be one of none|gzip, got "br"',
    );
  });

  it('createWebhookBackend and auditWebhook pass compression to the HTTP sender', async () => {
    const server = await rawServer();
    const backend = createWebhookBackend({
      mode: 'blocking',
      target: { url: server.url },
      compression: 'gzip',
    });
    backend.run();
    expect(await backend.processEvents(auditEvent('gz-1'), auditEvent('gz-2'))).toBe(true);
    await backend.shutdown();
    const deliveries = await lastValueFrom(
      from([auditEvent('gz-3')]).pipe(
        auditWebhook({ target: { url: server.url }, compression: 'gzip' }),
        toArray(),
      ),
    );
    expect(deliveries.map((d) => d.ok)).toEqual([true]);
    expect(server.posts.map((p) => p.encoding)).toEqual(['gzip', 'gzip']);
    const ids = server.posts.map((p) =>
      (JSON.parse(gunzipSync(p.body).toString('utf8')) as { items: { auditID: string }[] }).items.map(
        (e) => e.auditID,
      ),
    );
    expect(ids).toEqual([['gz-1', 'gz-2'], ['gz-3']]);
    expect(() =>
      createWebhookBackend({ mode: 'blocking', target: { url: server.url }, compression: 'zip' as never }),
    ).toThrow('compression must be one of none|gzip, got "zip"');
  });
});

describe('a token in a file (tokenFile)', () => {
  const folder = mkdtempSync(join(tmpdir(), 'rx-audit-token-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('is read again once a minute as it rotates, keeps the last token when the file is gone, and never shows one', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      req.resume();
      const auth = String(req.headers['authorization']);
      seen.push(auth);
      res
        .writeHead(auth === 'Bearer token-v2' ? 401 : 200, { 'Content-Type': 'text/plain' })
        .end(`saw ${auth}`);
    });
    trickling.servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const tokenFile = join(folder, 'token');
    writeFileSync(tokenFile, 'token-v1\n');
    const start = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(start);
    try {
      const send = sender({ url, tokenFile });
      await post(send);
      writeFileSync(tokenFile, 'token-v2\n'); // rotated
      await post(send); // within the minute: still v1
      clock.mockReturnValue(start + 61_000);
      const text = errorText(await failure(post(send))); // read again: v2, which this webhook refuses
      expect(text).toContain('401');
      expect(text).not.toContain('token-v2');
      rmSync(tokenFile);
      clock.mockReturnValue(start + 122_000);
      await failure(post(send)); // the file is gone: the last token is kept
      expect(seen).toEqual(['Bearer token-v1', 'Bearer token-v1', 'Bearer token-v2', 'Bearer token-v2']);
    } finally {
      clock.mockRestore();
    }
  });

  it('an unreadable or empty token file is named when the sender is created', () => {
    const empty = join(folder, 'empty');
    writeFileSync(empty, '\n');
    expect(() => sender({ url: 'http://127.0.0.1:1/', tokenFile: join(folder, 'none') })).toThrow(
      `unable to read target.tokenFile ${join(folder, 'none')} due to ENOENT`,
    );
    expect(() => sender({ url: 'http://127.0.0.1:1/', tokenFile: empty })).toThrow(
      `unable to read target.tokenFile ${empty} due to the file is empty`,
    );
  });
});
