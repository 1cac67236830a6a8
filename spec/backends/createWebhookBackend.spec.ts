import type { Observable, ObservableInput } from 'rxjs';
import { EMPTY, NEVER, Subject, mergeMap, throwError, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditPluginError, DeliveryReport } from '../../src/contract/AuditBackend.js';
import type { WebhookBackendOptions } from '../../src/backends/WebhookBackendOptions.js';
import { KUBERNETES_DEFAULTS } from '../../src/backends/WebhookBackendOptions.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import { GROUP_VERSIONS } from '../../src/events/GroupVersion.js';
import { encodeEventList } from '../../src/events/encodeEventList.js';
import type { TestSenderCall } from '../../src/testing/marbles.js';
import { createTestSender } from '../../src/testing/marbles.js';
import { WebhookError } from '../../src/transport/WebhookError.js';
import {
  auditEvent,
  auditEvents,
  ids,
  virtualClock,
  withSynchronousErrorHandling,
} from '../helpers/fixtures.js';

const exact = { initialDelay: 10, factor: 2, jitter: 0 };
const fail503 = () => throwError(() => new WebhookError('HTTP 503 Service Unavailable', { status: 503 }));

/** A batch-mode backend on a virtual clock with a recording sender and collected errors/deliveries. */
function setup(
  respond: (call: TestSenderCall) => ObservableInput<unknown> = () => EMPTY,
  options: Partial<WebhookBackendOptions> = {},
) {
  const clock = virtualClock();
  const sender = createTestSender(respond, clock.scheduler);
  const errors: AuditPluginError[] = [];
  const deliveries: DeliveryReport[] = [];
  const backend = createWebhookBackend({
    mode: 'batch',
    sender: sender.send,
    scheduler: clock.scheduler,
    retry: exact,
    onError: (e) => errors.push(e),
    ...options,
  });
  backend.deliveries$.subscribe((d) => deliveries.push(d));
  /** What the sender saw: [time, 'id,id,…'] per call. */
  const timeline = () => sender.calls.map((c) => [c.time, c.auditIDs.join(',')]);
  return { clock, sender, errors, deliveries, backend, timeline };
}

afterEach(() => vi.restoreAllMocks());

