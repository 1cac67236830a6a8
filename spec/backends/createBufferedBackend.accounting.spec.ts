// Accounting invariant for the buffered backend (the engine's other user, through its delegate strategy): every
// event given ends exactly once — delivered by the delegate, or reported on the buffered backend's errors$
// (its own reports and the delegate's) — and stats() adds up, while callbacks re-enter it: the delegate's
// sender, onError and an errors$ subscriber call processEvents, flush or shutdown synchronously, and the
// sender resolves, fails, throws or hangs, synchronously or later. In virtual time, over a real blocking
// webhook backend as the delegate.
import fc from 'fast-check';
import { EMPTY, NEVER, Observable, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createBufferedBackend } from '../../src/backends/createBufferedBackend.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import { WebhookError } from '../../src/transport/WebhookError.js';
import { auditEvent, virtualClock } from '../helpers/fixtures.js';
import { Reentrance, reentranceFields } from '../helpers/reentrance.js';
import type { Step } from '../helpers/reentrance.js';

type Outcome =
  | { kind: 'sync-ok' }
  | { kind: 'sync-fail' }
  | { kind: 'sync-final' }
  | { kind: 'throw' }
  | { kind: 'hang' }
  | { kind: 'ok' | 'fail'; after: number };

const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  fc.constantFrom(
    { kind: 'sync-ok' as const },
    { kind: 'sync-fail' as const },
    { kind: 'sync-final' as const },
    { kind: 'throw' as const },
    { kind: 'hang' as const },
  ),
  fc.record({
    kind: fc.constantFrom('ok' as const, 'fail' as const),
    after: fc.integer({ min: 0, max: 30 }),
  }),
);

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('events' as const),
    wait: fc.integer({ min: 0, max: 20 }),
    count: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({ kind: fc.constant('flush' as const), wait: fc.integer({ min: 0, max: 20 }) }),
);

const scenario = fc.record({
  whenFull: fc.constantFrom('drop' as const, 'block' as const),
  maxBatchSize: fc.integer({ min: 1, max: 4 }),
  maxBatchWait: fc.integer({ min: 0, max: 20 }),
  bufferSize: fc.integer({ min: 1, max: 8 }),
  maxInFlight: fc.constantFrom(1, 2, Infinity),
  // The buffer's retries of a failed delegate call, and the delegate's own.
  attempts: fc.integer({ min: 1, max: 3 }),
  delegateAttempts: fc.integer({ min: 1, max: 2 }),
  outcomes: fc.array(outcome, { minLength: 1, maxLength: 12 }),
  steps: fc.array(step, { maxLength: 10 }),
  ...reentranceFields,
});

describe('createBufferedBackend accounting under re-entrance (property)', () => {
  it('every event ends exactly once and stats() adds up, whatever the callbacks call back', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const clock = virtualClock();
        const delivered: string[] = [];
        const reported: string[] = [];
        let call = 0;
        const t = new Reentrance(s, (n) => auditEvent(`e${n}`));
        const delegate = createWebhookBackend({
          mode: 'blocking',
          scheduler: clock.scheduler,
          timeout: 50,
          retry: { initialDelay: 5, factor: 2, jitter: 0, attempts: s.delegateAttempts },
          onError: () => undefined, // its reports reach the buffered backend's errors$
          sender: (batch) => {
            const o = s.outcomes[call++ % s.outcomes.length] as Outcome;
            const ids = batch.events.map((e) => e.auditID);
            if (s.from.sender) t.reenter();
            if (o.kind === 'throw') throw new Error('sender threw');
            if (o.kind === 'hang') return NEVER; // until the delegate's timeout
            if (o.kind === 'sync-ok') {
              delivered.push(...ids);
              return EMPTY;
            }
            if (o.kind === 'sync-fail') return throwError(() => new WebhookError('busy', { status: 503 }));
            if (o.kind === 'sync-final')
              return throwError(() => new WebhookError('refused', { status: 400 }));
            const { kind, after } = o;
            return new Observable<never>((subscriber) =>
              clock.scheduler.schedule(() => {
                if (kind === 'fail') subscriber.error(new WebhookError('busy', { status: 503 }));
                else {
                  delivered.push(...ids);
                  subscriber.complete();
                }
              }, after),
            );
          },
        });
        // The delegate's own reports, apart: they are of events the buffer accepted and handed over.
        const byDelegate: string[] = [];
        delegate.errors$.subscribe((e) => byDelegate.push(...e.events.map((ev) => ev.auditID)));
        const backend = createBufferedBackend(delegate, {
          maxBatchSize: s.maxBatchSize,
          maxBatchWait: s.maxBatchWait,
          bufferSize: s.bufferSize,
          maxInFlight: s.maxInFlight,
          whenFull: s.whenFull,
          retry: { initialDelay: 5, factor: 2, jitter: 0, attempts: s.attempts },
          scheduler: clock.scheduler,
          onError: () => {
            if (s.from.onError) t.reenter();
          },
        });
        t.backend = backend;
        backend.errors$.subscribe((e) => {
          reported.push(...e.events.map((ev) => ev.auditID));
          if (s.from.subscriber) t.reenter();
        });
        await t.drive(clock);

        const { given } = t;
        expect([...delivered, ...reported].sort()).toEqual([...given].sort());
        const stats = backend.stats();
        expect(stats.queued).toBe(0);
        expect(stats.inFlight).toBe(0);
        expect(stats.delivered).toBe(delivered.length);
        expect(Object.values(stats.failed).reduce((a, b) => a + b, 0)).toBe(reported.length);
        // The buffer's own reports by reason: every report less the delegate's.
        const own = { ...stats.failed };
        const delegateStats = delegate.stats();
        for (const [reason, count] of Object.entries(delegateStats.failed))
          own[reason as keyof typeof own] -= count;
        expect(delegateStats.delivered).toBe(delivered.length);
        expect(Object.values(delegateStats.failed).reduce((a, b) => a + b, 0)).toBe(byDelegate.length);
        const refused = own.invalid + own['queue-blocked'] + own['too-large'];
        if (t.first === 'run') {
          // The buffer's shut-down reports are refusals then; what it accepted it handed over (delivered, or
          // reported by the delegate) or reported as send-failed itself.
          expect(stats.accepted).toBe(given.length - refused - own['shut-down']);
          expect(stats.accepted).toBe(stats.delivered + byDelegate.length + own['send-failed']);
        } else {
          // A shutdown before run() hands nothing over: what the buffer accepted it reported as shut-down.
          expect(stats.delivered + byDelegate.length + own['send-failed']).toBe(0);
          expect(stats.accepted).toBeLessThanOrEqual(own['shut-down']);
        }
      }),
      { numRuns: 200 },
    );
  });
});
