import type { MonoTypeOperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import { Observable } from 'rxjs';
import type { ThrottleOptions } from '../contract/options.js';

/**
 * A token bucket on the scheduler, one token per value: up to `burst` values pass at once, then one every
 * `1000 / qps` ms. Values wait (in order) for their token; none is dropped. Completion waits for the queue.
 * Implemented as a generic cell-rate algorithm, so it needs one timer only while values wait.
 */
export function throttleBatches<T>(
  { qps, burst }: ThrottleOptions,
  scheduler: SchedulerLike,
): MonoTypeOperatorFunction<T> {
  const interval = 1000 / qps;
  const tolerance = (burst - 1) * interval;
  return (source) =>
    new Observable<T>((subscriber) => {
      const queue: T[] = [];
      // Theoretical arrival time of the next value: the bucket is full when it lies `tolerance` in the past.
      let tat = -Infinity;
      let timer: Subscription | undefined;
      let draining = false;
      let sourceDone = false;

      const drain = (): void => {
        if (draining || timer !== undefined) return;
        draining = true;
        try {
          while (queue.length > 0) {
            const now = scheduler.now();
            const allowedAt = tat - tolerance;
            // A sub-microsecond remainder is float noise from 1000 / qps, not a real wait.
            if (allowedAt - now > 1e-6) {
              timer = scheduler.schedule(() => {
                timer = undefined;
                drain();
              }, allowedAt - now);
              return;
            }
            tat = Math.max(tat, now) + interval;
            subscriber.next(queue.shift() as T);
          }
          if (sourceDone) subscriber.complete();
        } finally {
          draining = false;
        }
      };

      const subscription = source.subscribe({
        next: (value) => {
          queue.push(value);
          drain();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          drain();
        },
      });
      return () => {
        timer?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
