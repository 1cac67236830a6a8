// End to end: createWebhookBackend with the real HTTP transport against real servers. The backend's
// RxJS retry is the only retry layer; the server counts the attempts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncScheduler, catchError, defer, from } from 'rxjs';
import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import { stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditBackend, AuditPluginError } from '../../src/contract/AuditBackend.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import type { WebhookBackendOptions } from '../../src/backends/WebhookBackendOptions.js';
import { startReceiver } from '../../src/testing/receiver.js';
import type { Receiver, ReceiverOptions } from '../../src/testing/receiver.js';
import { createHttpSender } from '../../src/transport/httpSender.js';
import { isWebhookError } from '../../src/transport/WebhookError.js';
import { corpusSample } from '../helpers/corpus.js';
import { generateTls } from './fixtures/tls.js';
import type { TlsFixture } from './fixtures/tls.js';

const TOKEN = 'e2e-token-3c1f9a';
const FAST_RETRY = { initialDelay: 10, factor: 1, jitter: 0 };

let root: string;
let tls: TlsFixture;
const receivers: Receiver[] = [];
const backends: AuditBackend[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rx-audit-e2e-'));
  mkdirSync(join(root, 'pki'));
  tls = generateTls(join(root, 'pki'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(async () => {
  await Promise.all(backends.splice(0).map((b) => b.shutdown({ timeout: 1000 })));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function receiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const r = await startReceiver(options);
  receivers.push(r);
  return r;
}

/** A backend whose failures are collected instead of printed. */
function backend(options: WebhookBackendOptions): { backend: AuditBackend; errors: AuditPluginError[] } {
  const errors: AuditPluginError[] = [];
  const b = createWebhookBackend({ onError: (e) => errors.push(e), ...options });
  backends.push(b);
  b.run();
  return { backend: b, errors };
}

/** asyncScheduler, recording every delay asked for (to see Retry-After honoured without timing anything). */
function recordingScheduler(): SchedulerLike & { delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    now: () => asyncScheduler.now(),
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
      delays.push(delay);
      return asyncScheduler.schedule(work, delay, state);
    },
  };
}

const batchOptions = { maxBatchSize: 100, maxBatchWait: 20 };

describe.each(['batch', 'blocking'] as const)(
  'createWebhookBackend({ mode: %s, target: { kubeconfig } })',
  (mode) => {
    it('ships to a real HTTPS webhook with mutual TLS and a bearer token', async () => {
      const r = await receiver({
        tls: { cert: tls.server.cert, key: tls.server.key, ca: tls.clientCa.cert, requestCert: true },
        token: TOKEN,
      });
      const dir = join(root, `kubeconfig-${mode}`);
      mkdirSync(dir);
      const kubeconfig = join(dir, 'webhook.yaml');
      writeFileSync(
        kubeconfig,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            { name: 'audit', cluster: { server: `${r.url}audit`, 'certificate-authority': '../pki/ca.crt' } },
          ],
          users: [
            {
              name: 'kube-apiserver',
              user: {
                'client-certificate-data': Buffer.from(tls.client.cert).toString('base64'),
                'client-key': '../pki/client.key',
                // A token and a client certificate together are fine (only token + basic auth conflict).
                token: TOKEN,
              },
            },
          ],
          contexts: [{ name: 'default', context: { cluster: 'audit', user: 'kube-apiserver' } }],
          'current-context': 'default',
        }),
      );
      const { backend: b, errors } = backend({
        mode,
        target: { kubeconfig },
        batch: batchOptions,
      });
      const events = corpusSample(5);
      await expect(b.processEvents(...events.slice(0, 2))).resolves.toBe(true);
      await expect(b.processEvents(...events.slice(2))).resolves.toBe(true);
      await b.flush();
      await b.shutdown();

      expect(errors).toEqual([]);
      expect(r.events.map((e) => e.auditID)).toEqual(events.map((e) => e.auditID));
      for (const request of r.requests) {
        expect(request.reply).toBe(200);
        expect(request.path).toBe('/audit');
        expect(request.clientCertificateCN).toBe('kube-apiserver');
        expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
        expect(request.headers['content-type']).toBe('application/json');
        expect(JSON.parse(request.body)).toMatchObject({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1' });
      }
      // Blocking mode: one POST per processEvents call.
      if (mode === 'blocking') expect(r.requests.map((q) => q.events.length)).toEqual([2, 3]);
    });
  },
);

describe('retries against a real webhook: only the backend retries', () => {
  it('500 then success: two requests, one delivery', async () => {
    const r = await receiver();
    r.failNext(1, 500);
    const { backend: b, errors } = backend({
      mode: 'batch',
      target: { url: r.url },
      retry: FAST_RETRY,
      batch: batchOptions,
    });
    const events = corpusSample(3);
    await b.processEvents(...events);
    await b.flush();
    expect(errors).toEqual([]);
    expect(r.requests.map((q) => [q.reply, q.attempt])).toEqual([
      [500, 1],
      [200, 2],
    ]);
    expect(r.events).toEqual(events);
    expect(b.stats()).toMatchObject({ delivered: 3, retries: 1 });
  });

  it('400 is final: one request, reported as send-failed with the status', async () => {
    const r = await receiver();
    r.failWith(400);
    const { backend: b, errors } = backend({
      mode: 'batch',
      target: { url: r.url },
      retry: FAST_RETRY,
      batch: batchOptions,
    });
    const events = corpusSample(2);
    await b.processEvents(...events);
    await b.flush();
    expect(r.requests).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.reason).toBe('send-failed');
    expect(errors[0]?.events.map((e) => e.auditID)).toEqual(events.map((e) => e.auditID));
    const error = errors[0]?.error;
    expect(isWebhookError(error)).toBe(true);
    expect(error).toMatchObject({ status: 400, retryable: false, attempts: 1 });
    expect(error?.message).toMatch(new RegExp(`^audit webhook POST ${r.url} failed: 400 Bad Request: .+`));
  });

  it('429 with Retry-After: the next attempt waits what the server asked (capped), not the backoff', async () => {
    const r = await receiver();
    r.failNext(1, { status: 429, retryAfter: 1 });
    const scheduler = recordingScheduler();
    const { backend: b, errors } = backend({
      mode: 'batch',
      target: { url: r.url },
      retry: { initialDelay: 10, factor: 1, jitter: 0 },
      batch: batchOptions,
      timeout: 5000,
      scheduler,
    });
    await b.processEvents(...corpusSample(1));
    await b.flush();
    expect(errors).toEqual([]);
    expect(r.requests.map((q) => q.reply)).toEqual([429, 200]);
    expect(scheduler.delays).toContain(1000);
    expect(scheduler.delays).not.toContain(10);
  });

  it('a connection reset is retried', async () => {
    const r = await receiver();
    r.failNext(1, 'reset');
    const { backend: b, errors } = backend({
      mode: 'batch',
      target: { url: r.url },
      retry: FAST_RETRY,
      batch: batchOptions,
    });
    await b.processEvents(...corpusSample(2));
    await b.flush();
    expect(errors).toEqual([]);
    expect(r.requests.map((q) => [q.reply, q.attempt])).toEqual([
      ['reset', 1],
      [200, 2],
    ]);
  });

  it('connection refused, then the server comes up on that port: the retry delivers', async () => {
    const probe = await startReceiver();
    const port = probe.port;
    await probe.close();
    const http = createHttpSender({ url: `http://127.0.0.1:${port}/` }, { timeout: 5000 });
    const refusals: string[] = [];
    let server: Receiver | undefined;
    const { backend: b, errors } = backend({
      mode: 'batch',
      retry: FAST_RETRY,
      batch: batchOptions,
      // The real HTTP sender; the first refusal brings the server up before the backend sees the error.
      sender: (batch, signal) =>
        defer(() => http.send(batch, signal)).pipe(
          catchError((error: Error) =>
            from(
              (async () => {
                refusals.push(error.message);
                server ??= await receiver({ port });
                throw error;
              })(),
            ),
          ),
        ),
    });
    const events = corpusSample(3);
    await b.processEvents(...events);
    await b.flush();
    http.close();
    expect(errors).toEqual([]);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toContain('ECONNREFUSED');
    expect(server?.events.map((e) => e.auditID)).toEqual(events.map((e) => e.auditID));
    expect(server?.requests).toHaveLength(1);
  });

  it('a hanging server times out and the retry delivers', async () => {
    const r = await receiver();
    r.failNext(1, 'hang');
    const { backend: b, errors } = backend({
      mode: 'batch',
      target: { url: r.url },
      retry: FAST_RETRY,
      batch: batchOptions,
      timeout: 250,
    });
    await b.processEvents(...corpusSample(1));
    await b.flush();
    expect(errors).toEqual([]);
    expect(r.requests.map((q) => [q.reply, q.attempt])).toEqual([
      ['hang', 1],
      [200, 2],
    ]);
  });

  it('attempts do not multiply: retry.attempts 3 against a failing server is exactly 3 requests', async () => {
    for (const failure of [503, 'reset'] as const) {
      const r = await receiver();
      r.failWith(failure);
      const { backend: b, errors } = backend({
        mode: 'batch',
        target: { url: r.url, token: TOKEN },
        retry: { ...FAST_RETRY, attempts: 3 },
        batch: batchOptions,
      });
      await b.processEvents(...corpusSample(2));
      await b.flush();
      expect(r.requests.map((q) => q.attempt)).toEqual([1, 2, 3]);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.error).toMatchObject({ attempts: 3, retryable: true });
      expect(errors[0]?.error.message).not.toContain(TOKEN);
    }
  });

  it('blocking mode makes one attempt by default and resolves false on failure', async () => {
    const r = await receiver();
    r.failWith(500);
    const { backend: b, errors } = backend({ mode: 'blocking', target: { url: r.url } });
    await expect(b.processEvents(...corpusSample(1))).resolves.toBe(false);
    expect(r.requests).toHaveLength(1);
    expect(errors.map((e) => [e.reason, (e.error as { status?: number }).status])).toEqual([
      ['send-failed', 500],
    ]);
  });

  it('shutdown({ timeout }) aborts a request stuck on a hanging server and reports it', async () => {
    const r = await receiver();
    r.failWith('hang');
    const { backend: b, errors } = backend({ mode: 'batch', target: { url: r.url }, batch: batchOptions });
    const events = corpusSample(2);
    await b.processEvents(...events);
    await r.waitForRequests(1);
    await b.shutdown({ timeout: 100 });
    expect(errors.map((e) => [e.reason, e.events.length])).toEqual([['send-failed', 2]]);
    expect(r.requests).toHaveLength(1);
  });
});
