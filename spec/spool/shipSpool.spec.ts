// `rx-audit ship --spool DIR`, on the BUILT command line (`npm run build` first), to a real receiver.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import type { Receiver } from '../../src/testing/receiver.js';
import { startReceiver } from '../../src/testing/receiver.js';
import { openSpoolStore } from '../../src/spool/openSpoolStore.js';
import { assertBuilt, deliveredCount, runCli } from '../cli/builtCli.js';

let receiver: Receiver;
const dirs: string[] = [];
beforeAll(async () => {
  assertBuilt();
  receiver = await startReceiver();
});
afterAll(() => receiver.close());
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function temp(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rx-audit-ship-spool-'));
  dirs.push(dir);
  return dir;
}

const event = (id: string): Record<string, unknown> => ({
  level: 'Metadata',
  auditID: id,
  stage: 'ResponseComplete',
  requestURI: '/api/v1/pods',
  verb: 'list',
});

function logFile(ids: string[]): string {
  const file = path.join(temp(), 'audit.log');
  writeFileSync(
    file,
    ids
      .map((id) => JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', ...event(id) }))
      .join('\n') + '\n',
  );
  return file;
}

describe('rx-audit ship --spool', () => {
  it('ships through the spool, sends what an earlier run left first, and leaves the spool empty', async () => {
    const spool = path.join(temp(), 'spool');
    // What an earlier run accepted and did not deliver (wire items, as the backend spools them).
    const store = openSpoolStore({ dir: spool, maxBytes: 1 << 20, sync: 'interval', syncIntervalMs: 1000 });
    await store.append([JSON.stringify(event('left-1')), JSON.stringify(event('left-2'))]);
    store.close();
    const before = receiver.events.length;
    const run = await runCli([
      'ship',
      logFile(['new-1', 'new-2', 'new-3']),
      '--url',
      receiver.url,
      '--spool',
      spool,
      '--max-batch-wait',
      '10',
      '--no-progress',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(deliveredCount(run.stdout)).toBe(5);
    expect(receiver.events.slice(before).map((e) => e.auditID)).toEqual([
      'left-1',
      'left-2',
      'new-1',
      'new-2',
      'new-3',
    ]);
    const again = openSpoolStore({ dir: spool, maxBytes: 1 << 20, sync: 'interval', syncIntervalMs: 1000 });
    expect(again.stats().spooledEvents).toBe(0);
    again.close();
  });

  it('a spool in use by another backend is a usage error naming the holder', async () => {
    const spool = temp();
    const holder = createWebhookBackend({
      mode: 'batch',
      sender: () => Promise.resolve(),
      spool: { dir: spool },
    });
    try {
      const run = await runCli([
        'ship',
        logFile(['a']),
        '--url',
        receiver.url,
        '--spool',
        spool,
        '--no-progress',
      ]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`spool ${spool} is in use (pid ${process.pid})`);
    } finally {
      await holder.shutdown();
    }
  });

  it('--spool needs batch mode', async () => {
    const run = await runCli([
      'ship',
      logFile(['a']),
      '--url',
      receiver.url,
      '--spool',
      temp(),
      '--mode',
      'blocking',
      '--no-progress',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--spool needs --mode batch');
  });
});
