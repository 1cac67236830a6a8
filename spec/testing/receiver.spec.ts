import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import { encodeEventList } from '../../src/events/encodeEventList.js';
import { startReceiver } from '../../src/testing/receiver.js';
import type { Receiver, ReceiverOptions } from '../../src/testing/receiver.js';
import { corpusDir, corpusSample, INVALID_SAMPLE } from '../helpers/corpus.js';

const open: Receiver[] = [];
async function receiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const r = await startReceiver(options);
  open.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

function post(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });
}

const listOf = (n: number, version: Parameters<typeof encodeEventList>[1] = 'audit.k8s.io/v1') => {
  const events = corpusSample(n);
  return { events, body: JSON.stringify(encodeEventList(events, version)) };
};

describe('startReceiver', () => {
  it('listens on 127.0.0.1 on a free port and records the decoded events and the request', async () => {
    const r = await receiver();
    expect(r.url).toBe(`http://127.0.0.1:${r.port}/`);
    expect(r.port).toBeGreaterThan(0);
    const { events, body } = listOf(3);

    const res = await post(`${r.url}audit?x=1`, body, { 'X-Test': 'yes' });
    expect(res.status).toBe(200);
    expect(r.events).toEqual(events);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]).toMatchObject({
      index: 1,
      method: 'POST',
      path: '/audit?x=1',
      body,
      attempt: 1,
      reply: 200,
      events,
    });
    expect(r.requests[0]?.headers['x-test']).toBe('yes');
  });

  it('decodes every group version to v1, and the corpus v1alpha1 EventList', async () => {
    const r = await receiver();
    const beta = listOf(2, 'audit.k8s.io/v1beta1');
    expect((await post(r.url, beta.body)).status).toBe(200);
    expect(r.events.map((e) => e.auditID)).toEqual(beta.events.map((e) => e.auditID));

    const alpha = readFileSync(
      join(corpusDir, 'kubernetes__website__audit.md.v1alpha1-eventlist.json'),
      'utf8',
    );
    expect((await post(r.url, alpha)).status).toBe(200);
    expect(r.events).toHaveLength(3);
    expect(r.events[2]?.objectRef).toMatchObject({
      apiGroup: 'rbac.authorization.k8s.io',
      apiVersion: 'v1beta1',
    });
  });

  it('answers 400 with the decode error for invalid lists and non-JSON, recording nothing', async () => {
    const r = await receiver();
    const invalid = readFileSync(join(corpusDir, INVALID_SAMPLE), 'utf8');
    const res = await post(r.url, invalid);
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toMatch(/^invalid audit EventList: /);
    expect(text).toContain('kind');

    const notJson = await post(r.url, '{"items": [');
    expect(notJson.status).toBe(400);
    expect(await notJson.text()).toMatch(/^invalid JSON: /);

    expect(r.events).toEqual([]);
    expect(r.requests.map((q) => [q.reply, q.events.length, q.decodeError === text])).toEqual([
      [400, 0, true],
      [400, 0, false],
    ]);
  });

  it('checks a bearer token or basic auth (401 otherwise)', async () => {
    const r = await receiver({ token: 'rcv-token' });
    const { body } = listOf(1);
    expect((await post(r.url, body)).status).toBe(401);
    expect((await post(r.url, body, { Authorization: 'Bearer nope' })).status).toBe(401);
    expect((await post(r.url, body, { Authorization: 'Bearer rcv-token' })).status).toBe(200);

    const b = await receiver({ basicAuth: { username: 'u', password: 'p' } });
    expect((await post(b.url, body)).status).toBe(401);
    expect((await post(b.url, body, { Authorization: `Basic ${btoa('u:p')}` })).status).toBe(200);
    expect(r.events).toHaveLength(1);
  });

  it('failNext queues failures (with Retry-After), failWith fails until cleared; attempts count identical bodies', async () => {
    const r = await receiver();
    r.failNext(2, { status: 429, retryAfter: 3 });
    r.failNext(1, 503);
    const { body } = listOf(1);
    const first = await post(r.url, body);
    expect([first.status, first.headers.get('retry-after')]).toEqual([429, '3']);
    expect((await post(r.url, body)).status).toBe(429);
    expect((await post(r.url, body)).status).toBe(503);
    expect((await post(r.url, body)).status).toBe(200);

    r.failWith(502);
    expect((await post(r.url, body)).status).toBe(502);
    expect((await post(r.url, body)).status).toBe(502);
    r.failWith(undefined);
    expect((await post(r.url, body)).status).toBe(200);

    expect(r.requests.map((q) => q.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(r.events).toHaveLength(2);
  });

  it("'reset' drops the connection; 'hang' never answers until close()", async () => {
    const r = await receiver();
    const { body } = listOf(1);
    r.failNext(1, 'reset');
    await expect(post(r.url, body)).rejects.toThrow();

    r.failNext(1, 'hang');
    const hanging = post(r.url, body);
    await r.waitForRequests(2);
    expect(r.requests.map((q) => q.reply)).toEqual(['reset', 'hang']);
    await r.close();
    await expect(hanging).rejects.toThrow();
  });

  it('failRate with a seed gives a reproducible sequence of failures', async () => {
    const replies = async (seed: number) => {
      const r = await receiver({ failRate: 0.5, failStatus: 503, seed });
      const { body } = listOf(1);
      const out: number[] = [];
      for (let i = 0; i < 16; i++) out.push((await post(r.url, body)).status);
      return out;
    };
    const a = await replies(42);
    expect(await replies(42)).toEqual(a);
    expect(a).toContain(503);
    expect(a).toContain(200);
    expect(new Set(a)).toEqual(new Set([200, 503]));
  });

  it('an onEvents that throws something other than an Error still answers 500, naming the value', async () => {
    const r = await receiver({
      onEvents: () => {
        throw null; // the case under test
      },
    });
    const res = await post(r.url, listOf(1).body);
    expect([res.status, await res.text()]).toEqual([500, 'onEvents failed: a non-Error was thrown: null']);
  });

  it('a custom random source drives failRate', async () => {
    const r = await receiver({ failRate: 0.3, random: () => 0.1 });
    expect((await post(r.url, listOf(1).body)).status).toBe(500);
    await expect(startReceiver({ failRate: 2 })).rejects.toThrow('failRate must be between 0 and 1, got 2');
  });

  it('respond decides per request; onEvents runs before the 200 and a failure there answers 500', async () => {
    const seen: string[] = [];
    const r = await receiver({
      respond: (request) => (request.events.length > 1 ? { status: 413, body: 'too many' } : undefined),
      onEvents: async (events) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (events[0]?.verb === 'explode') throw new Error('disk full');
        seen.push(...events.map((e) => e.auditID));
      },
    });
    const big = await post(r.url, listOf(2).body);
    expect([big.status, await big.text()]).toEqual([413, 'too many']);

    const one = listOf(1);
    expect((await post(r.url, one.body)).status).toBe(200);
    expect(seen).toEqual([one.events[0]?.auditID]);

    const bad = listOf(1);
    (bad.events[0] as { verb: string }).verb = 'explode';
    const failed = await post(r.url, JSON.stringify(encodeEventList(bad.events)));
    expect([failed.status, await failed.text()]).toEqual([500, 'onEvents failed: disk full']);
    expect(r.events.map((e) => e.auditID)).toEqual(seen);
  });

  it('answers 405 to other methods and 413 to bodies over maxBodyBytes', async () => {
    const r = await receiver({ maxBodyBytes: 100 });
    expect((await fetch(r.url)).status).toBe(405);
    expect((await post(r.url, listOf(5).body)).status).toBe(413);
    expect(r.requests.map((q) => q.reply)).toEqual([405, 413]);
  });

  it("inflates a gzip POST from createWebhookBackend({ compression: 'gzip' })", async () => {
    const r = await receiver();
    const backend = createWebhookBackend({ mode: 'blocking', target: { url: r.url }, compression: 'gzip' });
    backend.run();
    const { events } = listOf(3);
    expect(await backend.processEvents(...events)).toBe(true);
    await backend.shutdown();
    expect(r.requests.map((q) => [q.reply, q.headers['content-encoding']])).toEqual([[200, 'gzip']]);
    expect(r.events.map((e) => e.auditID)).toEqual(events.map((e) => e.auditID));
    expect(JSON.parse(r.requests[0]?.body ?? '')).toMatchObject({ kind: 'EventList', items: { length: 3 } });
  });

  it('bounds a gzip body after decompression (413), refuses bad gzip (400) and other encodings (415)', async () => {
    const r = await receiver({ maxBodyBytes: 1000 });
    const bomb = gzipSync(Buffer.alloc(100_000, 0x20));
    expect(bomb.length).toBeLessThan(1000);
    const gzipPost = (body: Buffer, encoding = 'gzip') =>
      fetch(r.url, { method: 'POST', body: new Uint8Array(body), headers: { 'Content-Encoding': encoding } });
    expect((await gzipPost(bomb)).status).toBe(413);
    const notGzip = await gzipPost(Buffer.from(listOf(1).body));
    expect([notGzip.status, await notGzip.text()]).toEqual([400, 'body is not valid gzip']);
    expect((await gzipPost(Buffer.from(listOf(1).body), 'br')).status).toBe(415);
    const ok = listOf(1);
    expect((await gzipPost(gzipSync(ok.body))).status).toBe(200);
    expect(r.requests.map((q) => q.reply)).toEqual([413, 400, 415, 200]);
    expect(r.events.map((e) => e.auditID)).toEqual(ok.events.map((e) => e.auditID));
  });

  it('events$ and requests$ emit live and complete on close()', async () => {
    const r = await receiver();
    const batches = lastValueFrom(r.events$.pipe(toArray()));
    const requests = lastValueFrom(r.requests$.pipe(toArray()));
    const a = listOf(2);
    r.failNext(1, 500);
    await post(r.url, a.body);
    await post(r.url, a.body);
    await r.close();
    expect(await batches).toEqual([a.events]);
    expect((await requests).map((q) => [q.reply, q.attempt])).toEqual([
      [500, 1],
      [200, 2],
    ]);
  });

  it('waitForEvents resolves once enough arrived, or rejects after its timeout', async () => {
    const r = await receiver({ delayMs: 20 });
    const waiting = r.waitForEvents(3);
    await post(r.url, listOf(2).body);
    await post(r.url, listOf(1).body);
    expect(await waiting).toHaveLength(3);
    await expect(r.waitForEvents(4, 50)).rejects.toThrow(
      'receiver: timed out after 50 ms waiting for 4 events (have 3)',
    );
  });

  it('clear() forgets events, requests, attempts and pending failures', async () => {
    const r = await receiver();
    const { body } = listOf(1);
    await post(r.url, body);
    r.failNext(3, 500);
    r.clear();
    expect([r.events.length, r.requests.length]).toEqual([0, 0]);
    expect((await post(r.url, body)).status).toBe(200);
    expect(r.requests[0]?.attempt).toBe(1);
  });
});
