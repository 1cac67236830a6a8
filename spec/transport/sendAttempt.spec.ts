// sendAttempt's signal contract, which the HTTP sender relies on to skip a controller of its own: the signal
// it hands a sender is aborted when the attempt is torn down before it settled — and never after.
import { NEVER, Observable, EMPTY, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import {
  CANCELS_ON_UNSUBSCRIBE,
  NEVER_ABORTED,
  SendAbortedError,
  cancelsOnUnsubscribe,
  markCancelsOnUnsubscribe,
  sendAttempt,
} from '../../src/transport/sendAttempt.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import { auditEvent } from '../helpers/fixtures.js';
import { WebhookError } from '../../src/transport/WebhookError.js';

const scheduler = () => new TestScheduler((a, b) => expect(a).toEqual(b));

describe('sendAttempt signals', () => {
  it('gives each attempt a signal of its own', () => {
    const seen: AbortSignal[] = [];
    for (let i = 0; i < 2; i++)
      sendAttempt((signal) => (seen.push(signal), EMPTY), Infinity, scheduler()).subscribe();
    expect(seen).toHaveLength(2);
    expect(seen[0]).not.toBe(seen[1]);
    expect(seen).not.toContain(NEVER_ABORTED);
  });

  it('aborts the signal when the attempt is unsubscribed before it settles', () => {
    let signal: AbortSignal | undefined;
    const subscription = sendAttempt((s) => ((signal = s), NEVER), Infinity, scheduler()).subscribe();
    expect(signal?.aborted).toBe(false);
    subscription.unsubscribe();
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(SendAbortedError);
  });

  it('aborts it at the timeout, with the timeout error as the reason', () => {
    const t = scheduler();
    t.run(({ expectObservable }) => {
      let signal: AbortSignal | undefined;
      expectObservable(sendAttempt((s) => ((signal = s), NEVER), 5, t)).toBe(
        '-----#',
        undefined,
        new WebhookError('audit send timed out after 5 ms', { retryable: true }),
      );
      t.flush();
      expect(signal?.aborted).toBe(true);
      expect((signal?.reason as Error).message).toBe('audit send timed out after 5 ms');
    });
  });

  it('leaves the signal alone once the send completed or failed (nothing to cancel)', () => {
    const signals: AbortSignal[] = [];
    const complete = sendAttempt((s) => (signals.push(s), EMPTY), 10, scheduler()).subscribe();
    const failed = sendAttempt(
      (s) => (signals.push(s), throwError(() => new Error('no'))),
      10,
      scheduler(),
    ).subscribe({ error: () => undefined });
    const later = sendAttempt(
      (s) => (signals.push(s), new Observable<never>((o) => o.complete())),
      10,
      scheduler(),
    ).subscribe();
    for (const s of [complete, failed, later]) s.unsubscribe();
    expect(signals.map((s) => s.aborted)).toEqual([false, false, false]);
  });
});

describe('sendAttempt timeout timer', () => {
  /** A TestScheduler that counts what is scheduled on it. */
  const counting = () => {
    const t = scheduler();
    const counted = { timers: 0, scheduler: t };
    const schedule = t.schedule.bind(t);
    t.schedule = ((...args: Parameters<typeof schedule>) => (
      counted.timers++,
      schedule(...args)
    )) as typeof t.schedule;
    return counted;
  };

  it('sets no timer for a send that ends synchronously, and one for a send still under way', () => {
    const done = counting();
    sendAttempt(() => EMPTY, 10, done.scheduler).subscribe();
    sendAttempt(() => throwError(() => new Error('no')), 10, done.scheduler).subscribe({
      error: () => undefined,
    });
    sendAttempt(
      () => {
        throw new Error('thrown');
      },
      10,
      done.scheduler,
    ).subscribe({ error: () => undefined });
    expect(done.timers).toBe(0);
    const pending = counting();
    const subscription = sendAttempt(() => NEVER, 10, pending.scheduler).subscribe();
    expect(pending.timers).toBe(1);
    subscription.unsubscribe();
  });

  it('still times out a send that does not end, and delivers one that ends at the timeout itself', () => {
    const t = scheduler();
    t.run(({ cold, expectObservable }) => {
      expectObservable(sendAttempt(() => cold('------|'), 5, t)).toBe(
        '-----#',
        undefined,
        new WebhookError('audit send timed out after 5 ms', { retryable: true }),
      );
      // The send's own timer was set before the timeout's, so at the same instant it ends first.
      expectObservable(sendAttempt(() => cold('-----|'), 5, t)).toBe('-----|');
    });
  });
});

describe('sendAttempt for a sender that cancels on unsubscribe', () => {
  it('recognises only a sender marked CANCELS_ON_UNSUBSCRIBE', () => {
    const marked = Object.defineProperty(() => EMPTY, CANCELS_ON_UNSUBSCRIBE, { value: true });
    expect(cancelsOnUnsubscribe(marked)).toBe(true);
    expect(cancelsOnUnsubscribe(() => EMPTY)).toBe(false);
    expect(cancelsOnUnsubscribe(undefined)).toBe(false);
  });

  it('a wrapper carries the mark of the sender it calls, and the webhook engine reads it from its send', async () => {
    const marked = markCancelsOnUnsubscribe(() => EMPTY);
    expect(cancelsOnUnsubscribe(markCancelsOnUnsubscribe(() => EMPTY, marked))).toBe(true);
    expect(
      cancelsOnUnsubscribe(
        markCancelsOnUnsubscribe(
          () => EMPTY,
          () => EMPTY,
        ),
      ),
    ).toBe(false);
    // Through the backend: a marked sender's attempts all get NEVER_ABORTED, an unmarked one's a signal each.
    for (const mark of [true, false]) {
      const seen: AbortSignal[] = [];
      const send = (_batch: unknown, signal: AbortSignal) => (seen.push(signal), EMPTY);
      const sender = mark ? markCancelsOnUnsubscribe(send) : send;
      const backend = createWebhookBackend({ mode: 'blocking', sender, timeout: Infinity });
      backend.run();
      expect(await backend.processEvents(auditEvent('a'))).toBe(true);
      expect(await backend.processEvents(auditEvent('b'))).toBe(true);
      await backend.shutdown();
      expect(seen.map((signal) => signal === NEVER_ABORTED)).toEqual([mark, mark]);
    }
  });

  it('hands every attempt NEVER_ABORTED, and the unsubscribe alone cancels', () => {
    const seen: AbortSignal[] = [];
    let cancelled = 0;
    const send = (signal: AbortSignal) => (
      seen.push(signal),
      new Observable<never>(() => () => {
        cancelled++;
      })
    );
    const subscription = sendAttempt(send, Infinity, scheduler(), true).subscribe();
    subscription.unsubscribe();
    expect(seen).toEqual([NEVER_ABORTED]);
    expect(cancelled).toBe(1);
    expect(NEVER_ABORTED.aborted).toBe(false);
  });

  it('still fails at the timeout, unsubscribing the send', () => {
    const t = scheduler();
    t.run(({ expectObservable, flush }) => {
      let cancelledAt: number | undefined;
      const send = () => new Observable<never>(() => () => (cancelledAt = t.now()));
      expectObservable(sendAttempt(send, 5, t, true)).toBe(
        '-----#',
        undefined,
        new WebhookError('audit send timed out after 5 ms', { retryable: true }),
      );
      flush();
      expect(cancelledAt).toBe(5);
      expect(NEVER_ABORTED.aborted).toBe(false);
    });
  });
});

describe('sendAttempt failures without a value', () => {
  it.each([
    ['errors with undefined', () => throwError(() => undefined)],
    ['rejects with null', () => Promise.reject(null)], // the case under test
    [
      'throws undefined',
      () => {
        throw undefined; // the case under test
      },
    ],
  ])('fails with a retryable error that says so when the sender %s', async (_name, send) => {
    const t = scheduler();
    const errors: unknown[] = [];
    await new Promise<void>((done) =>
      sendAttempt(send as () => never, Infinity, t).subscribe({
        error: (error: unknown) => (errors.push(error), done()),
        complete: () => done(),
      }),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(WebhookError);
    expect((errors[0] as WebhookError).message).toMatch(
      /^audit send failed: the sender failed without an error \((undefined|null)\)$/,
    );
    expect((errors[0] as WebhookError).retryable).toBe(true);
  });
});
