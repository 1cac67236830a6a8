import { Writable } from 'node:stream';
import fc from 'fast-check';
import type { SchedulerLike } from 'rxjs';
import { EMPTY, NEVER, Observable, Subject, throwError, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { AuditBackend, AuditPluginError, AuditStats } from '../../src/contract/AuditBackend.js';
import type { BufferedBackendOptions } from '../../src/backends/createBufferedBackend.js';
import { createBufferedBackend } from '../../src/backends/createBufferedBackend.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import { createLogBackend } from '../../src/backends/createLogBackend.js';
import { createTruncatingBackend } from '../../src/backends/createTruncatingBackend.js';
import type { AuditEvent } from '../../src/events/Event.js';
import { createTestSender } from '../../src/testing/marbles.js';
import type { TestSenderCall } from '../../src/testing/marbles.js';
import { WebhookError } from '../../src/transport/WebhookError.js';
import { auditEvent, auditEvents, ids, virtualClock } from '../helpers/fixtures.js';

/** A delegate that records what it gets and answers with `answer` (a promise, default: delivered at once). */
function recordingDelegate(
  name = 'rec',
  answer: (events: AuditEvent[]) => Promise<boolean> = async () => true,
) {
  const errors$ = new Subject<AuditPluginError>();
  const received: AuditEvent[][] = [];
  const calls = { run: 0, flush: 0, shutdown: [] as Array<{ timeout?: number } | undefined> };
  const backend: AuditBackend = {
    name,
    run: () => void calls.run++,
    processEvents: (...events) => {
      received.push(events);
      return answer(events);
    },
    flush: async () => void calls.flush++,
    shutdown: async (options) => void calls.shutdown.push(options),
    errors$,
    deliveries$: EMPTY,
    stats: () => ({}) as AuditStats,
  };
  return { backend, received, calls, errors$ };
}

/** buffered<webhook (blocking)> on a virtual clock, the upstream composition. */
function overBlockingWebhook(
  respond: (call: TestSenderCall, scheduler: SchedulerLike) => Observable<unknown>,
  options: BufferedBackendOptions = {},
) {
  const clock = virtualClock();
  const sender = createTestSender((call) => respond(call, clock.scheduler), clock.scheduler);
  const webhookErrors: AuditPluginError[] = [];
  const webhook = createWebhookBackend({
    mode: 'blocking',
    sender: sender.send,
    scheduler: clock.scheduler,
    timeout: Infinity,
    onError: (e) => webhookErrors.push(e),
  });
  const ownErrors: AuditPluginError[] = [];
  const backend = createBufferedBackend(webhook, {
    scheduler: clock.scheduler,
    onError: (e) => ownErrors.push(e),
    ...options,
  });
  const allErrors: AuditPluginError[] = [];
  backend.errors$.subscribe((e) => allErrors.push(e));
  return { clock, sender, backend, webhookErrors, ownErrors, allErrors };
}

describe('createBufferedBackend', () => {
  it('is named buffered<delegate> and composes like upstream', () => {
    const { backend } = overBlockingWebhook(() => EMPTY);
    expect(backend.name).toBe('buffered<webhook>');
    expect(createBufferedBackend(recordingDelegate('log').backend).name).toBe('buffered<log>');
  });

  it('hands each size/time batch to delegate.processEvents, as snapshots', async () => {
    const clock = virtualClock();
    const { backend: delegate, received } = recordingDelegate();
    const backend = createBufferedBackend(delegate, {
      maxBatchSize: 2,
      maxBatchWait: 100,
      scheduler: clock.scheduler,
    });
    backend.run();
    const events = auditEvents(3);
    expect(await backend.processEvents(...events)).toBe(true);
    events[2]!.verb = 'mutated';
    await clock.advanceTo(99);
    expect(received.map(ids)).toEqual([['e0', 'e1']]);
    await clock.advanceTo(100);
    expect(received.map(ids)).toEqual([['e0', 'e1'], ['e2']]);
    expect(received[1]?.[0]).toEqual(auditEvent('e2'));
    expect(received[1]?.[0]).not.toBe(events[2]);
    expect(backend.stats()).toMatchObject({ accepted: 3, delivered: 3, batches: 2, queued: 0, inFlight: 0 });
  });

  it('run, flush and shutdown reach the delegate; flush first sends the partial batch', async () => {
    const clock = virtualClock();
    const { backend: delegate, received, calls } = recordingDelegate();
    const backend = createBufferedBackend(delegate, { scheduler: clock.scheduler });
    backend.run();
    expect(calls.run).toBe(1);
    await backend.processEvents(auditEvent('a'));
    await backend.flush();
    expect(received.map(ids)).toEqual([['a']]);
    expect(calls.flush).toBe(1);
    await backend.shutdown({ timeout: 500 });
    await backend.shutdown();
    expect(calls.shutdown).toEqual([{ timeout: 500 }]);
  });

  it('does not report a batch again when the delegate resolved false (it reported it itself)', async () => {
    const { backend, clock, webhookErrors, ownErrors, allErrors } = overBlockingWebhook(
      () => throwError(() => new WebhookError('HTTP 500', { status: 500 })),
      { maxBatchSize: 2 },
    );
    backend.run();
    await backend.processEvents(...auditEvents(2));
    await clock.advanceTo(1);
    expect(webhookErrors.map((e) => [e.plugin, e.reason, ids(e.events).join()])).toEqual([
      ['webhook', 'send-failed', 'e0,e1'],
    ]);
    expect(ownErrors).toEqual([]);
    expect(allErrors).toHaveLength(1);
    expect(backend.stats()).toMatchObject({ accepted: 2, delivered: 0 });
    expect(backend.stats().failed['send-failed']).toBe(2);
  });

  it('reports a batch whose delegate call rejects as send-failed (plugin buffered), retrying if asked', async () => {
    const clock = virtualClock();
    let n = 0;
    const { backend: delegate } = recordingDelegate('flaky', async () => {
      n++;
      throw new Error('delegate crashed');
    });
    const errors: AuditPluginError[] = [];
    const backend = createBufferedBackend(delegate, {
      scheduler: clock.scheduler,
      maxBatchSize: 1,
      retry: { attempts: 3, initialDelay: 10, factor: 1, jitter: 0 },
      onError: (e) => errors.push(e),
    });
    backend.run();
    await backend.processEvents(auditEvent('a'));
    await clock.advanceTo(100);
    expect(n).toBe(3);
    expect(
      errors.map((e) => [e.plugin, e.reason, e.error.message, (e.error as WebhookError).attempts]),
    ).toEqual([['buffered', 'send-failed', 'audit send failed: delegate crashed', 3]]);
  });

  it('never retries a batch the delegate resolved false for, even with retry.attempts > 1', async () => {
    const clock = virtualClock();
    const delegateReports: string[] = [];
    const refusing = recordingDelegate('refusing', async (events) => {
      delegateReports.push(ids(events).join());
      // A backend that answers false has reported what it refused (the AuditBackend contract).
      refusing.errors$.next({
        plugin: 'refusing',
        reason: 'send-failed',
        error: new Error('refused'),
        events,
      });
      return false;
    });
    const { backend: delegate, received } = refusing;
    const ownErrors: AuditPluginError[] = [];
    const backend = createBufferedBackend(delegate, {
      scheduler: clock.scheduler,
      maxBatchSize: 2,
      retry: { attempts: 4, initialDelay: 10, factor: 1, jitter: 0 },
      onError: (e) => ownErrors.push(e),
    });
    backend.run();
    await backend.processEvents(...auditEvents(2));
    await clock.advanceTo(1000);
    expect(received.map(ids)).toEqual([['e0', 'e1']]);
    expect(delegateReports).toEqual(['e0,e1']);
    expect(ownErrors).toEqual([]);
    expect(backend.stats()).toMatchObject({ accepted: 2, delivered: 0, batches: 1, retries: 0, inFlight: 0 });
  });

  it('has no per-call timeout: a slow delegate call ends its events once, when it settles', async () => {
    const clock = virtualClock();
    const { backend: delegate, received } = recordingDelegate(
      'slow',
      () => new Promise((resolve) => clock.scheduler.schedule(() => resolve(true), 120_000)),
    );
    const errors: AuditPluginError[] = [];
    const deliveries: boolean[] = [];
    // `timeout` was an option once; a stale one must not bring back a deadline that cannot abort the delegate.
    const backend = createBufferedBackend(delegate, {
      scheduler: clock.scheduler,
      maxBatchSize: 1,
      retry: { attempts: 3, initialDelay: 10, factor: 1, jitter: 0 },
      timeout: 50,
      onError: (e) => errors.push(e),
    } as BufferedBackendOptions);
    backend.deliveries$.subscribe((d) => deliveries.push(d.ok));
    backend.run();
    await backend.processEvents(auditEvent('a'));
    await clock.advanceTo(119_999);
    expect(deliveries).toEqual([]);
    await clock.advanceTo(120_000);
    expect(received.map(ids)).toEqual([['a']]);
    expect(errors).toEqual([]);
    expect(deliveries).toEqual([true]);
    expect(backend.stats()).toMatchObject({ accepted: 1, delivered: 1, inFlight: 0 });
  });

  it('refuses with its own plugin name when the buffer is full or after shutdown', async () => {
    const { backend, ownErrors, clock } = overBlockingWebhook(() => NEVER, {
      bufferSize: 2,
      maxBatchSize: 1,
    });
    backend.run();
    expect(await backend.processEvents(...auditEvents(3))).toBe(false);
    const down = backend.shutdown({ timeout: 10 });
    expect(await backend.processEvents(auditEvent('late'))).toBe(false);
    await clock.advanceTo(10);
    await down;
    expect(
      ownErrors.slice(0, 2).map((e) => [e.plugin, e.reason, e.error.message, ids(e.events).join()]),
    ).toEqual([
      ['buffered', 'queue-blocked', 'audit buffer queue blocked', 'e2'],
      ['buffered', 'shut-down', 'audit buffer shut down', 'late'],
    ]);
  });

  it('at the shutdown deadline reports its own queue, and the delegate reports what it had started — each once', async () => {
    const { backend, clock, sender, webhookErrors, ownErrors, allErrors } = overBlockingWebhook(() => NEVER, {
      maxBatchSize: 2,
      maxInFlight: 1,
    });
    backend.run();
    await backend.processEvents(...auditEvents(5));
    expect(sender.calls.map((c) => c.auditIDs.join())).toEqual(['e0,e1']);
    const down = backend.shutdown({ timeout: 100 });
    await clock.advanceTo(100);
    await down;
    expect(ownErrors.map((e) => [e.reason, ids(e.events).join()])).toEqual([
      ['send-failed', 'e2,e3'],
      ['send-failed', 'e4'],
    ]);
    expect(webhookErrors.map((e) => [e.reason, ids(e.events).join()])).toEqual([['send-failed', 'e0,e1']]);
    expect(allErrors.flatMap((e) => ids(e.events)).sort()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    expect(backend.stats()).toMatchObject({ queued: 0, inFlight: 0 });
  });

  it('at the deadline a batch waiting for its retry (no delegate call held) is reported once, as send-failed', async () => {
    const clock = virtualClock();
    const { backend: delegate, calls } = recordingDelegate('flaky', async () => {
      throw new Error('delegate crashed');
    });
    const errors: AuditPluginError[] = [];
    const backend = createBufferedBackend(delegate, {
      scheduler: clock.scheduler,
      maxBatchSize: 1,
      retry: { attempts: 3, initialDelay: 1_000, factor: 1, jitter: 0 },
      onError: (e) => errors.push(e),
    });
    backend.run();
    await backend.processEvents(auditEvent('a'));
    await clock.advanceTo(10); // the first call failed; the retry waits until 1 000
    const down = backend.shutdown({ timeout: 100 });
    await clock.advanceTo(110);
    await down;
    expect(errors.map((e) => [e.reason, ids(e.events).join()])).toEqual([['send-failed', 'a']]);
    expect(errors[0]?.error.message).toMatch(
      /shutdown deadline of 100 ms passed before delivery \(1 attempts made\)/,
    );
    expect(calls.shutdown).toEqual([{ timeout: 0 }]);
    await clock.advanceTo(2_000); // no retry after the shutdown
    expect(errors).toHaveLength(1);
    expect(backend.stats()).toMatchObject({ accepted: 1, delivered: 0, queued: 0, inFlight: 0 });
  });

  it('at the deadline, a call the delegate ends (reported) by its own shutdown is reported once, by the delegate', async () => {
    // A log backend over a stream whose write never calls back: its shutdown reports the write in progress.
    const stuck = new Writable({ write: () => undefined });
    const log = createLogBackend(stuck, { onError: () => undefined });
    const backend = createBufferedBackend(log, {
      maxBatchSize: 2,
      maxBatchWait: 5,
      onError: () => undefined,
    });
    const reports: string[] = [];
    backend.errors$.subscribe((e) => reports.push(...ids(e.events).map((id) => `${e.plugin}:${id}`)));
    backend.run();
    await backend.processEvents(...auditEvents(4));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await backend.shutdown({ timeout: 50 });
    expect(reports.map((r) => r.split(':')[1]).sort()).toEqual(['e0', 'e1', 'e2', 'e3']);
    const stats = backend.stats();
    expect(stats).toMatchObject({ accepted: 4, delivered: 0, queued: 0, inFlight: 0 });
    expect(stats.failed['send-failed']).toBe(4);
  });

  it('stats add up when the delegate answers false for part of a batch, or reports after answering true', async () => {
    const truncating = createTruncatingBackend(recordingDelegate().backend, { maxEventSize: 400 });
    const buffered = createBufferedBackend(truncating, { maxBatchSize: 3, maxBatchWait: 5 });
    buffered.run();
    const big = auditEvent('big', { requestURI: `/${'x'.repeat(1000)}` }); // too large even truncated
    await buffered.processEvents(auditEvent('a'), big, auditEvent('b'));
    await buffered.shutdown();
    expect(buffered.stats()).toMatchObject({ accepted: 3, delivered: 2, failed: { 'too-large': 1 } });

    // A delegate that takes the batch (true) and reports it later, as a batch-mode webhook does.
    const later = recordingDelegate('later');
    const late = createBufferedBackend(later.backend, { maxBatchSize: 2, maxBatchWait: 5 });
    late.run();
    await late.processEvents(auditEvent('c'), auditEvent('d'));
    await late.flush();
    later.errors$.next({
      plugin: 'later',
      reason: 'send-failed',
      error: new Error('later'),
      events: later.received.flat(),
    });
    await late.shutdown();
    expect(late.stats()).toMatchObject({ accepted: 2, delivered: 0, failed: { 'send-failed': 2 } });
  });

  it('a delegate whose shutdown rejects: shutdown resolves, the failure is reported, and a call it held ends once', async () => {
    const { backend: delegate } = recordingDelegate('stuck', () => new Promise<boolean>(() => undefined));
    delegate.shutdown = () => Promise.reject(new Error('boom'));
    const backend = createBufferedBackend(delegate, {
      maxBatchSize: 1,
      maxBatchWait: 5,
      onError: () => undefined,
    });
    const errors: AuditPluginError[] = [];
    backend.errors$.subscribe((e) => errors.push(e));
    backend.run();
    await backend.processEvents(auditEvent('held'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(backend.shutdown({ timeout: 20 })).resolves.toBeUndefined();
    expect(errors.map((e) => [e.reason, ids(e.events).join(), e.error.message])).toEqual([
      ['send-failed', '', 'buffered: delegate stuck failed to shut down'],
      ['send-failed', 'held', expect.stringContaining('shutdown deadline of 20 ms passed')],
    ]);
    expect(backend.stats()).toMatchObject({ accepted: 1, delivered: 0, queued: 0, inFlight: 0 });
  });

  it('a call the delegate answers just after its own shutdown resolved ends with that answer', async () => {
    // The delegate's shutdown resolves at once and answers its calls in the next macrotask: the buffer's
    // shutdown waits for the calls it holds, so the event counts as delivered, not forgotten.
    const answers: Array<(ok: boolean) => void> = [];
    const { backend: delegate } = recordingDelegate(
      'late',
      () => new Promise<boolean>((r) => answers.push(r)),
    );
    delegate.shutdown = () => {
      setImmediate(() => answers.splice(0).forEach((answer) => answer(true)));
      return Promise.resolve();
    };
    const backend = createBufferedBackend(delegate, { maxBatchSize: 1, maxBatchWait: 5 });
    const errors: AuditPluginError[] = [];
    backend.errors$.subscribe((e) => errors.push(e));
    backend.run();
    await backend.processEvents(auditEvent('held'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answers).toHaveLength(1);
    await backend.shutdown({ timeout: 1000 });
    expect(errors).toEqual([]);
    expect(backend.stats()).toMatchObject({ accepted: 1, delivered: 1, queued: 0, inFlight: 0 });
  });

  it('shutdown before run reports the queue and shuts the delegate down too', async () => {
    const { backend: delegate, calls } = recordingDelegate();
    const errors: AuditPluginError[] = [];
    const backend = createBufferedBackend(delegate, { onError: (e) => errors.push(e) });
    await backend.processEvents(auditEvent('a'));
    await backend.shutdown({ timeout: 50 });
    expect(errors.map((e) => [e.reason, ids(e.events).join()])).toEqual([['shut-down', 'a']]);
    expect(calls.shutdown).toEqual([{ timeout: 50 }]);
  });

  it('shutdown drains in batches and waits for the delegate', async () => {
    const { backend, clock, sender } = overBlockingWebhook((_call, scheduler) => timer(10, scheduler), {
      maxBatchSize: 2,
      maxBatchWait: 60_000,
    });
    backend.run();
    await backend.processEvents(...auditEvents(5));
    let done = false;
    void backend.shutdown().then(() => (done = true));
    await clock.advanceTo(29);
    expect(done).toBe(false);
    await clock.advanceTo(30); // three POSTs of 10 ms, one at a time (the blocking delegate)
    expect(done).toBe(true);
    expect(sender.calls.map((c) => [c.time, c.auditIDs.join()])).toEqual([
      [0, 'e0,e1'],
      [10, 'e2,e3'],
      [20, 'e4'],
    ]);
    expect(backend.stats()).toMatchObject({ delivered: 5 });
  });

  it('limits concurrent delegate calls to maxInFlight and paces them with the throttle', async () => {
    const clock = virtualClock();
    let open = 0;
    let peak = 0;
    const { backend: delegate, received } = recordingDelegate('slow', () => {
      open++;
      peak = Math.max(peak, open);
      return new Promise((resolve) =>
        clock.scheduler.schedule(() => {
          open--;
          resolve(true);
        }, 50),
      );
    });
    const starts: number[] = [];
    const backend = createBufferedBackend(delegate, {
      scheduler: clock.scheduler,
      maxBatchSize: 1,
      maxInFlight: 2,
      throttle: { qps: 40, burst: 3 },
    });
    backend.run();
    const original = delegate.processEvents;
    delegate.processEvents = (...events) => {
      starts.push(clock.now());
      return original(...events);
    };
    await backend.processEvents(...auditEvents(6));
    await clock.advanceTo(1000);
    expect(received).toHaveLength(6);
    expect(peak).toBe(2);
    // tokens: 3 at 0, then one every 25 ms; at most 2 in flight (50 ms each).
    expect(starts).toEqual([0, 0, 50, 50, 100, 100]);
  });

  it('rejects invalid options naming the option', () => {
    const { backend } = recordingDelegate();
    expect(() => createBufferedBackend(backend, { maxBatchSize: 0 })).toThrow(
      'maxBatchSize must be a positive integer, got 0',
    );
    expect(() => createBufferedBackend(backend, { throttle: { qps: -1, burst: 1 } })).toThrow(
      'throttle.qps must be a positive number, got -1',
    );
    expect(() => createBufferedBackend({} as AuditBackend)).toThrow('delegate must be an AuditBackend');
    expect(() => createBufferedBackend(backend, { onError: 'log' as never })).toThrow(
      'onError must be a function, got "log"',
    );
  });

  it('accounting holds over a blocking webhook with random failures (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('ok', 'fail', 'hang'), { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(5), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.nat(100), { nil: undefined }),
        async (answers, calls, maxBatchSize, deadline) => {
          let n = 0;
          const delivered: string[] = [];
          const { backend, clock, allErrors } = overBlockingWebhook(
            (call) => {
              const a = answers[n++ % answers.length];
              if (a === 'hang') return NEVER;
              if (a === 'fail') return throwError(() => new WebhookError('HTTP 503', { status: 503 }));
              return new Observable<never>((s) => {
                delivered.push(...call.auditIDs);
                s.complete();
              });
            },
            { maxBatchSize, bufferSize: 8, maxBatchWait: 5 },
          );
          backend.run();
          const given: string[] = [];
          let id = 0;
          for (const count of calls) {
            const events = Array.from({ length: count }, () => auditEvent(`e${id++}`));
            given.push(...ids(events));
            void backend.processEvents(...events);
            await clock.advanceBy(3);
          }
          const down = backend.shutdown(deadline === undefined ? { timeout: 1000 } : { timeout: deadline });
          await clock.advanceBy(2000);
          await down;
          const reported = allErrors.flatMap((e) => ids(e.events));
          expect([...delivered, ...reported].sort()).toEqual([...given].sort());
        },
      ),
      { numRuns: 100 },
    );
  });
});
