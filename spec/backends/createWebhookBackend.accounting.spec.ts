// Accounting invariant (DESIGN.md): every accepted event ends exactly once — delivered, or in errors$ — and
// every refused event is reported. Checked with fast-check over random event streams, sender failures,
// flushes and shutdown points, in virtual time.
import fc from 'fast-check';
import { EMPTY, Observable, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { AuditPluginError } from '../../src/contract/AuditBackend.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import { WebhookError } from '../../src/transport/WebhookError.js';
import { auditEvent, virtualClock } from '../helpers/fixtures.js';
import { Reentrance, reentranceFields } from '../helpers/reentrance.js';
import type { Step } from '../helpers/reentrance.js';

type Outcome =
  | { kind: 'ok'; after: number }
  | { kind: 'retryable'; after: number }
  | { kind: 'final'; after: number }
  | { kind: 'no-error'; after: number } // errors with undefined
  | { kind: 'throw' }
  | { kind: 'hang' };

const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  fc.record({ kind: fc.constant('ok' as const), after: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ kind: fc.constant('retryable' as const), after: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ kind: fc.constant('final' as const), after: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ kind: fc.constant('no-error' as const), after: fc.integer({ min: 0, max: 20 }) }),
  fc.constant({ kind: 'throw' as const }),
  fc.constant({ kind: 'hang' as const }),
);

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('events' as const), wait: fc.nat(30), count: fc.nat(6) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush' as const), wait: fc.nat(30) }) },
);

const scenario = fc.record({
  mode: fc.constantFrom('batch' as const, 'blocking' as const),
  maxBatchSize: fc.integer({ min: 1, max: 5 }),
  maxBatchWait: fc.integer({ min: 1, max: 50 }),
  bufferSize: fc.integer({ min: 1, max: 15 }),
  maxInFlight: fc.constantFrom(1, 2, Infinity),
  attempts: fc.integer({ min: 1, max: 3 }),
  throttle: fc.boolean(),
  runAt: fc.nat(3), // run() before the n-th step (3 → possibly never before shutdown)
  outcomes: fc.array(outcome, { minLength: 1, maxLength: 30 }),
  steps: fc.array(step, { maxLength: 12 }),
  shutdownAfter: fc.nat(12),
  shutdownTimeout: fc.option(fc.nat(200), { nil: undefined }),
  eventsAfterShutdown: fc.nat(3),
});

