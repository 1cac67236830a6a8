// A batch backend with a spool, through the public API (createWebhookBackend / createBufferedBackend with
// `spool`), on a real on-disk spool in a temp folder. Crash safety with real processes: spool.crash.spec.ts.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditBackend, AuditPluginError } from '../../src/contract/AuditBackend.js';
import { createBufferedBackend } from '../../src/backends/createBufferedBackend.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import type { AuditEvent } from '../../src/events/Event.js';
import { registerMetrics } from '../../src/metrics/registerMetrics.js';
import { isSpoolError } from '../../src/spool/SpoolError.js';
import type { AuditBatch } from '../../src/contract/AuditSender.js';
import { recordingBackend } from '../backends/recordingBackend.js';
import { mountSmallTmpfs } from './fixtures/smallTmpfs.js';

const dirs: string[] = [];
const backends: AuditBackend[] = [];
afterEach(async () => {
  for (const b of backends.splice(0)) await b.shutdown({ timeout: 0 });
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rx-audit-spooled-'));
  dirs.push(dir);
  return dir;
}

const event = (n: number, pad = 0): AuditEvent =>
  ({
    level: 'Metadata',
    auditID: `id-${n}`,
    stage: 'ResponseComplete',
    requestURI: '/api/v1/pods',
    verb: 'list',
    ...(pad > 0 ? { annotations: { pad: 'x'.repeat(pad) } } : {}),
  }) as AuditEvent;
const ids = (events: readonly AuditEvent[]): string[] => events.map((e) => e.auditID);
const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Harness {
  backend: AuditBackend;
  received: AuditEvent[];
  errors: AuditPluginError[];
  /** Sends that have not answered yet; call one to deliver its batch. */
  pending: (() => void)[];
}

function spooled(
  dir: string,
  options: {
    hold?: boolean;
    maxBytes?: number;
    whenFull?: 'drop' | 'block';
    bufferSize?: number;
    sync?: 'always' | 'interval';
  } = {},
): Harness {
  const received: AuditEvent[] = [];
  const errors: AuditPluginError[] = [];
  const pending: (() => void)[] = [];
  const backend = createWebhookBackend({
    mode: 'batch',
    sender: (batch: AuditBatch) =>
      new Promise<void>((resolve) => {
        const deliver = (): void => {
          received.push(...batch.events);
          resolve();
        };
        if (options.hold) pending.push(deliver);
        else deliver();
      }),
    batch: {
      bufferSize: options.bufferSize ?? 1000,
      maxBatchSize: 10,
      maxBatchWait: 5,
      whenFull: options.whenFull ?? 'drop',
    },
    spool: {
      dir,
      sync: options.sync ?? 'interval',
      ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}),
    },
    onError: (e) => errors.push(e),
  });
  backends.push(backend);
  return { backend, received, errors, pending };
}

async function stop(h: Harness): Promise<void> {
  await h.backend.shutdown();
  backends.splice(backends.indexOf(h.backend), 1);
}

