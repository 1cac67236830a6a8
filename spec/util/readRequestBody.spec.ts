// readRequestBody's budget accounting, on a real node:http server: every byte taken is given back exactly once —
// on release() after a body read whole, and at once when the body is refused, broken or aborted.
import { createServer, request } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { BodyBudget, RequestBody } from '../../src/util/readRequestBody.js';
import { createBodyBudget, isRequestBodyError, readRequestBody } from '../../src/util/readRequestBody.js';

/** A budget that also sums what was taken and given back. */
function countingBudget(limit: number): BodyBudget & { taken: number; released: number } {
  const inner = createBodyBudget(limit);
  const budget = {
    limit,
    taken: 0,
    released: 0,
    get held() {
      return inner.held;
    },
    take(n: number) {
      const ok = inner.take(n);
      if (ok) budget.taken += n;
      return ok;
    },
    release(n: number) {
      budget.released += n;
      inner.release(n);
    },
  };
  return budget;
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** Starts a server whose one request is read with `readRequestBody(req, maxBytes, budget)`; resolves its outcome. */
async function readOne(
  maxBytes: number,
  budget: BodyBudget,
  send: (port: number) => void,
): Promise<RequestBody | Error> {
  let outcome!: Promise<RequestBody | Error>;
  let got!: () => void;
  const received = new Promise<void>((resolve) => (got = resolve));
  server = createServer((req: IncomingMessage, res) => {
    outcome = readRequestBody(req, maxBytes, budget).catch((err: unknown) => err as Error);
    got();
    void outcome.then(() => res.destroy());
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  send((server.address() as AddressInfo).port);
  await received;
  return outcome;
}

function postWhole(port: number, body: Buffer, headers: Record<string, string> = {}): void {
  const req = request({ port, host: '127.0.0.1', method: 'POST', headers });
  req.on('error', () => undefined);
  req.end(body);
}

describe('readRequestBody with a BodyBudget', () => {
  it('holds a body read whole until release(), and gives it back once however often release() is called', async () => {
    const budget = countingBudget(1024 * 1024);
    const body = gzipSync(Buffer.alloc(200_000, 0x61));
    const read = await readOne(1024 * 1024, budget, (port) =>
      postWhole(port, body, { 'Content-Encoding': 'gzip' }),
    );
    if (read instanceof Error) throw read;
    expect(read.data.length).toBe(200_000);
    expect(budget.held).toBe(200_000);
    read.release();
    read.release();
    expect(budget.held).toBe(0);
    expect(budget.released).toBe(200_000);
    expect(budget.taken).toBe(200_000);
  });

  it('gives the bytes back at once on a 413 and on broken gzip', async () => {
    const tooLarge = countingBudget(1024 * 1024);
    const big = await readOne(100_000, tooLarge, (port) =>
      postWhole(port, gzipSync(Buffer.alloc(500_000, 0x61)), { 'Content-Encoding': 'gzip' }),
    );
    expect(isRequestBodyError(big) && big.status).toBe(413);
    expect(tooLarge.taken).toBeGreaterThan(0);
    expect(tooLarge.released).toBe(tooLarge.taken);
    expect(tooLarge.held).toBe(0);

    const broken = countingBudget(1024 * 1024);
    const random = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));
    const zipped = gzipSync(random);
    const cut = await readOne(1024 * 1024, broken, (port) =>
      postWhole(port, zipped.subarray(0, zipped.length >> 1), { 'Content-Encoding': 'gzip' }),
    );
    expect(isRequestBodyError(cut) && cut.status).toBe(400);
    expect(broken.taken).toBeGreaterThan(0);
    expect(broken.released).toBe(broken.taken);
  });

  it('gives the bytes back when the client goes away mid-body', async () => {
    const budget = countingBudget(1024 * 1024);
    let client: ReturnType<typeof request> | undefined;
    const aborted = readOne(1024 * 1024, budget, (port) => {
      client = request({ port, host: '127.0.0.1', method: 'POST', headers: { 'Content-Length': '500000' } });
      client.on('error', () => undefined);
      client.write(Buffer.alloc(100_000, 0x61));
    });
    // Destroy only once the server holds some of the body, so there is something to give back.
    while (budget.held === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    client?.destroy();
    const result = await aborted;
    expect(isRequestBodyError(result) && result.status).toBe(400);
    expect(budget.taken).toBeGreaterThan(0);
    expect(budget.released).toBe(budget.taken);
    expect(budget.held).toBe(0);
  });

  it('refuses a body that would pass the budget: 503 with a Retry-After, and nothing left held', async () => {
    const budget = countingBudget(150_000);
    const refused = await readOne(1024 * 1024, budget, (port) =>
      postWhole(port, Buffer.alloc(400_000, 0x61)),
    );
    expect(isRequestBodyError(refused) && refused.status).toBe(503);
    expect(isRequestBodyError(refused) && refused.retryAfterSeconds).toBe(1);
    expect(budget.released).toBe(budget.taken);
    expect(budget.held).toBe(0);
  });

  it('createBodyBudget takes only what fits', () => {
    const budget = createBodyBudget(10);
    expect(budget.take(6)).toBe(true);
    expect(budget.take(5)).toBe(false);
    expect(budget.held).toBe(6);
    expect(budget.take(4)).toBe(true);
    budget.release(10);
    expect(budget.held).toBe(0);
  });
});
