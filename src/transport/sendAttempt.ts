import type { ObservableInput, SchedulerLike, Subscription } from 'rxjs';
import { Observable, from, retry, throwError, timer } from 'rxjs';
import type { RetryOptions } from '../contract/options.js';
import { WebhookError, isRetryable } from './WebhookError.js';
import { retryDelay } from './retryDelay.js';

/** Why a send's `AbortSignal` fired when the backend unsubscribed (shutdown deadline, early unsubscribe). */
export class SendAbortedError extends Error {
  override name = 'SendAbortedError' as const;
}

/** The signals {@link sendAttempt} hands out: each is aborted when its attempt is torn down unsettled. */
const ABORTED_AT_TEARDOWN = new WeakSet<AbortSignal>();

/**
 * Whether `signal` is one {@link sendAttempt} made, so it is aborted if the attempt is unsubscribed before it
 * settles: a sender given one needs no `AbortController` of its own to cancel its request on teardown.
 */
export function abortsAtTeardown(signal: AbortSignal): boolean {
  return ABORTED_AT_TEARDOWN.has(signal);
}

/**
 * One attempt of `send`: completes when the sender's result completes (values are ignored), errors when it
 * errors or throws synchronously, and fails with a retryable timeout error after `timeout` ms on the
 * scheduler. Timeout and unsubscribe abort the attempt's `AbortSignal`.
 */
export function sendAttempt(
  send: (signal: AbortSignal) => ObservableInput<unknown>,
  timeout: number,
  scheduler: SchedulerLike,
): Observable<never> {
  return new Observable<never>((subscriber) => {
    const controller = new AbortController();
    ABORTED_AT_TEARDOWN.add(controller.signal);
    let settled = false;
    let timer: Subscription | undefined;
    if (timeout !== Infinity) {
      timer = scheduler.schedule(() => {
        settled = true;
        const error = new WebhookError(`audit send timed out after ${timeout} ms`, { retryable: true });
        controller.abort(error);
        subscriber.error(error);
      }, timeout);
    }
    let inner: Subscription | undefined;
    try {
      inner = from(send(controller.signal)).subscribe({
        error: (error: unknown) => {
          settled = true;
          subscriber.error(error);
        },
        complete: () => {
          settled = true;
          subscriber.complete();
        },
      });
    } catch (error) {
      settled = true;
      subscriber.error(error);
    }
    return () => {
      timer?.unsubscribe();
      inner?.unsubscribe();
      if (!settled) controller.abort(new SendAbortedError('audit send aborted'));
    };
  });
}

/**
 * {@link sendAttempt} with exponential-backoff retry on the scheduler: a retryable failure is tried again after
 * {@link retryDelay}, up to `options.attempts` attempts in all; a final failure (or the last one) is the error.
 * `send` is called once per attempt — the caller counts attempts there, on its own batch value.
 */
export function sendWithRetry(
  send: (signal: AbortSignal) => ObservableInput<unknown>,
  options: Required<RetryOptions>,
  timeout: number,
  scheduler: SchedulerLike,
): Observable<never> {
  const attempt = sendAttempt(send, timeout, scheduler);
  if (options.attempts === 1) return attempt;
  return attempt.pipe(
    retry({
      count: options.attempts - 1,
      delay: (error: unknown, retryCount: number) =>
        isRetryable(error) && !isTooLarge(error)
          ? timer(retryDelay(options, retryCount, error), scheduler)
          : throwError(() => error),
    }),
  );
}

/**
 * Whether a send error says the batch can never fit (`reason: 'too-large'`, e.g. a JetStream message over the
 * server's `max_payload`): final, never retried, reported as `too-large` rather than `send-failed`.
 */
export function isTooLarge(error: unknown): boolean {
  return (error as { reason?: unknown } | null | undefined)?.reason === 'too-large';
}
