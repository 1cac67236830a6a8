// `rx-audit serve` (the BUILT bin) under hostile input: auth before the body, bounded bodies (gzip too), 415,
// bounded 400s, unstorable events, /healthz and /metrics, a rotated token file, output rotation, escaped lines.
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, decodeLines, OPENSHIFT, runCli, startServe, waitUntil } from './builtCli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rx-audit-cli-serve-hard-'));
beforeAll(assertBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const corpus = readFileSync(OPENSHIFT, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Record<string, unknown>);
const list = (items: unknown[]): string =>
  JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items });

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A POST with node:http (no client-side limits), body given whole. */
function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers } });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A raw connection that sent a whole gzip body as one chunk but never the last (empty) chunk: serve holds it. */
interface Holder {
  socket: Socket;
  /** What serve answered so far. */
  answer(): string;
  /** Whether serve closed (ended) the connection. */
  ended(): boolean;
}

async function holdBody(url: string, gzipped: Buffer): Promise<Holder> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  let answer = '';
  let ended = false;
  socket.on('error', () => undefined);
  socket.on('data', (c: Buffer) => (answer += c.toString('latin1')));
  socket.on('end', () => (ended = true));
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n' +
      `${gzipped.length.toString(16)}\r\n`,
  );
  socket.write(gzipped);
  socket.write('\r\n');
  return { socket, answer: () => answer, ended: () => ended };
}

