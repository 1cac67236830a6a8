import type { ObservableInput, SchedulerLike, Subscription } from 'rxjs';
import { Observable, from, retry, throwError, timer } from 'rxjs';
import type { RetryOptions } from '../contract/options.js';
import { WebhookError, isRetryable } from './WebhookError.js';
import { retryDelay } from './retryDelay.js';
import { AuditError } from '../events/AuditError.js';

/** Why a send's `AbortSignal` fired when the backend unsubscribed (shutdown deadline, early unsubscribe). */
export class SendAbortedError extends AuditError {
  override name = 'SendAbortedError' as const;
}

/**
 * Marks a sender whose Observable cancels its work when it is unsubscribed and needs no abort signal for it
 * (the HTTP sender). Its attempts are all given {@link NEVER_ABORTED} instead of an `AbortController` each: a
 * controller costs about 25 µs per attempt here, its garbage collection included — an eighth of a blocking
 * round trip.
 */
export const CANCELS_ON_UNSUBSCRIBE: unique symbol = Symbol('rx-audit.cancelsOnUnsubscribe');

/** The signal of every attempt of a {@link CANCELS_ON_UNSUBSCRIBE} sender: never aborted. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/**
 * Marks `wrapper` {@link CANCELS_ON_UNSUBSCRIBE} when `of` (the sender it calls) is — or, without `of`, always.
 * A function that only calls a marked sender cancels as the sender does.
 */
export function markCancelsOnUnsubscribe<F extends (...args: never[]) => unknown>(
  wrapper: F,
  of?: unknown,
): F {
  if (of === undefined || cancelsOnUnsubscribe(of)) {
    Object.defineProperty(wrapper, CANCELS_ON_UNSUBSCRIBE, { value: true });
  }
  return wrapper;
}

/** Whether `send` is marked {@link CANCELS_ON_UNSUBSCRIBE}. */
export function cancelsOnUnsubscribe(send: unknown): boolean {
  return (
    typeof send === 'function' &&
    (send as { [CANCELS_ON_UNSUBSCRIBE]?: unknown })[CANCELS_ON_UNSUBSCRIBE] === true
  );
}

/**
 * One attempt of `send`: completes when the sender's result completes (values are ignored), errors when it
 * errors or throws synchronously, and fails with a retryable timeout error after `timeout` ms on the
 * scheduler. Timeout and unsubscribe abort the attempt's `AbortSignal` — unless `unsubscribeCancels` (the
 * sender is marked {@link CANCELS_ON_UNSUBSCRIBE}): then the signal is {@link NEVER_ABORTED} and the
 * unsubscribe alone cancels.
 */
export function sendAttempt(
  send: (signal: AbortSignal) => ObservableInput<unknown>,
  timeout: number,
  scheduler: SchedulerLike,
  unsubscribeCancels = false,
): Observable<never> {
  return new Observable<never>((subscriber) => {
    const controller = unsubscribeCancels ? undefined : new AbortController();
    let settled = false;
    let timer: Subscription | undefined;
    let inner: Subscription | undefined;
    try {
      inner = from(send(controller?.signal ?? NEVER_ABORTED)).subscribe({
        error: (error: unknown) => {
          settled = true;
          subscriber.error(failureOf(error));
        },
        complete: () => {
          settled = true;
          subscriber.complete();
        },
      });
    } catch (error) {
      settled = true;
      subscriber.error(failureOf(error));
    }
    // Timed only if it is still under way: a send that ended synchronously needs no timer (one timer set and
    // cleared per batch was about 1 % of the enqueue cost with a sender that completes at once).
    if (!settled && !subscriber.closed && timeout !== Infinity) {
      timer = scheduler.schedule(() => {
        settled = true;
        const error = new WebhookError(`audit send timed out after ${timeout} ms`, { retryable: true });
        controller?.abort(error);
        subscriber.error(error); // unsubscribes the send too
      }, timeout);
    }
    return () => {
      timer?.unsubscribe();
      inner?.unsubscribe();
      if (!settled) controller?.abort(new SendAbortedError('audit send aborted'));
    };
  });
}

/**
 * A failure as the error it is reported with: a sender that fails without a value (`Promise.reject()`, `throw
 * undefined`) still fails — with a retryable error that says so — rather than passing for a delivery.
 */
function failureOf(error: unknown): unknown {
  if (error !== undefined && error !== null) return error;
  return new WebhookError(`audit send failed: the sender failed without an error (${String(error)})`, {
    retryable: true,
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
  unsubscribeCancels = false,
): Observable<never> {
  const attempt = sendAttempt(send, timeout, scheduler, unsubscribeCancels);
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
