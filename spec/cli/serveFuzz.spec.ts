// fast-check against a real `serve` endpoint (startServe on 127.0.0.1, real HTTP): whatever the body, the answer
// is a bounded 2xx/4xx — never a 500, never a crash — and the server stays up.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEventList } from '../../src/events/decodeEventList.js';
import type { ServeHandle } from '../../src/cli/startServe.js';
import { startServe } from '../../src/cli/startServe.js';
import { OPENSHIFT } from './builtCli.js';

let serve: ServeHandle;
beforeAll(async () => {
  serve = await startServe({ port: 0, host: '127.0.0.1', failRate: 0, delayMs: 0, maxBodyBytes: 256 * 1024 });
});
afterAll(() => serve.close());

const corpus = readFileSync(OPENSHIFT, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .slice(0, 5)
  .map((line) => JSON.parse(line) as Record<string, unknown>);

function post(body: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(serve.url, { method: 'POST', headers, agent: false });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const bounded = (answer: { status: number; body: string }): void => {
  expect([200, 400, 413, 415]).toContain(answer.status);
  if (answer.status !== 200) expect(Buffer.byteLength(answer.body)).toBeLessThanOrEqual(4096);
};

// Events with some fields replaced by arbitrary JSON: the decoder's paths, bad enums, odd verbs.
const mutatedEvent = fc
  .tuple(
    fc.constantFrom(...corpus),
    fc.dictionary(
      fc.constantFrom(
        'verb',
        'stage',
        'level',
        'auditID',
        'user',
        'objectRef',
        'requestObject',
        '__proto__',
        'constructor',
      ),
      fc.jsonValue({ maxDepth: 3 }),
      { maxKeys: 3 },
    ),
  )
  .map(([event, patch]) => ({ ...event, ...patch }));

describe('serve under fuzzing', { timeout: 120_000 }, () => {
  it('arbitrary bytes, plain or gzip: always a bounded 4xx (or 200), never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.boolean(), async (bytes, zipped) => {
        const body = zipped ? gzipSync(bytes) : Buffer.from(bytes);
        bounded(await post(body, zipped ? { 'Content-Encoding': 'gzip' } : {}));
      }),
      { numRuns: 150 },
    );
  });

  it('arbitrary JSON values and EventLists of mutated real events: bounded answers; 200 only for valid lists', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }),
          fc.record({
            kind: fc.constantFrom('EventList', 'Event', 42),
            apiVersion: fc.constantFrom('audit.k8s.io/v1', 'audit.k8s.io/v1beta1', 'nope'),
            items: fc.array(fc.oneof(mutatedEvent, fc.jsonValue({ maxDepth: 2 })), { maxLength: 8 }),
          }),
        ),
        async (value) => {
          const answer = await post(Buffer.from(JSON.stringify(value)));
          bounded(answer);
          let valid = true;
          try {
            decodeEventList(value);
          } catch {
            valid = false;
          }
          expect(answer.status).toBe(valid ? 200 : 400);
        },
      ),
      { numRuns: 200 },
    );
    const health = await fetch(`${serve.url}healthz`);
    expect(health.status).toBe(200);
  });

  it('regressions: deep nesting in the body and in an event, a huge list, __proto__ verbs', async () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    bounded(await post(Buffer.from(deep)));
    const deepEvent = JSON.stringify({ items: [{ ...corpus[0], requestObject: 'D' }] }).replace(
      '"D"',
      `${'{"a":'.repeat(30_000)}1${'}'.repeat(30_000)}`,
    );
    const answer = await post(Buffer.from(deepEvent));
    expect(answer.status).toBe(400);
    const verbs = await post(
      Buffer.from(
        JSON.stringify({
          items: [
            { ...corpus[0], verb: '__proto__' },
            { ...corpus[0], verb: 'constructor' },
          ],
        }),
      ),
    );
    expect(verbs.status).toBe(200);
    expect(serve.tally.totals.verbs.get('__proto__')).toBe(1);
    expect(serve.tally.line()).toMatch(/verbs: .*__proto__ 1/);
  });
});
