// sendAttempt's signal contract, which the HTTP sender relies on to skip a controller of its own: the signal
// it hands a sender is aborted when the attempt is torn down before it settled — and never after.
import { NEVER, Observable, EMPTY, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { abortsAtTeardown, sendAttempt, SendAbortedError } from '../../src/transport/sendAttempt.js';
import { WebhookError } from '../../src/transport/WebhookError.js';

const scheduler = () => new TestScheduler((a, b) => expect(a).toEqual(b));

describe('sendAttempt signals', () => {
  it('marks the signals it hands out, and only those', () => {
    const seen: AbortSignal[] = [];
    sendAttempt((signal) => (seen.push(signal), EMPTY), Infinity, scheduler()).subscribe();
    expect(seen).toHaveLength(1);
    expect(abortsAtTeardown(seen[0] as AbortSignal)).toBe(true);
    expect(abortsAtTeardown(new AbortController().signal)).toBe(false);
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