describe('createWebhookBackend — batch mode', () => {
  it('is named buffered<webhook> and sends each batch as an EventList body for the group version', async () => {
    for (const groupVersion of GROUP_VERSIONS) {
      const { backend, sender, clock } = setup(undefined, { groupVersion, batch: { maxBatchSize: 2 } });
      expect(backend.name).toBe('buffered<webhook>');
      backend.run();
      const events = [
        auditEvent('a', { objectRef: { resource: 'pods', apiGroup: 'apps', apiVersion: 'v1' } }),
        auditEvent('b'),
      ];
      expect(await backend.processEvents(...events)).toBe(true);
      await clock.advanceBy(1);
      expect(sender.calls).toHaveLength(1);
      expect(sender.calls[0]?.batch.body).toBe(
        JSON.stringify(encodeEventList(events, groupVersion as never)),
      );
      expect(sender.calls[0]?.batch.events).toEqual(events);
    }
  });

  it('cuts batches by size at once and by time after maxBatchWait, never sending an empty batch', async () => {
    const { backend, clock, timeline } = setup(undefined, { batch: { maxBatchSize: 3, maxBatchWait: 100 } });
    backend.run();
    await backend.processEvents(...auditEvents(4));
    await clock.advanceTo(99);
    expect(timeline()).toEqual([[0, 'e0,e1,e2']]);
    await clock.advanceTo(100);
    expect(timeline()).toEqual([
      [0, 'e0,e1,e2'],
      [100, 'e3'],
    ]);
    await clock.advanceTo(600_000); // ten idle minutes
    expect(timeline()).toHaveLength(2);
    await backend.shutdown();
    expect(timeline()).toHaveLength(2);
  });

  it('restarts the window after each batch', async () => {
    const { backend, clock, timeline } = setup(undefined, { batch: { maxBatchSize: 2, maxBatchWait: 10 } });
    backend.run();
    await clock.advanceTo(1);
    await backend.processEvents(auditEvent('a'), auditEvent('b')); // size cut at 1 → next window [1, 11)
    await clock.advanceTo(4);
    await backend.processEvents(auditEvent('c'));
    await clock.advanceTo(10);
    expect(timeline()).toEqual([[1, 'a,b']]);
    await clock.advanceTo(11);
    expect(timeline()).toEqual([
      [1, 'a,b'],
      [11, 'c'],
    ]);
  });

  it('retries a failing batch with exponential backoff and reports the delivery with its attempts', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectSubscriptions, flush }) => {
      const failing = cold('--#', undefined, new WebhookError('HTTP 500', { status: 500 }));
      const ok = cold('---|');
      let n = 0;
      const deliveries: DeliveryReport[] = [];
      const errors: AuditPluginError[] = [];
      const backend = createWebhookBackend({
        mode: 'batch',
        sender: () => (++n <= 2 ? failing : ok),
        batch: { maxBatchSize: 1 },
        retry: exact,
        onError: (e) => errors.push(e),
      });
      backend.deliveries$.subscribe((d) => deliveries.push(d));
      backend.run();
      void backend.processEvents(auditEvent('a'));
      flush();
      // attempt 1: 0–2, +10 → attempt 2: 12–14, +20 → attempt 3: 34–37 succeeds.
      expectSubscriptions(failing.subscriptions).toBe(['^-!', '12ms ^-!']);
      expectSubscriptions(ok.subscriptions).toBe('34ms ^--!');
      expect(deliveries).toEqual([{ events: 1, ok: true, attempts: 3, durationMs: 37 }]);
      expect(errors).toEqual([]);
      expect(backend.stats()).toMatchObject({
        accepted: 1,
        delivered: 1,
        retries: 2,
        batches: 1,
        queued: 0,
        inFlight: 0,
      });
    });
  });

  it('reports a batch once as send-failed with the last error when retries run out (default 5 attempts)', async () => {
    const { backend, clock, errors, sender } = setup(() => fail503(), { batch: { maxBatchSize: 2 } });
    backend.run();
    await backend.processEvents(auditEvent('a'), auditEvent('b'));
    await clock.advanceTo(10_000);
    // 0, 10, 30, 70, 150
    expect(sender.calls.map((c) => c.time)).toEqual([0, 10, 30, 70, 150]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ plugin: 'webhook', reason: 'send-failed' });
    expect(ids(errors[0]?.events ?? [])).toEqual(['a', 'b']);
    expect(errors[0]?.error).toBeInstanceOf(WebhookError);
    expect(errors[0]?.error).toMatchObject({
      status: 503,
      attempts: 5,
      message: 'HTTP 503 Service Unavailable',
    });
    expect(backend.stats()).toMatchObject({ delivered: 0, retries: 4, batches: 1 });
    expect(backend.stats().failed['send-failed']).toBe(2);
  });

  it('does not retry a final 4xx', async () => {
    const { backend, clock, errors, sender } = setup(() =>
      throwError(() => new WebhookError('HTTP 403 Forbidden', { status: 403 })),
    );
    backend.run();
    await backend.processEvents(auditEvent('a'));
    await backend.flush();
    await clock.advanceTo(10_000);
    expect(sender.calls).toHaveLength(1);
    expect(errors.map((e) => [e.reason, e.error.message, (e.error as WebhookError).attempts])).toEqual([
      ['send-failed', 'HTTP 403 Forbidden', 1],
    ]);
  });

  it('keeps going after throwing, synchronously erroring and never-answering senders', async () => {
    let n = 0;
    const { backend, clock, errors, deliveries } = setup(
      () => {
        n++;
        if (n === 1) throw new Error('sender exploded');
        if (n === 2) return throwError(() => new Error('sync error'));
        if (n === 3) return NEVER;
        return EMPTY;
      },
      { batch: { maxBatchSize: 1 }, retry: { attempts: 1 }, timeout: 50 },
    );
    backend.run();
    for (const id of ['a', 'b', 'c', 'd']) await backend.processEvents(auditEvent(id));
    await clock.advanceTo(49);
    expect(errors.map((e) => e.error.message)).toEqual([
      'audit send failed: sender exploded',
      'audit send failed: sync error',
    ]);
    await clock.advanceTo(50);
    expect(errors.map((e) => [ids(e.events).join(), e.error.message])).toEqual([
      ['a', 'audit send failed: sender exploded'],
      ['b', 'audit send failed: sync error'],
      ['c', 'audit send timed out after 50 ms'],
    ]);
    expect(deliveries.filter((d) => d.ok)).toHaveLength(1);
    expect(backend.stats()).toMatchObject({ accepted: 4, delivered: 1, inFlight: 0, queued: 0 });
  });

  it('sends at most maxInFlight batches at once', async () => {
    const answers = new Subject<void>();
    const { backend, clock, timeline } = setup(() => answers.pipe((s) => s), {
      batch: { maxBatchSize: 1, maxInFlight: 2 },
    });
    const respondAll = () => answers.complete();
    backend.run();
    await backend.processEvents(...auditEvents(4));
    expect(timeline()).toEqual([
      [0, 'e0'],
      [0, 'e1'],
    ]);
    expect(backend.stats()).toMatchObject({ inFlight: 2, queued: 2 });
    await clock.advanceTo(5);
    respondAll();
    await clock.advanceTo(6);
    expect(timeline().map(([, id]) => id)).toEqual(['e0', 'e1', 'e2', 'e3']);
  });

  it('spaces batches with the throttle token bucket', async () => {
    const { backend, clock, timeline } = setup(undefined, {
      batch: { maxBatchSize: 1, throttle: { qps: 2, burst: 2 } },
    });
    backend.run();
    await backend.processEvents(...auditEvents(5));
    await clock.advanceTo(5_000);
    expect(timeline().map(([t]) => t)).toEqual([0, 0, 500, 1000, 1500]);
  });

  it('bounds queued plus in-flight events by bufferSize; the rest of the call is reported once', async () => {
    const { backend, clock, errors } = setup(() => NEVER, {
      batch: { bufferSize: 3, maxBatchSize: 2 },
      timeout: 1000,
      retry: { attempts: 1 },
    });
    backend.run();
    // e0,e1 go in flight at once; e2 is queued; e3,e4 do not fit.
    expect(await backend.processEvents(...auditEvents(5))).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ plugin: 'webhook', reason: 'queue-blocked' });
    expect(errors[0]?.error.message).toBe('audit webhook queue blocked');
    expect(ids(errors[0]?.events ?? [])).toEqual(['e3', 'e4']);
    expect(backend.stats()).toMatchObject({ accepted: 3, inFlight: 2, queued: 1 });
    expect(await backend.processEvents(auditEvent('x'))).toBe(false);
    // After the in-flight batch times out and is reported, there is room again.
    await clock.advanceTo(1000);
    expect(await backend.processEvents(auditEvent('y'))).toBe(true);
    expect(backend.stats().failed).toMatchObject({ 'queue-blocked': 3, 'send-failed': 2 });
  });

  it('snapshots events: mutating them after processEvents changes nothing that is sent', async () => {
    const { backend, clock, sender } = setup(undefined, { batch: { maxBatchWait: 10 } });
    backend.run();
    const event = auditEvent('a', { annotations: { k: 'before' } });
    await backend.processEvents(event);
    (event.annotations as Record<string, string>)['k'] = 'after';
    event.verb = 'delete';
    await clock.advanceTo(10);
    expect(JSON.parse(sender.calls[0]?.batch.body ?? '')).toMatchObject({
      items: [{ auditID: 'a', verb: 'get', annotations: { k: 'before' } }],
    });
    expect(sender.calls[0]?.batch.events[0]).toMatchObject({ verb: 'get', annotations: { k: 'before' } });
  });

  it('reports events that cannot be serialized as invalid and sends the others', async () => {
    const { backend, clock, errors, timeline } = setup(undefined, { batch: { maxBatchWait: 10 } });
    backend.run();
    const circular = auditEvent('bad') as unknown as Record<string, unknown>;
    circular['self'] = circular;
    const ok = await backend.processEvents(auditEvent('a'), circular as never, auditEvent('b'));
    expect(ok).toBe(false);
    expect(errors.map((e) => [e.reason, ids(e.events).join()])).toEqual([['invalid', 'bad']]);
    await clock.advanceTo(10);
    expect(timeline()).toEqual([[10, 'a,b']]);
  });

  it('keeps events processed before run() and sends them after it', async () => {
    const { backend, clock, timeline } = setup(undefined, { batch: { maxBatchSize: 2, maxBatchWait: 100 } });
    expect(await backend.processEvents(...auditEvents(3))).toBe(true);
    await clock.advanceTo(50);
    expect(timeline()).toEqual([]);
    backend.run();
    expect(timeline()).toEqual([[50, 'e0,e1']]);
    await clock.advanceTo(150);
    expect(timeline()).toEqual([
      [50, 'e0,e1'],
      [150, 'e2'],
    ]);
  });

  it('flush() sends the partial batch now and resolves once it is delivered', async () => {
    // The webhook answers 20 ms after each POST.
    const { backend, clock, timeline } = setup(() => timer(20, clock.scheduler), {
      batch: { maxBatchWait: 60_000 },
    });
    backend.run();
    await backend.processEvents(auditEvent('a'), auditEvent('b'));
    await clock.advanceTo(5);
    let flushed = false;
    void backend.flush().then(() => (flushed = true));
    await clock.advanceTo(6);
    expect(timeline()).toEqual([[5, 'a,b']]);
    expect(flushed).toBe(false);
    await clock.advanceTo(24);
    expect(flushed).toBe(false);
    await clock.advanceTo(25);
    expect(flushed).toBe(true);
  });

  it('holds no timer once flushed, even when its last batch was cut by size (a flushed process may exit)', async () => {
    // Real timers: a cut keeps the window's timer for the next window (see batchEvents); flush() clears it.
    const timeouts = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timeouts();
    const backend = createWebhookBackend({
      mode: 'batch',
      sender: () => EMPTY,
      batch: { maxBatchSize: 10, maxBatchWait: 60_000 },
      onError: () => {},
    });
    backend.run();
    expect(timeouts()).toBe(before + 1); // the first window is timed from run()
    expect(await backend.processEvents(...auditEvents(10))).toBe(true); // one size cut, delivered at once
    expect(backend.stats()).toMatchObject({ accepted: 10, delivered: 10 });
    expect(timeouts()).toBe(before + 1); // kept for the next window
    await backend.flush();
    expect(timeouts()).toBe(before);
    await backend.shutdown();
  });

  it('flush() also resolves when the batch is reported instead of delivered, and at once when idle', async () => {
    const { backend, clock, errors } = setup(() => fail503(), { retry: { ...exact, attempts: 2 } });
    backend.run();
    await backend.flush();
    await backend.processEvents(auditEvent('a'));
    let flushed = false;
    void backend.flush().then(() => (flushed = true));
    await clock.advanceTo(9);
    expect(flushed).toBe(false);
    await clock.advanceTo(10);
    expect(flushed).toBe(true);
    expect(errors).toHaveLength(1);
  });

  it('shutdown() drains the buffer in batches of maxBatchSize and waits for in-flight sends and retries', async () => {
    let n = 0;
    const { backend, clock, timeline, errors } = setup(
      () => (++n === 1 ? fail503() : new Promise<void>((r) => clock.scheduler.schedule(() => r(), 100))),
      { batch: { maxBatchSize: 100, maxBatchWait: 60_000 } },
    );
    backend.run();
    await backend.processEvents(...auditEvents(250));
    // two full batches went at 0 (the first fails, retried at 10); 50 events wait for the window.
    let done = false;
    void backend.shutdown().then(() => (done = true));
    await clock.advanceTo(1);
    expect(timeline().map(([t, list]) => [t, String(list).split(',').length])).toEqual([
      [0, 100],
      [0, 100],
      [0, 50],
    ]);
    await clock.advanceTo(109);
    expect(done).toBe(false);
    await clock.advanceTo(110); // the retried batch answers at 10 + 100
    expect(done).toBe(true);
    expect(errors).toEqual([]);
    expect(backend.stats()).toMatchObject({ accepted: 250, delivered: 250, queued: 0, inFlight: 0 });
    expect(await backend.processEvents(auditEvent('late'))).toBe(false);
    expect(errors.map((e) => [e.reason, e.error.message, ids(e.events).join()])).toEqual([
      ['shut-down', 'audit webhook shut down', 'late'],
    ]);
  });

  it('shutdown({ timeout }) aborts what is left at the deadline and reports it as send-failed', async () => {
    const signals: AbortSignal[] = [];
    const { backend, clock, errors } = setup(
      (call) => {
        signals.push(call.signal);
        return NEVER;
      },
      { batch: { maxBatchSize: 2, maxInFlight: 1 }, timeout: Infinity },
    );
    backend.run();
    await backend.processEvents(...auditEvents(5));
    let done = false;
    void backend.shutdown({ timeout: 1000 }).then(() => (done = true));
    await clock.advanceTo(999);
    expect(done).toBe(false);
    await clock.advanceTo(1000);
    expect(done).toBe(true);
    expect(signals.map((s) => s.aborted)).toEqual([true]);
    expect(errors.map((e) => [e.reason, ids(e.events).join()])).toEqual([
      ['send-failed', 'e0,e1'],
      ['send-failed', 'e2,e3'],
      ['send-failed', 'e4'],
    ]);
    expect(errors[0]?.error.message).toBe(
      'audit webhook shutdown deadline of 1000 ms passed before delivery (1 attempts made)',
    );
    expect(backend.stats()).toMatchObject({ accepted: 5, delivered: 0, queued: 0, inFlight: 0 });
    expect(backend.stats().failed['send-failed']).toBe(5);
  });

  it('shutdown() is idempotent and, before run(), reports the queued events as shut-down', async () => {
    const { backend, errors, sender } = setup();
    await backend.processEvents(...auditEvents(3));
    const first = backend.shutdown();
    expect(backend.shutdown()).toBe(first);
    await first;
    await backend.shutdown();
    backend.run();
    expect(sender.calls).toHaveLength(0);
    expect(errors.map((e) => [e.plugin, e.reason, e.error.message, ids(e.events).join()])).toEqual([
      ['webhook', 'shut-down', 'audit webhook shut down', 'e0,e1,e2'],
    ]);
  });

  it('shutdown() rejects a bad timeout', async () => {
    const { backend } = setup();
    await expect(backend.shutdown({ timeout: -1 })).rejects.toThrow(
      'shutdown timeout must be a non-negative number of milliseconds, got -1',
    );
    // A bad timeout starts nothing: the backend still accepts, and a proper shutdown still works.
    backend.run();
    expect(await backend.processEvents(auditEvent('a'))).toBe(true);
    await backend.shutdown();
    expect(backend.stats()).toMatchObject({ delivered: 1 });
  });

  it('counts everything in stats() and emits deliveries$ per finished send', async () => {
    let n = 0;
    // Odd calls succeed at once, even calls fail at once (503): sends that end inside processEvents make room.
    const { backend, clock, deliveries } = setup(() => (++n % 2 === 0 ? fail503() : EMPTY), {
      batch: { maxBatchSize: 2, bufferSize: 4 },
      retry: { ...exact, attempts: 2 },
    });
    backend.run();
    // [e0,e1] ok (call 1) · [e2,e3] fails (call 2), waits to retry · [e4,e5] ok (call 3) · [e6,e7] fails
    // (call 4), waits to retry · e8 does not fit (4 held).
    expect(await backend.processEvents(...auditEvents(9))).toBe(false);
    const down = backend.shutdown();
    // At 10 both retry: [e2,e3] ok (call 5), [e6,e7] fails again (call 6) and is reported.
    await clock.advanceTo(100);
    await down;
    expect(deliveries.map((d) => [d.events, d.ok, d.attempts])).toEqual([
      [2, true, 1],
      [2, true, 1],
      [2, true, 2],
      [2, false, 2],
    ]);
    expect(backend.stats()).toEqual({
      accepted: 8,
      delivered: 6,
      failed: { 'queue-blocked': 1, 'shut-down': 0, 'send-failed': 2, 'too-large': 0, invalid: 0 },
      batches: 4,
      retries: 2,
      queued: 0,
      inFlight: 0,
    });
  });

  it('without onError writes one line per failure to stderr, with IDs but no bodies or credentials', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    });
    const clock = virtualClock();
    const backend = createWebhookBackend({
      mode: 'batch',
      sender: () =>
        timer(1, clock.scheduler).pipe(
          mergeMap(() => throwError(() => new WebhookError('HTTP 401 Unauthorized', { status: 401 }))),
        ),
      scheduler: clock.scheduler,
      batch: { bufferSize: 12, maxBatchSize: 12 },
    });
    backend.run();
    const secret = 'Bearer s3cr3t-token';
    const events = auditEvents(14).map((e) => ({ ...e, requestObject: { spec: { password: secret } } }));
    await backend.processEvents(...events);
    await clock.advanceTo(1);
    expect(lines).toEqual([
      'audit plugin=webhook reason=queue-blocked events=2 ids=e12,e13 error="audit webhook queue blocked"\n',
      'audit plugin=webhook reason=send-failed events=12 ids=e0,e1,e2,e3,e4,e5,e6,e7,e8,e9,… error="HTTP 401 Unauthorized"\n',
    ]);
    expect(lines.join('')).not.toContain('s3cr3t');
  });

  it('uses KUBERNETES_DEFAULTS when spread in', () => {
    expect(KUBERNETES_DEFAULTS).toEqual({
      batch: {
        bufferSize: 10000,
        maxBatchSize: 400,
        maxBatchWait: 30000,
        maxInFlight: Infinity,
        throttle: { qps: 10, burst: 15 },
      },
      retry: { initialDelay: 10000, factor: 1.5, jitter: 0.2, attempts: 5 },
    });
    expect(() =>
      createWebhookBackend({ mode: 'batch', sender: () => EMPTY, ...KUBERNETES_DEFAULTS }),
    ).not.toThrow();
  });
});

