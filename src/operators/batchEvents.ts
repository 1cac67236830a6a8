import type { ObservableInput, OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import { Observable, asyncScheduler, from } from 'rxjs';
import { nonNegativeNumber, positiveInteger } from '../internal/validateOptions.js';

/** Configuration of {@link batchEvents}. */
export interface BatchEventsConfig {
  /** Events per batch at most; a full batch is emitted at once. @default 100 */
  maxBatchSize?: number;
  /**
   * A batch is emitted at least this often, in milliseconds, when it holds events. The window starts when the
   * operator is subscribed and restarts after each batch, as with `bufferTime(maxBatchWait, null, maxBatchSize)`.
   * `Infinity` emits only full batches (and the rest when the source completes or `flush` emits).
   * @default 60000
   */
  maxBatchWait?: number;
  /** Runs the window timer. @default asyncScheduler */
  scheduler?: SchedulerLike;
  /** Each emission closes the current batch now (when it holds events) and restarts the window. */
  flush?: ObservableInput<unknown>;
}

/**
 * Groups events into batches by size and time, like `bufferTime(maxBatchWait, null, maxBatchSize, scheduler)`
 * with empty batches dropped — it never emits `[]`, and after the first window it schedules no timer while it
 * holds no events.
 * Completing the source emits the partial batch, then completes.
 *
 * ## Example
 *
 * ```ts
 * import { batchEvents } from 'rx-audit';
 *
 * events$.pipe(batchEvents({ maxBatchSize: 100, maxBatchWait: 5_000 })).subscribe((batch) => console.log(batch.length));
 * ```
 *
 * @param config Size and time limits, scheduler and an optional `flush` notifier.
 * @returns An operator from events to non-empty arrays of events, in arrival order.
 */
export function batchEvents<E>(config: BatchEventsConfig = {}): OperatorFunction<E, E[]> {
  const maxBatchSize = positiveInteger('maxBatchSize', config.maxBatchSize ?? 100, true);
  const maxBatchWait = nonNegativeNumber('maxBatchWait', config.maxBatchWait ?? 60_000, true);
  const scheduler = config.scheduler ?? asyncScheduler;
  const flush = config.flush;

  return (source) =>
    new Observable<E[]>((subscriber) => {
      let buffer: E[] = [];
      // Start of the current window; windows follow each other back to back from the last cut.
      let windowStart = scheduler.now();
      let timer: Subscription | undefined;

      const emit = (): void => {
        timer?.unsubscribe();
        timer = undefined;
        windowStart = scheduler.now();
        const batch = buffer;
        buffer = [];
        subscriber.next(batch);
      };

      const onTimer = (): void => {
        timer = undefined;
        if (buffer.length > 0) emit();
        else windowStart = scheduler.now(); // an empty window ends: the next one starts now
      };

      const startTimer = (): void => {
        if (maxBatchWait === Infinity) return;
        const now = scheduler.now();
        // Idle windows are not timed (no timer while empty), so catch up to the window `now` falls in. An
        // event exactly at a window's end joins that window, which closes at once — as with bufferTime, whose
        // timer for that instant runs after events already scheduled for it.
        const elapsed = now - windowStart;
        if (maxBatchWait === 0) {
          windowStart = now;
        } else if (elapsed >= maxBatchWait) {
          const windows = Math.floor(elapsed / maxBatchWait);
          windowStart += (elapsed % maxBatchWait === 0 ? windows - 1 : windows) * maxBatchWait;
        }
        timer = scheduler.schedule(onTimer, Math.max(0, windowStart + maxBatchWait - now));
      };

      // The first window is timed from subscription, before the source is subscribed (as bufferTime does);
      // later windows get a timer only once they hold an event.
      if (maxBatchWait !== Infinity && maxBatchWait > 0) timer = scheduler.schedule(onTimer, maxBatchWait);

      const flushSubscription =
        flush === undefined
          ? undefined
          : from(flush).subscribe({
              next: () => {
                if (buffer.length > 0) emit();
              },
              error: (error: unknown) => subscriber.error(error),
            });

      const sourceSubscription = source.subscribe({
        next: (event) => {
          buffer.push(event);
          if (buffer.length >= maxBatchSize) emit();
          else if (timer === undefined) startTimer();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          timer?.unsubscribe();
          timer = undefined;
          if (buffer.length > 0) {
            const batch = buffer;
            buffer = [];
            subscriber.next(batch);
          }
          subscriber.complete();
        },
      });

      return () => {
        timer?.unsubscribe();
        flushSubscription?.unsubscribe();
        sourceSubscription.unsubscribe();
        buffer = [];
      };
    });
}
