// Flow control (issue 14, DESIGN "Flow control, memory and the wire"): whenFull 'block' waits for room in call
// order, maxBufferBytes bounds the snapshot bytes held, maxBatchBytes cuts batches by their body's bytes, and an
// event over either limit is reported as too-large. Time and size in virtual time; the wire on a real server.
import type { Observable } from 'rxjs';
import { Subject, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import type { AuditPluginError } from '../../src/contract/AuditBackend.js';
import type {
  BatchWebhookBackendOptions,
  WebhookBackendOptions,
} from '../../src/backends/WebhookBackendOptions.js';
import type { BatchOptions } from '../../src/contract/options.js';
import { createBufferedBackend } from '../../src/backends/createBufferedBackend.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import { auditWebhook } from '../../src/operators/auditWebhook.js';
import type { Receiver } from '../../src/testing/receiver.js';
import { startReceiver } from '../../src/testing/receiver.js';
import { auditEvent, auditEvents, ids, virtualClock } from '../helpers/fixtures.js';
import { recordingBackend } from './recordingBackend.js';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
/** Bytes of one fixture event's snapshot (all fixture IDs below have the same length). */
const itemBytes = (id: string) => Buffer.byteLength(JSON.stringify(auditEvent(id)));
const ENVELOPE = Buffer.byteLength(
  '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[]}',
);
const big = (id: string, size: number) => auditEvent(id, { annotations: { pad: 'x'.repeat(size) } });

describe('batch.whenFull: block', () => {
  it('a tight loop delivers every event: calls wait for room instead of dropping', async () => {
    const clock = virtualClock();
    const errors: AuditPluginError[] = [];
    const delivered: string[] = [];
    const backend = createWebhookBackend({
      mode: 'batch',
      scheduler: clock.scheduler,
      batch: { bufferSize: 3, maxBatchSize: 2, maxBatchWait: 10, whenFull: 'block' },
      sender: (batch) =>
        new Promise<void>((resolve) =>
          clock.scheduler.schedule(() => {
            delivered.push(...batch.events.map((e) => e.auditID));
            resolve();
          }, 5),
        ),
      onError: (e) => errors.push(e),
    });
    backend.run();
    const results: boolean[] = [];
    const loop = (async () => {
      for (const event of auditEvents(20)) results.push(await backend.processEvents(event));
    })();
    for (let i = 0; i < 100 && results.length < 20; i++) await clock.advanceBy(5);
    await loop;
    const done = backend.shutdown();
    await clock.advanceBy(100);
    await done;
    expect(results).toEqual(Array(20).fill(true));
    expect(errors).toEqual([]);
    expect(delivered).toEqual(ids(auditEvents(20)));
    expect(backend.stats()).toMatchObject({ accepted: 20, delivered: 20, queued: 0, inFlight: 0 });
  });

  it('serves waiting callers first come first served, and later calls queue behind them', async () => {
    const clock = virtualClock();
    const sent: string[] = [];
    const backend = createWebhookBackend({
      mode: 'batch',
      scheduler: clock.scheduler,
      batch: { bufferSize: 2, maxBatchSize: 1, maxBatchWait: 0, maxInFlight: 1, whenFull: 'block' },
      sender: (batch) => {
        sent.push(batch.events.map((e) => e.auditID).join());
        return new Promise<void>((resolve) => clock.scheduler.schedule(() => resolve(), 10));
      },
      onError: () => {},
    });
    backend.run();
    const order: string[] = [];
    const call = (prefix: string, n: number) =>
      backend.processEvents(...auditEvents(n, prefix)).then((ok) => order.push(`${prefix}:${ok}`));
    const calls = [call('a', 3), call('b', 2), call('c', 1)];
    await clock.advanceBy(200);
    await Promise.all(calls);
    await backend.shutdown();
    expect(order).toEqual(['a:true', 'b:true', 'c:true']);
    expect(sent).toEqual(['a0', 'a1', 'a2', 'b0', 'b1', 'c0']);
  });

  it('at shutdown, what waiting calls have not placed is reported as shut-down and they resolve false', async () => {
    const clock = virtualClock();
    const errors: AuditPluginError[] = [];
    const backend = createWebhookBackend({
      mode: 'batch',
      scheduler: clock.scheduler,
      batch: { bufferSize: 2, maxBatchSize: 10, maxBatchWait: 1000, whenFull: 'block' },
      sender: () => new Promise<void>((resolve) => clock.scheduler.schedule(() => resolve(), 10)),
      onError: (e) => errors.push(e),
    });
    backend.run();
    const first = backend.processEvents(...auditEvents(3, 'a')); // a0, a1 placed; a2 waits
    const second = backend.processEvents(...auditEvents(2, 'b')); // waits behind it
    const done = backend.shutdown();
    await clock.advanceBy(100);
    await done;
    expect([await first, await second]).toEqual([false, false]);
    expect(errors.map((e) => [e.reason, e.error.message, ids(e.events).join()])).toEqual([
      ['shut-down', 'audit webhook shut down', 'a2'],
      ['shut-down', 'audit webhook shut down', 'b0,b1'],
    ]);
    expect(backend.stats()).toMatchObject({ accepted: 2, delivered: 2, queued: 0, inFlight: 0 });
    expect(backend.stats().failed['queue-blocked']).toBe(0);
  });
});

describe('batch.maxBufferBytes', () => {
  it('bounds the snapshot bytes held: an event that does not fit is refused like a full bufferSize', async () => {
    const clock = virtualClock();
    const errors: AuditPluginError[] = [];
    const backend = createWebhookBackend({
      mode: 'batch',
      scheduler: clock.scheduler,
      batch: { maxBufferBytes: 2 * itemBytes('e0') + 1, maxBatchWait: 50 },
      sender: () => Promise.resolve(),
      onError: (e) => errors.push(e),
    });
    backend.run();
    expect(await backend.processEvents(...auditEvents(4))).toBe(false);
    expect(errors.map((e) => [e.reason, e.error.message, ids(e.events).join()])).toEqual([
      ['queue-blocked', 'audit webhook queue blocked', 'e2,e3'],
    ]);
    await clock.advanceBy(60);
    // Delivered: the room is free again.
    expect(await backend.processEvents(...auditEvents(2, 'f'))).toBe(true);
    await backend.shutdown();
    expect(backend.stats()).toMatchObject({ accepted: 4, delivered: 4 });
  });

  it('reports an event larger than maxBufferBytes alone as too-large, and accepts the others', async () => {
    const errors: AuditPluginError[] = [];
    const sent: string[] = [];
    const backend = createWebhookBackend({
      mode: 'batch',
      batch: { maxBufferBytes: 4096, maxBatchWait: 0 },
      sender: (batch) => {
        sent.push(...batch.events.map((e) => e.auditID));
        return Promise.resolve();
      },
      onError: (e) => errors.push(e),
    });
    backend.run();
    expect(await backend.processEvents(auditEvent('small'), big('huge', 5000), auditEvent('tiny'))).toBe(
      false,
    );
    await backend.shutdown();
    expect(errors.map((e) => [e.reason, ids(e.events).join()])).toEqual([['too-large', 'huge']]);
    expect(errors[0]?.error.message).toMatch(/^audit webhook event is over \d+ bytes/);
    expect(sent).toEqual(['small', 'tiny']);
    expect(backend.stats().failed['too-large']).toBe(1);
  });
});

describe('byte bounds measure only near a limit', () => {
  /** `Buffer.byteLength` calls while 5 events are accepted (the sender never reads the body). */
  const measures = async (batch: BatchOptions) => {
    const backend = createWebhookBackend({ mode: 'batch', sender: () => Promise.resolve(), batch });
    backend.run();
    const spy = vi.spyOn(Buffer, 'byteLength');
    try {
      expect(await backend.processEvents(...auditEvents(5))).toBe(true);
      return spy.mock.calls.length;
    } finally {
      spy.mockRestore();
      await backend.shutdown();
    }
  };

  it('far from the limits (the defaults, or none) processEvents measures nothing: 3 bytes per code unit bound it', async () => {
    expect(await measures({})).toBe(0);
    expect(await measures({ maxBufferBytes: Infinity, maxBatchBytes: Infinity })).toBe(0);
  });

  it('near a limit it measures, each event once at most', async () => {
    const size = itemBytes('e0');
    // Bounds (3 × length) pass these limits, exact bytes do not: the room and the cut must measure to decide.
    expect(await measures({ maxBufferBytes: 5 * size + 1, maxBatchWait: 50 })).toBeGreaterThan(0);
    expect(await measures({ maxBufferBytes: 5 * size + 1, maxBatchWait: 50 })).toBeLessThanOrEqual(5);
    expect(await measures({ maxBatchBytes: ENVELOPE + 5 * size + 4, maxBatchSize: 10 })).toBeGreaterThan(0);
    expect(await measures({ maxBatchBytes: ENVELOPE + 5 * size + 4, maxBatchSize: 10 })).toBeLessThanOrEqual(
      5,
    );
  });
});

describe('no byte bounds (maxBufferBytes and maxBatchBytes both Infinity)', () => {
  it('sends multi-byte events byte for byte: the body encoder measures what the enqueue left unmeasured', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const errors: AuditPluginError[] = [];
    const backend = createWebhookBackend({
      mode: 'batch',
      target: { url: receiver.url },
      batch: { maxBatchSize: 3, maxBatchWait: 60_000, maxBufferBytes: Infinity, maxBatchBytes: Infinity },
      onError: (e) => errors.push(e),
    });
    backend.run();
    // Two- and four-byte UTF-8 characters: a body sized by string length instead of bytes would be cut short.
    const events = ['é', '日本', '😀', 'ascii', 'ß'.repeat(5000)].map((pad, i) =>
      auditEvent(`u${i}`, { annotations: { pad } }),
    );
    expect(await backend.processEvents(...events)).toBe(true);
    await backend.shutdown();
    expect(errors).toEqual([]);
    expect(receiver.requests.map((r) => ids(r.events))).toEqual([
      ['u0', 'u1', 'u2'],
      ['u3', 'u4'],
    ]);
    expect(receiver.requests.flatMap((r) => r.events)).toEqual(events);
    for (const r of receiver.requests) {
      expect(r.body).toBe(
        `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[${r.events.map((e) => JSON.stringify(e)).join(',')}]}`,
      );
    }
  });
});