describe('createWebhookBackend — blocking mode', () => {
  it('is named webhook; each call is one POST, in call order, one at a time; the promise says if it was delivered', async () => {
    const clock = virtualClock();
    const sender = createTestSender(
      (call) =>
        call.auditIDs[0] === 'b'
          ? throwError(() => new WebhookError('HTTP 500', { status: 500 }))
          : new Promise<void>((r) => clock.scheduler.schedule(() => r(), 10)),
      clock.scheduler,
    );
    const errors: AuditPluginError[] = [];
    const backend = createWebhookBackend({
      mode: 'blocking',
      sender: sender.send,
      scheduler: clock.scheduler,
      onError: (e) => errors.push(e),
    });
    expect(backend.name).toBe('webhook');
    backend.run();
    const results: Array<[string, boolean]> = [];
    const call = (...list: string[]) =>
      backend
        .processEvents(...list.map((id) => auditEvent(id)))
        .then((ok) => results.push([list.join(), ok]));
    const all = Promise.all([call('a1', 'a2'), call('b'), call('c')]);
    await clock.advanceTo(0);
    expect(sender.calls.map((c) => [c.time, c.auditIDs.join()])).toEqual([[0, 'a1,a2']]);
    await clock.advanceTo(10);
    // a done at 10 → b sent and fails at once (no retry by default) → c sent at 10
    expect(sender.calls.map((c) => [c.time, c.auditIDs.join()])).toEqual([
      [0, 'a1,a2'],
      [10, 'b'],
      [10, 'c'],
    ]);
    await clock.advanceTo(20);
    await all;
    expect(results).toEqual([
      ['a1,a2', true],
      ['b', false],
      ['c', true],
    ]);
    expect(
      errors.map((e) => [e.plugin, e.reason, ids(e.events).join(), (e.error as WebhookError).attempts]),
    ).toEqual([['webhook', 'send-failed', 'b', 1]]);
    expect(sender.calls[0]?.batch.body).toBe(
      JSON.stringify(encodeEventList([auditEvent('a1'), auditEvent('a2')])),
    );
  });

  it('retries when retry.attempts is raised, and shutdown waits for queued calls', async () => {
    const clock = virtualClock();
    let n = 0;
    const backend = createWebhookBackend({
      mode: 'blocking',
      sender: () => (++n === 1 ? fail503() : EMPTY),
      scheduler: clock.scheduler,
      retry: { ...exact, attempts: 2 },
      onError: () => {},
    });
    backend.run();
    let result: boolean | undefined;
    void backend.processEvents(auditEvent('a')).then((ok) => (result = ok));
    let done = false;
    void backend.shutdown().then(() => (done = true));
    await clock.advanceTo(9);
    expect([result, done]).toEqual([undefined, false]);
    await clock.advanceTo(10);
    expect([result, done]).toEqual([true, true]);
  });

  it('resolves false for calls after shutdown and for calls cut by the shutdown deadline', async () => {
    const clock = virtualClock();
    const errors: AuditPluginError[] = [];
    const backend = createWebhookBackend({
      mode: 'blocking',
      sender: () => NEVER,
      scheduler: clock.scheduler,
      timeout: Infinity,
      onError: (e) => errors.push(e),
    });
    backend.run();
    const first = backend.processEvents(auditEvent('a'));
    const second = backend.processEvents(auditEvent('b'));
    const down = backend.shutdown({ timeout: 100 });
    const late = backend.processEvents(auditEvent('c'));
    await clock.advanceTo(100);
    await down;
    expect([await first, await second, await late]).toEqual([false, false, false]);
    expect(errors.map((e) => [e.reason, ids(e.events).join()])).toEqual([
      ['shut-down', 'c'],
      ['send-failed', 'a'],
      ['send-failed', 'b'],
    ]);
  });

  it('sends calls made before run() after it, and an empty call sends nothing', async () => {
    const clock = virtualClock();
    const sender = createTestSender(undefined, clock.scheduler);
    const backend = createWebhookBackend({
      mode: 'blocking',
      sender: sender.send,
      scheduler: clock.scheduler,
    });
    expect(await backend.processEvents()).toBe(true);
    const pending = backend.processEvents(auditEvent('a'));
    await clock.advanceTo(5);
    expect(sender.calls).toHaveLength(0);
    backend.run();
    expect(await pending).toBe(true);
    expect(sender.calls.map((c) => [c.time, c.auditIDs.join()])).toEqual([[5, 'a']]);
  });
});

