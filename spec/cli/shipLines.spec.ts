import { describe, expect, it } from 'vitest';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import type { AuditPluginError } from '../../src/contract/AuditBackend.js';
import type { ShipRecord } from '../../src/cli/readLogRecords.js';
import { shipLines } from '../../src/cli/shipLines.js';
import { decodeLogLine } from '../../src/cli/shipCommand.js';
import type { AuditBatch } from '../../src/contract/AuditSender.js';

function event(i: number): object {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `id-${i}`,
    stage: 'ResponseComplete',
    requestURI: '/api',
    verb: 'get',
  };
}

const at = (i: number) => ({
  end: i * 10,
  resume: { offset: i * 10, line: i + 1, mode: 'lines', inArray: false } as const,
});
type Extra = { lineNumber: number; value: unknown } | { lineNumber: number; error: string };
async function* lines(n: number, extra: Record<number, Extra> = {}): AsyncGenerator<ShipRecord> {
  for (let i = 1; i <= n; i++)
    yield { ...at(i), ...(extra[i] ?? { lineNumber: i, value: event(i) }) } as ShipRecord;
}
/** `n` records, then the input stays open (idle) until `signal` aborts. */
async function* idleAfter(n: number, signal: AbortSignal): AsyncGenerator<ShipRecord> {
  yield* lines(n);
  await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
}

/** A slow sender: each POST takes `ms` and records its events. */
function slowSender(ms: number) {
  const received: string[] = [];
  let inFlight = 0;
  let maxInFlightEvents = 0;
  const send = async (batch: AuditBatch): Promise<void> => {
    inFlight += batch.events.length;
    maxInFlightEvents = Math.max(maxInFlightEvents, inFlight);
    await new Promise((r) => setTimeout(r, ms));
    inFlight -= batch.events.length;
    received.push(...batch.events.map((e) => e.auditID));
  };
  return { send, received, max: () => maxInFlightEvents };
}

describe('shipLines', () => {
  it('applies backpressure: 2 000 events through a 50-event buffer and a slow sender are all delivered, none dropped', async () => {
    const sender = slowSender(2);
    const errors: AuditPluginError[] = [];
    const backend = createWebhookBackend({
      mode: 'batch',
      sender: sender.send,
      batch: { bufferSize: 50, maxBatchSize: 10, maxBatchWait: 5 },
      onError: (e) => errors.push(e),
    });
    const result = await shipLines(lines(2000), {
      backend,
      mode: 'batch',
      bufferSize: 50,
      chunkSize: 10,
      decode: decodeLogLine,
      onInvalid: () => undefined,
    });
    expect(result).toEqual({ read: 2000, invalid: 0, interrupted: false });
    expect(errors).toEqual([]);
    expect(backend.stats().delivered).toBe(2000);
    expect(new Set(sender.received).size).toBe(2000);
    expect(sender.max()).toBeLessThanOrEqual(50);
  });

  it('reports invalid lines by number and skips them; an EventList line ships its items', async () => {
    const sender = slowSender(0);
    const backend = createWebhookBackend({ mode: 'blocking', sender: sender.send, onError: () => undefined });
    const invalid: [number, string][] = [];
    const result = await shipLines(
      lines(6, {
        2: { lineNumber: 2, error: 'not valid JSON' },
        4: { lineNumber: 4, value: { ...event(4), stage: 'Halfway' } },
        5: {
          lineNumber: 5,
          value: { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [event(50), event(51)] },
        },
      }),
      {
        backend,
        mode: 'blocking',
        bufferSize: 1,
        chunkSize: 2,
        decode: decodeLogLine,
        onInvalid: (n, m) => invalid.push([n, m]),
      },
    );
    expect(result).toEqual({ read: 5, invalid: 2, interrupted: false });
    expect(invalid.map(([n]) => n)).toEqual([2, 4]);
    expect(invalid[1]?.[1]).toContain('stage: expected one of');
    expect(sender.received).toEqual(['id-1', 'id-3', 'id-50', 'id-51', 'id-6']);
  });

  it('stops reading when the signal aborts, still draining what was accepted', async () => {
    const sender = slowSender(1);
    const backend = createWebhookBackend({
      mode: 'batch',
      sender: sender.send,
      batch: { maxBatchWait: 5 },
      onError: () => undefined,
    });
    const controller = new AbortController();
    const result = await shipLines(lines(100), {
      backend,
      mode: 'batch',
      bufferSize: 1000,
      chunkSize: 1,
      decode: decodeLogLine,
      onInvalid: () => undefined,
      signal: controller.signal,
      onProgress: ({ read }) => {
        if (read === 30) controller.abort();
      },
    });
    expect(result).toEqual({ read: 30, invalid: 0, interrupted: true });
    expect(sender.received).toHaveLength(30);
  });

  it('sends a partial batch after maxBatchWait while the input is idle, and stops at once on abort (batch mode)', async () => {
    const sender = slowSender(0);
    const backend = createWebhookBackend({
      mode: 'batch',
      sender: sender.send,
      batch: { maxBatchSize: 100, maxBatchWait: 30 },
      onError: () => undefined,
    });
    const controller = new AbortController();
    const shipped = shipLines(idleAfter(3, controller.signal), {
      backend,
      mode: 'batch',
      bufferSize: 1000,
      chunkSize: 100,
      decode: decodeLogLine,
      onInvalid: () => undefined,
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sender.received).toEqual(['id-1', 'id-2', 'id-3']);
    const before = Date.now();
    controller.abort();
    expect(await shipped).toEqual({ read: 3, invalid: 0, interrupted: true });
    expect(Date.now() - before).toBeLessThan(500);
  });

  it('blocking mode: a partial chunk is POSTed after maxBatchWait of idle input', async () => {
    const sender = slowSender(0);
    const backend = createWebhookBackend({ mode: 'blocking', sender: sender.send, onError: () => undefined });
    const controller = new AbortController();
    const shipped = shipLines(idleAfter(2, controller.signal), {
      backend,
      mode: 'blocking',
      bufferSize: 1,
      chunkSize: 50,
      maxBatchWait: 30,
      decode: decodeLogLine,
      onInvalid: () => undefined,
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sender.received).toEqual(['id-1', 'id-2']);
    controller.abort();
    expect((await shipped).interrupted).toBe(true);
  });

  it('after abort, the drain lasts at most drainTimeout: what is still undelivered is reported as send-failed', async () => {
    const errors: AuditPluginError[] = [];
    const backend = createWebhookBackend({
      mode: 'batch',
      sender: () => new Promise<void>(() => undefined), // a webhook that never answers
      batch: { maxBatchWait: 5 },
      timeout: 60_000,
      onError: (e) => errors.push(e),
    });
    const controller = new AbortController();
    const shipped = shipLines(idleAfter(5, controller.signal), {
      backend,
      mode: 'batch',
      bufferSize: 1000,
      chunkSize: 100,
      decode: decodeLogLine,
      onInvalid: () => undefined,
      signal: controller.signal,
      drainTimeout: 100,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = Date.now();
    controller.abort();
    await shipped;
    expect(Date.now() - before).toBeLessThan(1000);
    expect(errors.flatMap((e) => e.events.map((ev) => ev.auditID)).sort()).toEqual([
      'id-1',
      'id-2',
      'id-3',
      'id-4',
      'id-5',
    ]);
    expect(errors.every((e) => e.reason === 'send-failed')).toBe(true);
  });
});