describe('rx-audit serve, hardened', { timeout: 60_000 }, () => {
  it('checks the token before reading the body: a wrong token is answered 401 while the body is still unsent', async () => {
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, 'first-token\n');
    const serve = await startServe(['--token-file', tokenFile]);
    const early = await new Promise<number>((resolve, reject) => {
      // Announce 1 GB and send 10 bytes: only a server that answers before reading the body answers at all.
      const req = request(serve.url, {
        method: 'POST',
        headers: { Authorization: 'Bearer wrong', 'Content-Length': String(1e9) },
      });
      req.on('response', (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write('{"items":[');
    });
    expect(early).toBe(401);
    const missing = await post(serve.url, list([corpus[0]]));
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect((await post(serve.url, list([corpus[0]]), { Authorization: 'Bearer first-token' })).status).toBe(
      200,
    );

    // Rotate the token as a Kubernetes Secret volume does: a new file renamed over the old one.
    writeFileSync(`${tokenFile}.new`, 'second-token');
    renameSync(`${tokenFile}.new`, tokenFile);
    expect((await post(serve.url, list([corpus[0]]), { Authorization: 'Bearer first-token' })).status).toBe(
      401,
    );
    expect((await post(serve.url, list([corpus[1]]), { Authorization: 'Bearer second-token' })).status).toBe(
      200,
    );
    // …and rewritten in place.
    writeFileSync(tokenFile, 'third-token-longer');
    expect((await post(serve.url, list([corpus[1]]), { Authorization: 'Bearer second-token' })).status).toBe(
      401,
    );
    expect(
      (await post(serve.url, list([corpus[2]]), { Authorization: 'Bearer third-token-longer' })).status,
    ).toBe(200);

    // /healthz and /metrics need no token.
    const health = await fetch(`${serve.url}healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok\n');
    const metrics = await fetch(`${serve.url}metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(/^rx_audit_serve_events_received_total 3$/m);
    expect(text).toMatch(/^rx_audit_serve_posts_total\{code="200"\} 3$/m);
    expect(text).toMatch(/^rx_audit_serve_posts_total\{code="401"\} 4$/m);
    expect(text).toMatch(/^rx_audit_serve_received_bytes_total \d+$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);

    const stopped = await serve.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/: 3 events in 3 POSTs .* unauthorized 4 /);
    expect(stopped.stderr).toContain('rx-audit serve: token file changed: new token in force');
    expect(stopped.stdout + stopped.stderr).not.toMatch(/first-token|second-token|third-token/);
  });

  it('bounds bodies after decompression (413), takes gzip, refuses other encodings (415) and broken gzip (400)', async () => {
    const out = path.join(dir, 'gzip.jsonl');
    const serve = await startServe(['--out', out, '--max-body-bytes', String(1024 * 1024)]);
    const big = Buffer.alloc(1024 * 1024 + 1, 0x20);
    expect((await post(serve.url, big)).status).toBe(413);
    // Chunked (no Content-Length): counted as it arrives.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(serve.url, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' } });
      req.on('response', (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write(Buffer.alloc(64 * 1024, 0x20));
      req.end();
    });
    expect(chunked).toBe(413);
    // A gzip bomb: 100 KB on the wire, 100 MiB inflated.
    const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(200 * 1024);
    const bombed = await post(serve.url, bomb, { 'Content-Encoding': 'gzip' });
    expect(bombed.status).toBe(413);
    expect(bombed.body).toBe(`body is larger than ${1024 * 1024} bytes after decompression\n`);

    const zipped = await post(serve.url, gzipSync(list([corpus[0], corpus[1]])), {
      'Content-Encoding': 'gzip',
    });
    expect(zipped.status).toBe(200);
    expect(decodeLines(readFileSync(out, 'utf8'))).toEqual(
      decodeLines([JSON.stringify(corpus[0]), JSON.stringify(corpus[1])].join('\n')),
    );
    const br = await post(serve.url, list([corpus[0]]), { 'Content-Encoding': 'br' });
    expect(br.status).toBe(415);
    expect(br.body).toContain('only gzip');
    const broken = await post(serve.url, Buffer.from('not gzip at all'), { 'Content-Encoding': 'gzip' });
    expect(broken.status).toBe(400);
    expect(broken.body).toBe('body is not valid gzip\n');

    const health = await fetch(`${serve.url}healthz`);
    expect(health.status).toBe(200); // still up
    const stopped = await serve.stop();
    expect(stopped.stdout).toMatch(/: 2 events in 1 POST .* too large 4/);
  });

  it('caps the body bytes held across requests (--max-buffered-bytes): the request that would pass it gets 503, Retry-After, its connection closed; bytes come back when requests end', async () => {
    const maxBody = 1024 * 1024;
    const inflated = maxBody - 4096;
    // Room for three held bodies and a half: a fourth never fits, whatever order serve reads them in.
    const serve = await startServe([
      '--max-body-bytes',
      String(maxBody),
      '--max-buffered-bytes',
      String(maxBody * 3.5),
    ]);
    const gzipped = gzipSync(Buffer.alloc(inflated, 0x20));
    expect(gzipped.length).toBeLessThan(16 * 1024);
    const refused = (holders: Holder[]): Holder[] => holders.filter((h) => h.answer() !== '');

    const holders: Holder[] = [];
    for (let i = 0; i < 4; i++) holders.push(await holdBody(serve.url, gzipped));
    // Whichever request's bytes pass the budget is refused, and gives its bytes back: the other three then fit.
    await waitUntil(() => refused(holders).length === 1, 'one held request to be refused');
    const first = refused(holders)[0];
    expect(first?.answer()).toMatch(/^HTTP\/1\.1 503 /);
    expect(first?.answer()).toMatch(/\r\nRetry-After: 1\r\n/i);
    expect(first?.answer()).toMatch(/\r\nConnection: close\r\n/i);
    await waitUntil(() => first?.ended() === true, 'serve to close the refused connection');

    // Three bodies held: a small POST still fits, a fifth held body does not (it, or one of the three, gets 503).
    expect((await post(serve.url, list([corpus[0]]))).status).toBe(200);
    holders.push(await holdBody(serve.url, gzipped));
    await waitUntil(() => refused(holders).length === 2, 'a second held request to be refused');
    for (const h of refused(holders))
      expect(h.answer()).toMatch(/^HTTP\/1\.1 503 [^]*\r\nRetry-After: 1\r\n/i);

    // Once the held requests are gone, their bytes are back: a whole body of the same size is taken (200).
    for (const h of holders) h.socket.destroy();
    const full = gzipSync(list([corpus[0]]).padEnd(inflated, ' '));
    let accepted: Answer | undefined;
    // serve learns of the closes asynchronously: ask again (a 503 is what a webhook client retries) until taken.
    for (let attempt = 0; attempt < 200 && accepted?.status !== 200; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      accepted = await post(serve.url, full, { 'Content-Encoding': 'gzip' });
    }
    expect(accepted?.status).toBe(200);
    // …and each body handled gives its bytes back: more whole bodies, one after another, than the budget holds.
    for (let i = 0; i < 5; i++) {
      expect((await post(serve.url, full, { 'Content-Encoding': 'gzip' })).status).toBe(200);
    }

    const metrics = await (await fetch(`${serve.url}metrics`)).text();
    expect(metrics).toMatch(/^rx_audit_serve_posts_total\{code="503"\} 2$/m);
    await serve.stop();
  });

  it('refuses a --max-buffered-bytes that is not an integer ≥ 1, or under --max-body-bytes (exit 2, naming the flag)', async () => {
    const zero = await runCli(['serve', '--port', '0', '--max-buffered-bytes', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain("option '--max-buffered-bytes <n>' argument '0' is invalid");
    const under = await runCli([
      'serve',
      '--port',
      '0',
      '--max-buffered-bytes',
      '100',
      '--max-body-bytes',
      '101',
    ]);
    expect(under.code).toBe(2);
    expect(under.stderr).toContain('--max-buffered-bytes (100) must be at least --max-body-bytes (101)');
  });

  it('answers at most 4 KiB for any number of bad items, with the count; an event too deep to store is a 400 naming it', async () => {
    const serve = await startServe([]);
    // 100 000 empty items: 300 KB of body, millions of problems.
    const body = `{"items":[${Array.from({ length: 100_000 }, () => '{}').join(',')}]}`;
    const bad = await post(serve.url, body);
    expect(bad.status).toBe(400);
    expect(Buffer.byteLength(bad.body)).toBeLessThanOrEqual(4096);
    expect(bad.body.startsWith('items.0.')).toBe(true);
    const more = /…and (\d+) more problems\n$/.exec(bad.body);
    const shown = bad.body.split('\n').length - 2;
    // Each empty item misses its five required fields.
    expect(Number(more?.[1]) + shown).toBe(100_000 * 5);

    const notJson = await post(serve.url, '{"items": [{"secret-looking": "hunter2"');
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatch(/^body is not valid JSON/);
    expect(notJson.body).not.toContain('hunter2');

    // 20 000 levels: JSON.parse takes it, storing it could not (JSON.stringify overflows): a 400 naming the item.
    const deep = `${'{"deeper":'.repeat(20_000)}"bottom"${'}'.repeat(20_000)}`;
    const nested = list([corpus[0], { ...corpus[1], requestObject: 'DEEP' }]).replace('"DEEP"', deep);
    const unstorable = await post(serve.url, nested);
    expect(unstorable.status).toBe(400);
    expect(unstorable.body).toMatch(/^items\.1\.requestObject: nested more than \d+ levels deep/);
    expect((await fetch(`${serve.url}healthz`)).status).toBe(200);
    const stopped = await serve.stop();
    expect(stopped.stdout).toMatch(/: 0 events in 0 POSTs .* rejected 3 /);
  });

  it('rotates --out before it passes --out-max-bytes, keeping --out-keep files; no POST is split or lost from the kept ones', async () => {
    const out = path.join(dir, 'rotated', 'events.jsonl');
    const rotatedDir = path.dirname(out);
    mkdirSync(rotatedDir);
    const line = JSON.stringify(corpus[0]).length;
    const serve = await startServe([
      '--out',
      out,
      '--out-max-bytes',
      String(line * 2 + 600),
      '--out-keep',
      '2',
    ]);
    for (let i = 0; i < 5; i++) {
      // Two events per POST: each file holds exactly one POST.
      expect(
        (
          await post(
            serve.url,
            list([
              { ...corpus[0], auditID: `id-${i}-a` },
              { ...corpus[0], auditID: `id-${i}-b` },
            ]),
          )
        ).status,
      ).toBe(200);
    }
    await serve.stop();
    expect(readdirSync(rotatedDir).sort()).toEqual(['events.jsonl', 'events.jsonl.1', 'events.jsonl.2']);
    const ids = (file: string): string[] =>
      decodeLines(readFileSync(path.join(rotatedDir, file), 'utf8')).map((e) => e.auditID);
    expect(ids('events.jsonl')).toEqual(['id-4-a', 'id-4-b']);
    expect(ids('events.jsonl.1')).toEqual(['id-3-a', 'id-3-b']);
    expect(ids('events.jsonl.2')).toEqual(['id-2-a', 'id-2-b']);
  });

  it('escapes control characters from events in its lines; --log-format json writes one JSON object per line', async () => {
    const serve = await startServe(['--log-format', 'json']);
    const forged = 'get\nrx-audit serve stopped (SIGTERM): 999 events in 999 POSTs';
    expect((await post(serve.url, list([{ ...corpus[0], verb: forged, auditID: 'a\nb' }]))).status).toBe(200);
    const stopped = await serve.stop();
    expect(stopped.stdout).toBe('');
    const lines = stopped.stderr.trimEnd().split('\n');
    const records = lines.map(
      (l) => JSON.parse(l) as { level: string; command: string; msg: string; events?: number },
    );
    expect(records[0]).toMatchObject({ level: 'info', command: 'serve' });
    expect(records[0]?.msg).toMatch(/^rx-audit serve listening on http:\/\/127\.0\.0\.1:\d+\/$/);
    const last = records.at(-1);
    expect(last?.msg).toMatch(/^rx-audit serve stopped \(SIGTERM\): 1 event in 1 POST /);
    expect(last?.msg).toContain('get\\nrx-audit serve stopped');
    expect(last?.events).toBe(1);

    const text = await startServe([]);
    await post(text.url, list([{ ...corpus[0], verb: forged }]));
    const plain = await text.stop();
    expect(plain.stdout.split('\n').filter((l) => l.startsWith('rx-audit serve stopped'))).toHaveLength(1);
  });
});