describe('createWebhookBackend — options', () => {
  const sender = () => EMPTY;
  it('throws the upstream message for an unknown mode', () => {
    expect(() => createWebhookBackend({ mode: 'blocking-strict' as never, sender })).toThrow(
      'webhook mode "blocking-strict" is not in list of known modes (batch,blocking)',
    );
    // Bounded, whatever the value: a long string is cut, an object shows its kind only.
    expect(() => createWebhookBackend({ mode: 'x'.repeat(10_000) as never, sender })).toThrow(
      `webhook mode "${'x'.repeat(57)}..." is not in list of known modes (batch,blocking)`,
    );
    expect(() => createWebhookBackend({ mode: { token: 'secret' } as never, sender })).toThrow(
      'webhook mode an object is not in list of known modes (batch,blocking)',
    );
  });

  it.each([
    [{ batch: { maxBatchSize: 0 } }, 'batch.maxBatchSize must be a positive integer, got 0'],
    [{ batch: { bufferSize: -1 } }, 'batch.bufferSize must be a positive integer, got -1'],
    [
      { batch: { maxBatchWait: -5 } },
      'batch.maxBatchWait must be a non-negative number of milliseconds or Infinity, got -5',
    ],
    [{ batch: { maxInFlight: 0 } }, 'batch.maxInFlight must be a positive integer or Infinity, got 0'],
    [{ batch: { throttle: { qps: 0, burst: 1 } } }, 'batch.throttle.qps must be a positive number, got 0'],
    [
      { batch: { throttle: { qps: 1, burst: 0.5 } } },
      'batch.throttle.burst must be a positive integer, got 0.5',
    ],
    [{ retry: { attempts: 0 } }, 'retry.attempts must be a positive integer, got 0'],
    [{ retry: { jitter: -0.1 } }, 'retry.jitter must be a non-negative number, got -0.1'],
    [{ retry: { factor: 0 } }, 'retry.factor must be a number ≥ 1, got 0'],
    [{ timeout: 0 }, 'timeout must be a positive number of milliseconds or Infinity, got 0'],
    [{ groupVersion: 'audit.k8s.io/v2' }, 'groupVersion must be one of'],
    [{ sender: 'http://x' }, 'sender must be a function, got "http://x"'],
    [{ onError: 1 }, 'onError must be a function, got 1'],
  ])('rejects %j', (options, message) => {
    expect(() => createWebhookBackend({ mode: 'batch', sender, ...(options as object) })).toThrow(message);
  });

  it('requires a target unless a sender is given', () => {
    expect(() => createWebhookBackend({ mode: 'batch' })).toThrow(
      'target is required unless sender is given',
    );
  });

  it('has a maxBatchSize message in the style of the design', () => {
    expect(() => createWebhookBackend({ mode: 'batch', sender, batch: { maxBatchSize: 0 } })).toThrow(
      /maxBatchSize.*got 0/,
    );
  });

  it.each(['blocking', 'batch'] as const)(
    'a sender that fails without an error value (Promise.reject()) fails its batch: %s mode',
    async (mode) => {
      const errors: AuditPluginError[] = [];
      const backend = createWebhookBackend({
        mode,
        sender: () => Promise.reject(), // rejects with undefined: the case under test
        retry: { attempts: 1 },
        onError: (e) => errors.push(e),
      });
      backend.run();
      const resolved = await backend.processEvents(auditEvent('e0'));
      await backend.shutdown();
      if (mode === 'blocking') expect(resolved).toBe(false);
      expect(errors.map((e) => [e.reason, e.error.message, ids(e.events).join()])).toEqual([
        ['send-failed', 'audit send failed: the sender failed without an error (undefined)', 'e0'],
      ]);
      expect(backend.stats()).toMatchObject({ accepted: 1, delivered: 0 });
      expect(backend.stats().failed['send-failed']).toBe(1);
    },
  );

  it('a deliveries$ subscriber that throws (rxjs synchronous error handling) does not stall blocking mode', async () => {
    await withSynchronousErrorHandling(async () => {
      const backend = createWebhookBackend({
        mode: 'blocking',
        sender: () => new Promise<void>((resolve) => setImmediate(resolve)), // ends outside any Subject.next
        onError: () => {},
      });
      const thrown = throwOnFirstDelivery(backend);
      backend.run();
      expect(await backend.processEvents(auditEvent('e0'))).toBe(true);
      expect(await backend.processEvents(auditEvent('e1'))).toBe(true);
      expect(thrown()).toBe(true);
      await backend.shutdown();
      expect(backend.stats()).toMatchObject({ accepted: 2, delivered: 2, inFlight: 0 });
    });
  });

  it('when processEvents throws part-way, reports only the events it had not accepted yet (each event ends once)', async () => {
    // With rxjs' synchronous error handling, a throwing deliveries$ subscriber throws out of the engine's
    // own Subject.next, in the middle of a processEvents call.
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    await withSynchronousErrorHandling(async () => {
      const errors: AuditPluginError[] = [];
      const backend = createWebhookBackend({
        mode: 'batch',
        sender: () => EMPTY, // delivered synchronously
        batch: { maxBatchSize: 1 },
        onError: (e) => errors.push(e),
      });
      throwOnFirstDelivery(backend);
      backend.run();
      expect(await backend.processEvents(...auditEvents(3))).toBe(false);
      expect(errors.map((e) => [e.reason, e.error.message, ids(e.events).join()])).toEqual([
        ['invalid', 'subscriber bug', 'e1,e2'],
      ]);
      expect(backend.stats()).toMatchObject({ accepted: 1, delivered: 1, queued: 0, inFlight: 0 });
      expect(backend.stats().failed.invalid).toBe(2);
      await backend.shutdown();
    });
  });
});

/** Subscribes to `deliveries$` with a subscriber that throws on the first report only; tells whether it did. */
function throwOnFirstDelivery(backend: { deliveries$: Observable<DeliveryReport> }): () => boolean {
  let thrown = false;
  backend.deliveries$.subscribe(() => {
    if (thrown) return;
    thrown = true;
    throw new Error('subscriber bug');
  });
  return () => thrown;
}