describe('createWebhookBackend accounting (property)', () => {
  it('every accepted event is delivered or reported exactly once, and every refused one is reported', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const clock = virtualClock();
        const delivered: string[] = [];
        const errors: AuditPluginError[] = [];
        let call = 0;
        const backend = createWebhookBackend({
          mode: s.mode,
          scheduler: clock.scheduler,
          timeout: 60,
          retry: { initialDelay: 5, factor: 2, jitter: 0, attempts: s.attempts },
          batch: {
            maxBatchSize: s.maxBatchSize,
            maxBatchWait: s.maxBatchWait,
            bufferSize: s.bufferSize,
            maxInFlight: s.maxInFlight,
            throttle: s.throttle ? { qps: 100, burst: 2 } : false,
          },
          onError: (e) => errors.push(e),
          sender: (batch) => {
            const o = s.outcomes[call++ % s.outcomes.length] as Outcome;
            if (o.kind === 'throw') throw new Error('sender threw');
            const ids = batch.events.map((e) => e.auditID);
            return new Observable<never>((subscriber) => {
              if (o.kind === 'hang') return;
              return clock.scheduler.schedule(() => {
                if (o.kind === 'ok') {
                  delivered.push(...ids);
                  subscriber.complete();
                } else if (o.kind === 'no-error') {
                  subscriber.error(undefined);
                } else {
                  subscriber.error(
                    new WebhookError('failed', { status: o.kind === 'retryable' ? 503 : 400 }),
                  );
                }
              }, o.after);
            });
          },
        });

        const given: string[] = [];
        const flushes: Array<{ done: boolean }> = [];
        let shutdown: Promise<void> | undefined;
        const results: Array<Promise<{ ids: string[]; ok: boolean }>> = [];
        let n = 0;
        const givenAfterShutdown: string[] = [];
        const give = (count: number) => {
          const events = Array.from({ length: count }, () => auditEvent(`e${n++}`));
          given.push(...events.map((e) => e.auditID));
          if (shutdown !== undefined) givenAfterShutdown.push(...events.map((e) => e.auditID));
          results.push(
            backend.processEvents(...events).then((ok) => ({ ids: events.map((e) => e.auditID), ok })),
          );
        };
        for (let i = 0; i < s.steps.length; i++) {
          if (i === s.runAt) backend.run();
          if (i === s.shutdownAfter) shutdown = backend.shutdown({ timeout: s.shutdownTimeout ?? Infinity });
          const st = s.steps[i] as Step;
          await clock.advanceBy(st.wait);
          if (st.kind === 'events') give(st.count);
          else {
            const flush = { done: false };
            flushes.push(flush);
            void backend.flush().then(() => (flush.done = true));
          }
        }
        shutdown ??= backend.shutdown(s.shutdownTimeout === undefined ? {} : { timeout: s.shutdownTimeout });
        give(s.eventsAfterShutdown);
        await clock.advanceBy(100_000);
        await shutdown;
        const calls = await Promise.all(results);
        // Every flush() resolved: what it waited for was delivered or reported by the end.
        expect(flushes.every((f) => f.done)).toBe(true);

        const reported = errors.flatMap((e) => e.events.map((ev) => ev.auditID));
        // Exactly once: delivered ∪ reported is every event given, with no duplicates.
        expect([...delivered, ...reported].sort()).toEqual([...given].sort());
        // A call resolves true only if none of its events was refused or failed (batch mode: refused).
        // Batch mode: refused = queue-blocked, or given after shutdown began (pre-run events reported as
        // shut-down at shutdown were accepted). Blocking mode: any report means the call failed.
        const refused = new Set([
          ...errors
            .filter((e) => s.mode === 'blocking' || e.reason === 'queue-blocked')
            .flatMap((e) => e.events.map((ev) => ev.auditID)),
          ...givenAfterShutdown,
        ]);
        for (const c of calls) {
          if (c.ids.length === 0) continue;
          expect(c.ok).toBe(!c.ids.some((id) => refused.has(id)));
        }
        const stats = backend.stats();
        expect(stats.queued).toBe(0);
        expect(stats.inFlight).toBe(0);
        expect(stats.delivered).toBe(delivered.length);
        const failedTotal = Object.values(stats.failed).reduce((a, b) => a + b, 0);
        expect(failedTotal).toBe(reported.length);
        // Refused: queue-blocked, and everything given after shutdown began (reported as shut-down).
        const shutDown = new Set(
          errors.filter((e) => e.reason === 'shut-down').flatMap((e) => e.events.map((ev) => ev.auditID)),
        );
        for (const id of givenAfterShutdown) expect(shutDown.has(id)).toBe(true);
        expect(stats.accepted).toBe(given.length - stats.failed['queue-blocked'] - givenAfterShutdown.length);
        expect(stats.accepted).toBe(
          stats.delivered +
            stats.failed['send-failed'] +
            stats.failed['shut-down'] -
            givenAfterShutdown.length,
        );
      }),
      { numRuns: 150 },
    );
  });
});

// Re-entrance (issue 12): onError, the sender and an errors$ subscriber call processEvents, flush or shutdown
// synchronously, while senders resolve, fail or throw synchronously (or later). Whatever the interleaving,
// every event given — by the test or by a callback — ends exactly once, and stats() adds up.
type SyncOutcome = Outcome | { kind: 'sync-ok' } | { kind: 'sync-fail' } | { kind: 'sync-final' };

const syncOutcome: fc.Arbitrary<SyncOutcome> = fc.oneof(
  outcome,
  fc.constant({ kind: 'sync-ok' as const }),
  fc.constant({ kind: 'sync-fail' as const }),
  fc.constant({ kind: 'sync-final' as const }),
);

const reentrantScenario = fc.record({
  mode: fc.constantFrom('batch' as const, 'blocking' as const),
  whenFull: fc.constantFrom('drop' as const, 'block' as const),
  maxBatchSize: fc.integer({ min: 1, max: 4 }),
  maxBatchWait: fc.integer({ min: 0, max: 30 }),
  bufferSize: fc.integer({ min: 1, max: 8 }),
  maxInFlight: fc.constantFrom(1, 2, Infinity),
  attempts: fc.integer({ min: 1, max: 3 }),
  outcomes: fc.array(syncOutcome, { minLength: 1, maxLength: 20 }),
  steps: fc.array(step, { maxLength: 10 }),
  ...reentranceFields,
  // Every k-th event given not serializable.
  invalidEvery: fc.option(fc.integer({ min: 2, max: 6 }), { nil: undefined }),
  // Byte bounds (batch mode), and every k-th event over them alone (too-large) when they are set.
  maxBatchBytes: fc.constantFrom(undefined, 2000),
  maxBufferBytes: fc.constantFrom(undefined, 2500),
  largeEvery: fc.option(fc.integer({ min: 2, max: 5 }), { nil: undefined }),
});