describe('batch.maxBatchBytes', () => {
  it('marbles: a batch is cut before its body would pass the limit; count and time cuts still apply', () => {
    const t = testScheduler();
    t.run(({ cold, expectObservable }) => {
      const sends = new Subject<string>();
      const limit = ENVELOPE + 2 * itemBytes('a') + 1; // two items and their comma fit, three do not
      const backend = createWebhookBackend({
        mode: 'batch',
        scheduler: t,
        batch: { maxBatchSize: 10, maxBatchWait: 100, maxBatchBytes: limit },
        sender: (batch) => {
          expect(Buffer.byteLength(batch.body)).toBeLessThanOrEqual(limit);
          sends.next(batch.events.map((e) => e.auditID).join(''));
          return cold('|');
        },
        onError: () => {},
      });
      backend.run();
      const letters = Object.fromEntries([...'abcde'].map((id) => [id, auditEvent(id)]));
      cold('abcde', letters).subscribe((e) => void backend.processEvents(e));
      // a b fill the limit exactly: cut at once; c d likewise; e when its window (restarted at 3) closes.
      expectObservable(sends).toBe('-x-y 99ms z', { x: 'ab', y: 'cd', z: 'e' });
    });
  });

  it('on the wire: every POST body stays within maxBatchBytes; an event over it alone is too-large', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const errors: AuditPluginError[] = [];
    const limit = 4096;
    const backend = createWebhookBackend({
      mode: 'batch',
      target: { url: receiver.url },
      batch: { maxBatchSize: 1000, maxBatchWait: 60_000, maxBatchBytes: limit },
      onError: (e) => errors.push(e),
    });
    backend.run();
    const events = Array.from({ length: 30 }, (_, i) => big(`e${i}`, 100 + ((i * 37) % 700)));
    expect(await backend.processEvents(...events, big('huge', limit))).toBe(false);
    await backend.shutdown();
    expect(errors.map((e) => [e.reason, ids(e.events).join()])).toEqual([['too-large', 'huge']]);
    const bodies = receiver.requests.map((r) => Buffer.byteLength(r.body));
    expect(Math.max(...bodies)).toBeLessThanOrEqual(limit);
    expect(bodies.length).toBeGreaterThan(3);
    // Cut only when needed: each batch plus the next batch's first event would have passed the limit.
    const sent = receiver.requests.flatMap((r) => ids(r.events));
    expect(sent).toEqual(ids(events));
    receiver.requests.slice(0, -1).forEach((r, k) => {
      const next = receiver.requests[k + 1]?.events[0];
      expect(Buffer.byteLength(r.body) + 1 + Buffer.byteLength(JSON.stringify(next))).toBeGreaterThan(limit);
    });
  });
});

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe("a sender error with reason 'too-large'", () => {
  it('is final (one attempt) and its batch is reported as too-large, not send-failed', async () => {
    const errors: AuditPluginError[] = [];
    let attempts = 0;
    const backend = createWebhookBackend({
      mode: 'batch',
      batch: { maxBatchWait: 0 },
      retry: { initialDelay: 1, jitter: 0 },
      sender: () => {
        attempts++;
        return Promise.reject(Object.assign(new Error('message over max_payload'), { reason: 'too-large' }));
      },
      onError: (e) => errors.push(e),
    });
    backend.run();
    expect(await backend.processEvents(...auditEvents(2))).toBe(true);
    await backend.shutdown();
    expect(attempts).toBe(1);
    expect(errors.map((e) => [e.reason, ids(e.events).join()])).toEqual([['too-large', 'e0,e1']]);
    expect(backend.stats().failed).toMatchObject({ 'too-large': 2, 'send-failed': 0 });
  });
});