describe('batch mode with a spool', () => {
  it('delivers every event, and the spool is empty afterwards', async () => {
    const h = spooled(tempDir());
    h.backend.run();
    expect(await h.backend.processEvents(event(1), event(2))).toBe(true);
    expect(h.backend.stats()).toMatchObject({ accepted: 2, spooledEvents: 2 });
    await h.backend.flush();
    expect(ids(h.received)).toEqual(['id-1', 'id-2']);
    expect(h.backend.stats()).toMatchObject({ delivered: 2, spooledEvents: 0, spooledBytes: 0 });
    expect(h.errors).toEqual([]);
  });

  it('a second backend on the folder throws while the first holds it; after shutdown it opens', async () => {
    const dir = tempDir();
    const first = spooled(dir);
    expect(() => spooled(dir)).toThrow(`spool ${dir} is in use (pid ${process.pid})`);
    await stop(first);
    spooled(dir);
  });

  it('what a backend left in the spool is sent by the next one after run(), before new events, in order', async () => {
    const dir = tempDir();
    const first = spooled(dir);
    // Never run: the events stay in the spool (on disk) for the next backend.
    for (let i = 0; i < 25; i++) expect(await first.backend.processEvents(event(i))).toBe(true);
    await stop(first);
    expect(first.errors).toEqual([]);
    const second = spooled(dir);
    expect(second.backend.stats().spooledEvents).toBe(25);
    expect(await second.backend.processEvents(event(100))).toBe(true);
    second.backend.run();
    await second.backend.flush();
    expect(ids(second.received)).toEqual([...[...Array(25).keys()].map((i) => `id-${i}`), 'id-100']);
    expect(second.backend.stats()).toMatchObject({ spooledEvents: 0, delivered: 26 });
  });

  it('bufferSize bounds only memory: the rest waits in the spool and is read back as room frees', async () => {
    const h = spooled(tempDir(), { hold: true, bufferSize: 10 });
    h.backend.run();
    for (let i = 0; i < 50; i++) expect(await h.backend.processEvents(event(i))).toBe(true);
    await tick(30);
    const s = h.backend.stats();
    expect(s.inFlight).toBe(10);
    expect(s.spooledEvents).toBe(50);
    expect(h.pending.length).toBe(1);
    while (h.received.length < 50) {
      h.pending.shift()?.();
      await tick(10);
    }
    expect(ids(h.received)).toEqual([...Array(50).keys()].map((i) => `id-${i}`));
    await tick(5);
    expect(h.backend.stats().spooledEvents).toBe(0);
  });

  it("spool full with whenFull 'drop': the rest of the call is reported as queue-blocked", async () => {
    const recordBytes = 16 + JSON.stringify(event(1)).length;
    const h = spooled(tempDir(), { hold: true, maxBytes: recordBytes * 3 });
    expect(await h.backend.processEvents(event(1), event(2), event(3), event(4), event(5))).toBe(false);
    expect(h.errors.map((e) => [e.reason, e.error.message, ids(e.events)])).toEqual([
      ['queue-blocked', 'audit webhook queue blocked', ['id-4', 'id-5']],
    ]);
    expect(h.backend.stats()).toMatchObject({ accepted: 3, spooledEvents: 3 });
  });

  it("spool full with whenFull 'block': processEvents waits until events ended and resolves true", async () => {
    const recordBytes = 16 + JSON.stringify(event(1)).length;
    const h = spooled(tempDir(), { hold: true, maxBytes: recordBytes * 2, whenFull: 'block' });
    h.backend.run();
    let resolved: boolean | undefined;
    void h.backend.processEvents(event(1), event(2), event(3)).then((ok) => (resolved = ok));
    await tick(30);
    expect(resolved).toBeUndefined();
    h.pending.shift()?.();
    await tick(30);
    expect(resolved).toBe(true);
    expect(h.errors).toEqual([]);
  });

  it("whenFull 'block': an event larger than spool.maxBytes alone is refused at once, never waited for", async () => {
    const h = spooled(tempDir(), { maxBytes: 100, whenFull: 'block' });
    expect(await h.backend.processEvents(event(1, 200))).toBe(false);
    expect(h.errors.map((e) => [e.reason, ids(e.events)])).toEqual([['queue-blocked', ['id-1']]]);
  });

  it('shutdown reports calls still waiting for room as shut-down; what is spooled stays for the next run', async () => {
    const recordBytes = 16 + JSON.stringify(event(1)).length;
    const dir = tempDir();
    const h = spooled(dir, { hold: true, maxBytes: recordBytes * 2, whenFull: 'block' });
    const waiting = h.backend.processEvents(event(1), event(2), event(3));
    await tick(10);
    await stop(h);
    expect(await waiting).toBe(false);
    expect(h.errors.map((e) => [e.reason, ids(e.events)])).toEqual([['shut-down', ['id-3']]]);
    const next = spooled(dir);
    next.backend.run();
    await next.backend.flush();
    expect(ids(next.received)).toEqual(['id-1', 'id-2']);
  });

  it('damaged data: intact events are sent, the damage is reported as invalid naming the spool', async () => {
    const dir = tempDir();
    const first = spooled(dir);
    for (let i = 0; i < 5; i++) await first.backend.processEvents(event(i));
    await stop(first);
    const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.log')) as string);
    const data = readFileSync(file);
    data[data.indexOf('"id-2"') + 2] = 'X'.charCodeAt(0);
    writeFileSync(file, data);
    const second = spooled(dir);
    second.backend.run();
    await second.backend.flush();
    expect(ids(second.received)).toEqual(['id-0', 'id-1', 'id-3', 'id-4']);
    expect(second.errors).toHaveLength(1);
    const [damage] = second.errors;
    expect(damage?.reason).toBe('invalid');
    expect(damage?.events).toEqual([]);
    expect(isSpoolError(damage?.error)).toBe(true);
    expect(damage?.error.message).toMatch(
      new RegExp(`^spool ${dir} is damaged: \\d+ bytes of seg-\\d+\\.log in 1 range skipped`),
    );
  });

  it('an ack the spool cannot write is reported as invalid with no events; the events still count as delivered', async () => {
    const dir = tempDir();
    const h = spooled(dir, { hold: true });
    h.backend.run();
    expect(await h.backend.processEvents(event(1), event(2))).toBe(true);
    const log = readdirSync(dir).find((f) => f.endsWith('.log')) as string;
    const ack = log.replace(/\.log$/, '.ack');
    mkdirSync(join(dir, ack)); // a real failure: the ack file cannot be opened (EISDIR)
    await vi.waitFor(() => expect(h.pending).toHaveLength(1));
    h.pending.splice(0).forEach((deliver) => deliver());
    await h.backend.flush();
    expect(ids(h.received)).toEqual(['id-1', 'id-2']);
    expect(h.backend.stats()).toMatchObject({ delivered: 2, spooledEvents: 0 });
    expect(h.errors.map((e) => [e.reason, e.events.length, isSpoolError(e.error), e.error.message])).toEqual([
      [
        'invalid',
        0,
        true,
        `spool ${dir} cannot record in ${ack} that 2 events ended (EISDIR): they are sent again after a restart`,
      ],
    ]);
  });

  it('validates the spool options, naming the field', () => {
    const make = (spool: unknown) => () =>
      createWebhookBackend({
        mode: 'batch',
        sender: () => Promise.resolve(),
        spool: spool as { dir: string },
      });
    expect(make({ dir: '' })).toThrow('spool.dir must be a non-empty string, got ""');
    expect(make({ dir: '/tmp/x', maxBytes: 0 })).toThrow('spool.maxBytes must be a positive integer, got 0');
    expect(make({ dir: '/tmp/x', sync: 'never' })).toThrow(
      `spool.sync must be 'always' or 'interval', got "never"`,
    );
    expect(make({ dir: '/tmp/x', syncIntervalMs: -1 })).toThrow(
      'spool.syncIntervalMs must be a positive number, got -1',
    );
  });

  it('createBufferedBackend takes a spool too', async () => {
    const delegate = recordingBackend('log');
    const backend = createBufferedBackend(delegate, { maxBatchWait: 5, spool: { dir: tempDir() } });
    backends.push(backend);
    backend.run();
    expect(await backend.processEvents(event(1), event(2))).toBe(true);
    await backend.flush();
    expect(ids(delegate.calls.flat())).toEqual(['id-1', 'id-2']);
    expect(backend.stats()).toMatchObject({ spooledEvents: 0, delivered: 2 });
  });

  it('registerMetrics exports audit_spool_bytes', async () => {
    const h = spooled(tempDir(), { hold: true });
    const registry = new Registry();
    registerMetrics(h.backend, registry);
    await h.backend.processEvents(event(1));
    const text = await registry.metrics();
    expect(text).toContain(`audit_spool_bytes ${16 + JSON.stringify(event(1)).length}`);
  });
});

describe('batch mode with a spool on a full disk (a 1 MiB tmpfs; needs root)', () => {
  const mountPoint = mountSmallTmpfs('spec/spool/createSpooledEngine.spec.ts');
  const mounted = mountPoint !== undefined;

  it.skipIf(!mounted)(
    'a call that cannot be written resolves false and its events are reported; no crash',
    async () => {
      const dir = join(mountPoint as string, 'spool');
      const h = spooled(dir, { hold: true, sync: 'always' });
      let ok = true;
      let calls = 0;
      while (ok && calls < 200) {
        ok = await h.backend.processEvents(event(calls, 20_000));
        calls++;
      }
      expect(ok).toBe(false);
      expect(h.errors).toHaveLength(1);
      const [full] = h.errors;
      expect(full?.reason).toBe('queue-blocked');
      expect(ids(full?.events ?? [])).toEqual([`id-${calls - 1}`]);
      expect(full?.error.message).toBe(`spool ${dir} cannot be written: ENOSPC`);
      expect(h.backend.stats().accepted).toBe(calls - 1);
    },
  );
});