describe('createWebhookBackend accounting under re-entrance (property)', () => {
  it('every event ends exactly once and stats() adds up, whatever the callbacks call back', async () => {
    await fc.assert(
      fc.asyncProperty(reentrantScenario, async (s) => {
        const clock = virtualClock();
        const delivered: string[] = [];
        const errors: AuditPluginError[] = [];
        let call = 0;
        const t = new Reentrance(s, (n) => {
          const large = s.largeEvery !== undefined && n % s.largeEvery === 1;
          const event = auditEvent(`e${n}`, large ? { annotations: { pad: 'x'.repeat(3000) } } : {});
          // Every k-th event not serializable: JSON.stringify throws.
          if (s.invalidEvery !== undefined && (n + 1) % s.invalidEvery === 0) {
            (event as unknown as Record<string, unknown>)['self'] = event;
          }
          return event;
        });
        const backend = createWebhookBackend({
          ...(s.mode === 'batch'
            ? {
                mode: 'batch' as const,
                batch: {
                  maxBatchSize: s.maxBatchSize,
                  maxBatchWait: s.maxBatchWait,
                  bufferSize: s.bufferSize,
                  maxInFlight: s.maxInFlight,
                  whenFull: s.whenFull,
                  ...(s.maxBatchBytes === undefined ? {} : { maxBatchBytes: s.maxBatchBytes }),
                  ...(s.maxBufferBytes === undefined ? {} : { maxBufferBytes: s.maxBufferBytes }),
                },
              }
            : { mode: 'blocking' as const }),
          scheduler: clock.scheduler,
          timeout: 60,
          retry: { initialDelay: 5, factor: 2, jitter: 0, attempts: s.attempts },
          onError: (e) => {
            errors.push(e);
            if (s.from.onError) t.reenter();
          },
          sender: (batch) => {
            const o = s.outcomes[call++ % s.outcomes.length] as SyncOutcome;
            const ids = batch.events.map((e) => e.auditID);
            if (s.from.sender) t.reenter();
            if (o.kind === 'throw') throw new Error('sender threw');
            if (o.kind === 'sync-ok') {
              delivered.push(...ids);
              return EMPTY;
            }
            if (o.kind === 'sync-fail') return throwError(() => new WebhookError('failed', { status: 503 }));
            if (o.kind === 'sync-final')
              return throwError(() => new WebhookError('refused', { status: 400 }));
            return new Observable<never>((subscriber) => {
              if (o.kind === 'hang') return;
              return clock.scheduler.schedule(() => {
                if (o.kind === 'ok') {
                  delivered.push(...ids);
                  subscriber.complete();
                } else if (o.kind === 'no-error') {
                  subscriber.error(undefined);
                } else {
                  subscriber.error(
                    new WebhookError('failed', { status: o.kind === 'retryable' ? 503 : 400 }),
                  );
                }
              }, o.after);
            });
          },
        });
        t.backend = backend;
        backend.errors$.subscribe(() => {
          if (s.from.subscriber) t.reenter();
        });
        await t.drive(clock);

        const { given } = t;
        const reported = errors.flatMap((e) => e.events.map((ev) => ev.auditID));
        expect([...delivered, ...reported].sort()).toEqual([...given].sort());
        const stats = backend.stats();
        expect(stats.queued).toBe(0);
        expect(stats.inFlight).toBe(0);
        expect(stats.delivered).toBe(delivered.length);
        expect(Object.values(stats.failed).reduce((a, b) => a + b, 0)).toBe(reported.length);
        // Invalid, too-large and queue-blocked events are refused, never accepted. When run() came before any
        // shutdown, so is every shut-down one, and what was accepted was sent: delivered or send-failed. A
        // shutdown before run() sends nothing, and reports what it had accepted as shut-down.
        const refused = stats.failed.invalid + stats.failed['queue-blocked'] + stats.failed['too-large'];
        if (t.first === 'run') {
          expect(stats.accepted).toBe(given.length - refused - stats.failed['shut-down']);
          expect(stats.accepted).toBe(stats.delivered + stats.failed['send-failed']);
        } else {
          expect(stats.delivered + stats.failed['send-failed']).toBe(0);
          expect(stats.accepted).toBeLessThanOrEqual(stats.failed['shut-down']);
          expect(stats.accepted).toBeGreaterThanOrEqual(given.length - refused - stats.failed['shut-down']);
        }
      }),
      { numRuns: 200 },
    );
  });
});
