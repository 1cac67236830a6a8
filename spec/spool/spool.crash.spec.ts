// Crash safety of a batch webhook backend with a spool, with real processes: a child ships to a real HTTP
// receiver and is killed with SIGKILL at random moments (fast-check chooses them), then started again on the
// same folder. Needs the built dist/ (`npm run build`).
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./fixtures/backendChild.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/esm/spool/openSpoolStore.js', import.meta.url));
// What the child has in flight at most (maxInFlight 2 × maxBatchSize 20): what one kill may deliver twice.
const MAX_IN_FLIGHT = 40;

let server: Server;
let url: string;
const received = new Map<string, number>();

beforeAll(async () => {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run "npm run build" before these tests`);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const list = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { items: { auditID: string }[] };
      for (const event of list.items) received.set(event.auditID, (received.get(event.auditID) ?? 0) + 1);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

interface Run {
  child: ChildProcess;
  accepted: string[];
  lines: string[];
  exited: Promise<number | null>;
}

function start(args: string[], onLine: (line: string) => void = () => undefined): Run {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const run: Run = { child, accepted: [], lines: [], exited: Promise.resolve(null) };
  let rest = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    const lines = (rest + text).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('A ')) for (const id of line.slice(2).split(' ')) run.accepted.push(`id-${id}`);
      else run.lines.push(line);
      onLine(line);
    }
  });
  run.exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return run;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function scenario(sync: 'always' | 'interval', kills: number[]): Promise<void> {
  received.clear();
  const dir = mkdtempSync(join(tmpdir(), 'rx-audit-spool-backend-'));
  try {
    const accepted: string[] = [];
    let next = 0;
    for (const delay of kills) {
      // The kill comes `delay` ms after the child's first accepted event (node's start-up time varies).
      let started!: () => void;
      const shipping = new Promise<void>((r) => (started = r));
      const run = start([dir, url, sync, String(next), '3000'], (line) => line.startsWith('A ') && started());
      await Promise.race([shipping, run.exited]);
      await sleep(delay);
      run.child.kill('SIGKILL');
      await run.exited;
      expect(run.lines.filter((l) => l.startsWith('E '))).toEqual([]);
      accepted.push(...run.accepted);
      next += 100_000;
    }
    // A last run with nothing new: it replays what is left, shuts down and says how much is still spooled.
    const last = start([dir, url, sync, String(next), '0']);
    expect(await last.exited).toBe(0);
    expect(last.lines).toEqual(['D 0']);

    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.filter((id) => !received.has(id))).toEqual([]);
    let duplicates = 0;
    for (const n of received.values()) duplicates += n - 1;
    expect(duplicates).toBeLessThanOrEqual(kills.length * MAX_IN_FLIGHT);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('a batch backend with a spool under kill -9', () => {
  for (const sync of ['interval', 'always'] as const) {
    it(`sync ${sync}: every event whose processEvents resolved true is delivered after a restart`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 0, max: 150 }), { minLength: 4, maxLength: 4 }),
          (kills) => scenario(sync, kills),
        ),
        { numRuns: 2 },
      );
    }, 60_000);
  }
});