describe('the same options through every door', () => {
  it('createBufferedBackend: whenFull block, maxBufferBytes, maxBatchBytes (too-large)', async () => {
    const clock = virtualClock();
    const delegate = recordingBackend();
    const errors: AuditPluginError[] = [];
    const backend = createBufferedBackend(delegate, {
      scheduler: clock.scheduler,
      bufferSize: 1,
      maxBatchSize: 5,
      maxBatchWait: 10,
      whenFull: 'block',
      maxBatchBytes: 2048,
      onError: (e) => errors.push(e),
    });
    backend.run();
    const calls = [backend.processEvents(...auditEvents(3)), backend.processEvents(big('huge', 4000))];
    for (let i = 0; i < 10; i++) await clock.advanceBy(10);
    expect(await Promise.all(calls)).toEqual([true, false]);
    await backend.shutdown();
    expect(errors.map((e) => [e.plugin, e.reason, ids(e.events).join()])).toEqual([
      ['buffered', 'too-large', 'huge'],
    ]);
    expect(ids(delegate.calls.flat())).toEqual(['e0', 'e1', 'e2']);
  });

  it('auditWebhook: batches cut by maxBatchBytes; an event over it is a failed delivery of its own', () => {
    const t = testScheduler();
    t.run(({ cold, expectObservable }) => {
      const limit = ENVELOPE + 2 * itemBytes('a') + 1;
      const source = cold('abc(x|)', {
        a: auditEvent('a'),
        b: auditEvent('b'),
        c: auditEvent('c'),
        x: big('x', limit),
      });
      const out: Observable<string> = source.pipe(
        auditWebhook({ sender: () => cold('|'), scheduler: t, batch: { maxBatchBytes: limit } }),
        map((d) => `${d.ok ? 'ok' : 'failed'}:${ids(d.events).join('')}`),
      );
      expectObservable(out).toBe('-a-(bc|)', { a: 'ok:ab', b: 'failed:x', c: 'ok:c' });
    });
  });

  it('types: batch, spool and whenFull type-check only with mode batch', () => {
    expectTypeOf<{ mode: 'batch'; batch: { whenFull: 'block' } }>().toMatchTypeOf<WebhookBackendOptions>();
    expectTypeOf<{ mode: 'batch'; spool: { dir: string } }>().toMatchTypeOf<BatchWebhookBackendOptions>();
    expectTypeOf<{ mode: 'blocking'; retry: { attempts: 2 } }>().toMatchTypeOf<WebhookBackendOptions>();
    expectTypeOf<BatchWebhookBackendOptions['batch']>().toEqualTypeOf<BatchOptions | undefined>();
    // Type-level only (never called): the compiler must reject these.
    const rejected = () => {
      // @ts-expect-error a batch block with mode 'blocking' is a type error
      createWebhookBackend({ mode: 'blocking', sender: () => Promise.resolve(), batch: { maxBatchSize: 2 } });
      // @ts-expect-error so is a spool
      createWebhookBackend({ mode: 'blocking', sender: () => Promise.resolve(), spool: { dir: '/tmp/x' } });
    };
    expect(typeof rejected).toBe('function');
    // And at run time, for untyped callers: whenFull takes only drop or block.
    expect(() =>
      // @ts-expect-error not a WhenFull
      createWebhookBackend({ mode: 'batch', sender: () => Promise.resolve(), batch: { whenFull: 'wait' } }),
    ).toThrow('batch.whenFull must be one of drop|block, got "wait"');
    expect(() =>
      createWebhookBackend({ mode: 'batch', sender: () => Promise.resolve(), batch: { maxBatchBytes: 0 } }),
    ).toThrow('batch.maxBatchBytes must be a positive integer or Infinity, got 0');
  });
});
