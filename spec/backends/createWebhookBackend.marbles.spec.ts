// The webhook backend as marble diagrams: a fresh TestScheduler per test, `run()` virtual time, a cold()
// observable as the webhook's answer to every POST, and expectSubscriptions for each attempt. `sends` emits the
// audit IDs of each POST (`'ab'`), `errors` the reason and IDs of each errors$ item (`'send-failed:ab'`).
import type { Observable, SchedulerLike } from 'rxjs';
import { Subject, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { WebhookBackendOptions } from '../../src/backends/WebhookBackendOptions.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import { WebhookError } from '../../src/transport/WebhookError.js';
import { auditEvent } from '../helpers/fixtures.js';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const letters = Object.fromEntries([...'abcdefgh'].map((id) => [id, auditEvent(id)]));
const http503 = new WebhookError('HTTP 503', { status: 503 });

function backendFor(
  scheduler: SchedulerLike,
  answer: () => Observable<unknown>,
  options: Partial<WebhookBackendOptions> = {},
) {
  const sends = new Subject<string>();
  const backend = createWebhookBackend({
    mode: 'batch',
    scheduler,
    sender: (batch) => {
      sends.next(batch.events.map((e) => e.auditID).join(''));
      return answer();
    },
    retry: { initialDelay: 10, factor: 2, jitter: 0 },
    onError: () => {},
    ...options,
  });
  const errors = backend.errors$.pipe(map((e) => `${e.reason}:${e.events.map((x) => x.auditID).join('')}`));
  return { backend, sends, errors };
}

describe('createWebhookBackend marbles', () => {
  it('size cut: a full batch goes at once, the rest when its window closes', () => {
    const t = testScheduler();
    t.run(({ cold, expectObservable }) => {
      const { backend, sends } = backendFor(t, () => cold('|'), {
        batch: { maxBatchSize: 3, maxBatchWait: 100 },
      });
      backend.run();
      cold('abcd', letters).subscribe((e) => void backend.processEvents(e));
      expectObservable(sends).toBe('--x 99ms y', { x: 'abc', y: 'd' });
    });
  });

  it('time cut: what arrived within maxBatchWait goes as one batch', () => {
    const t = testScheduler();
    t.run(({ cold, expectObservable }) => {
      const { backend, sends } = backendFor(t, () => cold('|'), {
        batch: { maxBatchSize: 10, maxBatchWait: 5 },
      });
      backend.run();
      cold('-a-b', letters).subscribe((e) => void backend.processEvents(e));
      expectObservable(sends).toBe('-----x', { x: 'ab' });
    });
  });

  it('no empty batches: idle windows send nothing (and schedule nothing, or run() would never end)', () => {
    const t = testScheduler();
    t.run(({ cold, expectObservable }) => {
      const { backend, sends } = backendFor(t, () => cold('|'), { batch: { maxBatchWait: 5 } });
      backend.run();
      cold('a 20ms b', letters).subscribe((e) => void backend.processEvents(e));
      // a: window [0,5); b at 21: window [20,25)
      expectObservable(sends).toBe('-----x 19ms y', { x: 'a', y: 'b' });
    });
  });

  it('the window restarts after each batch', () => {
    const t = testScheduler();
    t.run(({ cold, expectObservable }) => {
      const { backend, sends } = backendFor(t, () => cold('|'), {
        batch: { maxBatchSize: 2, maxBatchWait: 10 },
      });
      backend.run();
      cold('ab--c', letters).subscribe((e) => void backend.processEvents(e));
      // size cut at 1 restarts the window: c goes at 11, not 10
      expectObservable(sends).toBe('-x 9ms y', { x: 'ab', y: 'c' });
    });
  });

  it('retry timings: each attempt resubscribes after initialDelay × factor^(k-1); then send-failed', () => {
    const t = testScheduler();
    t.run(({ cold, expectObservable, expectSubscriptions }) => {
      const answer = cold('--#', undefined, http503);
      const { backend, sends, errors } = backendFor(t, () => answer, {
        batch: { maxBatchSize: 1 },
        retry: { initialDelay: 10, factor: 2, jitter: 0, attempts: 3 },
      });
      expectObservable(sends).toBe('x 11ms x 21ms x', { x: 'a' });
      backend.run();
      t.schedule(() => void backend.processEvents(letters['a']!));
      expectSubscriptions(answer.subscriptions).toBe(['^-!', '12ms ^-!', '34ms ^-!']);
      expectObservable(errors).toBe('36ms e', { e: 'send-failed:a' });
    });
  });

  it('a non-retryable failure is reported after one attempt', () => {
    const t = testScheduler();
    t.run(({ cold, expectObservable, expectSubscriptions }) => {
      const answer = cold('-#', undefined, new WebhookError('HTTP 400', { status: 400 }));
      const { backend, errors } = backendFor(t, () => answer, { batch: { maxBatchSize: 1 } });
      backend.run();
      void backend.processEvents(letters['a']!);
      expectSubscriptions(answer.subscriptions).toBe('^!');
      expectObservable(errors).toBe('-e', { e: 'send-failed:a' });
    });
  });

  it('maxInFlight: the next POST starts when one ends', () => {
    const t = testScheduler();
    t.run(({ cold, expectObservable, expectSubscriptions }) => {
      const answer = cold('---|');
      const { backend, sends } = backendFor(t, () => answer, { batch: { maxBatchSize: 1, maxInFlight: 1 } });
      expectObservable(sends).toBe('a--b--c', { a: 'a', b: 'b', c: 'c' });
      backend.run();
      t.schedule(() => void backend.processEvents(letters['a']!, letters['b']!, letters['c']!));
      expectSubscriptions(answer.subscriptions).toBe(['^--!', '---^--!', '------^--!']);
    });
  });

  it('throttle spacing: one token per batch, 1000/qps ms apart after the burst', () => {
    const t = testScheduler();
    t.run(({ cold, expectObservable }) => {
      const { backend, sends } = backendFor(t, () => cold('|'), {
        batch: { maxBatchSize: 1, throttle: { qps: 100, burst: 1 } },
      });
      expectObservable(sends).toBe('a 9ms b 9ms c', { a: 'a', b: 'b', c: 'c' });
      backend.run();
      t.schedule(() => void backend.processEvents(letters['a']!, letters['b']!, letters['c']!));
    });
  });

  it('drain on shutdown: the partial batch goes at once', () => {
    const t = testScheduler();
    t.run(({ cold, expectObservable }) => {
      const { backend, sends } = backendFor(t, () => cold('|'), { batch: { maxBatchWait: 1000 } });
      backend.run();
      cold('abc', letters).subscribe((e) => void backend.processEvents(e));
      t.schedule(() => void backend.shutdown(), 5);
      expectObservable(sends).toBe('-----x', { x: 'abc' });
    });
  });

  it('shutdown waits for the in-flight POST: its answer is not cut short', () => {
    const t = testScheduler();
    t.run(({ cold, expectObservable, expectSubscriptions }) => {
      const answer = cold('50ms |');
      const { backend } = backendFor(t, () => answer, { batch: { maxBatchSize: 2 } });
      backend.run();
      cold('ab', letters).subscribe((e) => void backend.processEvents(e));
      t.schedule(() => void backend.shutdown(), 10);
      expectSubscriptions(answer.subscriptions).toBe('-^ 49ms !');
      expectObservable(backend.deliveries$.pipe(map((d) => d.ok))).toBe('51ms t', { t: true });
    });
  });

  it('shutdown deadline: what is in flight is aborted and reported at the deadline', () => {
    const t = testScheduler();
    t.run(({ cold, expectObservable, expectSubscriptions }) => {
      const answer = cold('-');
      const { backend, errors } = backendFor(t, () => answer, {
        batch: { maxBatchSize: 2 },
        timeout: Infinity,
      });
      backend.run();
      cold('ab', letters).subscribe((e) => void backend.processEvents(e));
      t.schedule(() => void backend.shutdown({ timeout: 30 }), 10);
      expectSubscriptions(answer.subscriptions).toBe('-^ 38ms !');
      expectObservable(errors).toBe('40ms e', { e: 'send-failed:ab' });
    });
  });

  it('flush sends the partial batch now', () => {
    const t = testScheduler();
    t.run(({ cold, expectObservable }) => {
      const { backend, sends } = backendFor(t, () => cold('|'), { batch: { maxBatchWait: 1000 } });
      backend.run();
      cold('ab', letters).subscribe((e) => void backend.processEvents(e));
      t.schedule(() => void backend.flush(), 7);
      expectObservable(sends).toBe('-------x', { x: 'ab' });
    });
  });

  it('blocking mode: one POST per call, in call order, one at a time', () => {
    const t = testScheduler();
    t.run(({ cold, expectObservable, expectSubscriptions }) => {
      const answer = cold('---|');
      const { backend, sends } = backendFor(t, () => answer, { mode: 'blocking' });
      expectObservable(sends).toBe('x--y--z', { x: 'a', y: 'bc', z: 'd' });
      backend.run();
      // three calls at frame 0, made after expectObservable has subscribed
      t.schedule(() => {
        void backend.processEvents(letters['a']!);
        void backend.processEvents(letters['b']!, letters['c']!);
        void backend.processEvents(letters['d']!);
      });
      expectSubscriptions(answer.subscriptions).toBe(['^--!', '---^--!', '------^--!']);
    });
  });
});
