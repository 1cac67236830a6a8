import type { ObservableInput, OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import { Observable, asyncScheduler, from } from 'rxjs';
import { fail, nonNegativeNumber, optionalFunction, positiveInteger } from '../util/validateOptions.js';
import { BATCH_DEFAULTS } from '../contract/options.js';
import { showValue } from '../events/showValue.js';

/**
 * Bytes of an empty `audit.k8s.io/v1` `EventList` body, `{"kind":"EventList","apiVersion":"audit.k8s.io/v1",
 * "metadata":{},"items":[]}` (76) — the default `envelopeBytes` of {@link batchEvents}.
 */
export const EVENT_LIST_ENVELOPE_BYTES = 76;

/** The default `byteLength` of {@link batchEvents}: the UTF-8 bytes of `JSON.stringify(event)`. */
export function jsonByteLength(event: unknown): number {
  return Buffer.byteLength(JSON.stringify(event) ?? 'null');
}

/** Configuration of {@link batchEvents}. */
export interface BatchEventsConfig<E = unknown> {
  /** Events per batch at most; a full batch is emitted at once. @default 100 */
  maxBatchSize?: number;
  /**
   * A batch is emitted at least this often, in milliseconds, when it holds events. The window starts when the
   * operator is subscribed and restarts after each batch, as with `bufferTime(maxBatchWait, null, maxBatchSize)`.
   * `Infinity` emits only full batches (and the rest when the source completes or `flush` emits).
   * @default 60000
   */
  maxBatchWait?: number;
  /**
   * Bytes per batch at most, counted as the batch's `EventList` body:
   * `envelopeBytes + Σ byteLength(event) + (n − 1)` for n events (the items plus one comma between each two).
   * A batch is cut *before* an event that would make it pass this limit, and emitted at once when it reaches
   * the limit exactly. An event whose batch of one (`envelopeBytes + byteLength(event)`) passes the limit is
   * emitted alone, at once — the operator never drops it; the caller decides (the webhook engine reports it as
   * `too-large`). `Infinity` turns byte cuts off, and `byteLength` is then never called.
   * @default Infinity
   */
  maxBatchBytes?: number;
  /**
   * Bytes of one event as an item of the body, called once per event when `maxBatchBytes` is finite; must
   * return a non-negative number (else the stream errors with a TypeError). Pass the length of the item as it
   * will be sent (for example of the pre-serialized JSON of another group version).
   * @default `Buffer.byteLength(JSON.stringify(event))`
   */
  byteLength?: (event: E) => number;
  /**
   * A cheap upper bound of `byteLength(event)` (never less than it), for a caller whose exact measure costs
   * something (the webhook engine bounds a snapshot's UTF-8 bytes by three times its length). With it,
   * `byteLength` is called only for events of a batch that could come near `maxBatchBytes`: while the bounds
   * of a batch stay under the limit, nothing is measured. The batches are the same as without it.
   * @default none: every event is measured with `byteLength`
   */
  byteBound?: (event: E) => number;
  /**
   * Bytes of the body with no items: the `EventList` envelope, `{"kind":"EventList","apiVersion":…,
   * "metadata":{},"items":[]}`. For another group version, pass the byte length of
   * `JSON.stringify(encodeEventList([], groupVersion))`.
   * @default 76 (the `audit.k8s.io/v1` envelope)
   */
  envelopeBytes?: number;
  /** Runs the window timer. @default asyncScheduler */
  scheduler?: SchedulerLike;
  /** Each emission closes the current batch now (when it holds events) and restarts the window. */
  flush?: ObservableInput<unknown>;
}

/**
 * Groups events into batches by size and time, like `bufferTime(maxBatchWait, null, maxBatchSize, scheduler)`
 * with empty batches dropped — it never emits `[]`. The first window is timed from subscription. A cut keeps
 * the window timer for the next window instead of setting one per batch, so while it holds no events, one
 * timer at most runs, until the end of the window the last cut ended (no longer than `maxBatchWait`); a
 * `flush` emission clears it when nothing is left to time.
 * With `maxBatchBytes`, batches are also cut by their encoded size (see {@link BatchEventsConfig.maxBatchBytes}
 * for exactly what is counted); an event that alone passes the limit is emitted in a batch of its own, for the
 * caller to report as too large. Every cut — by count, bytes, time, `flush` — restarts the window.
 * Completing the source emits the partial batch, then completes.
 *
 * ## Example
 *
 * ```ts
 * import { batchEvents } from 'rx-audit';
 *
 * events$
 *   .pipe(batchEvents({ maxBatchSize: 100, maxBatchWait: 5_000, maxBatchBytes: 1_048_576 }))
 *   .subscribe((batch) => console.log(batch.length));
 * ```
 *
 * @param config Count, byte and time limits, scheduler and an optional `flush` notifier.
 * @returns An operator from events to non-empty arrays of events, in arrival order.
 */
export function batchEvents<E>(config: BatchEventsConfig<E> = {}): OperatorFunction<E, E[]> {
  const maxBatchSize = positiveInteger(
    'maxBatchSize',
    config.maxBatchSize ?? BATCH_DEFAULTS.maxBatchSize,
    true,
  );
  const maxBatchWait = nonNegativeNumber(
    'maxBatchWait',
    config.maxBatchWait ?? BATCH_DEFAULTS.maxBatchWait,
    true,
  );
  const maxBatchBytes = positiveInteger('maxBatchBytes', config.maxBatchBytes ?? Infinity, true);
  const byteLength: (event: E) => number =
    optionalFunction('byteLength', config.byteLength) ?? jsonByteLength;
  const byteBound = optionalFunction('byteBound', config.byteBound);
  const envelopeBytes = config.envelopeBytes ?? EVENT_LIST_ENVELOPE_BYTES;
  if (!Number.isSafeInteger(envelopeBytes) || envelopeBytes < 0) {
    fail('envelopeBytes', 'a non-negative integer', envelopeBytes);
  }
  const cutsByBytes = maxBatchBytes !== Infinity;
  const scheduler = config.scheduler ?? asyncScheduler;
  const flush = config.flush;

  return (source) =>
    new Observable<E[]>((subscriber) => {
      let buffer: E[] = [];
      // Encoded bytes of `buffer` as a body (envelope, items, commas); tracked only when cutting by bytes:
      // exact for the first `measured` events, and `pending` more for the rest by their `byteBound`.
      let bytes = envelopeBytes;
      let measured = 0;
      let pending = 0;
      // Start of the current window; windows follow each other back to back from the last cut.
      let windowStart = scheduler.now();
      let timer: Subscription | undefined;
      // A cut opens the next window without clearing the timer: setting and clearing a timer per batch (each
      // with a delay of its own, so a timer list of its own in Node) was about a twentieth of the enqueue cost.
      // A timer that fires for a window a cut has since ended times the open window instead (see `onTimer`).
      let window = 0;
      let timerWindow = 0;

      const clearTimer = (): void => {
        timer?.unsubscribe();
        timer = undefined;
      };

      /**
       * Emits the open batch. A byte cut passes the event that caused it (measured at `size`): it opens the
       * next batch before the emission, so events a subscriber pushes re-entrantly come after it.
       */
      const emit = (carried?: { event: E; size: number }): void => {
        if (maxBatchWait === 0) clearTimer(); // every window is timed from its first event
        window++;
        windowStart = scheduler.now();
        const batch = buffer;
        buffer = carried === undefined ? [] : [carried.event];
        bytes = envelopeBytes + (carried?.size ?? 0);
        measured = buffer.length;
        pending = 0;
        subscriber.next(batch);
      };

      /** `fn(event)` if it is a non-negative number; else errors the stream and returns `undefined`. */
      const sizeOf = (fn: (event: E) => number, name: string, event: E): number | undefined => {
        let size: unknown;
        try {
          size = fn(event);
        } catch (error) {
          // Thrown inside an observer's `next`, it would only be reported, not delivered: error the stream.
          subscriber.error(error);
          return undefined;
        }
        if (typeof size === 'number' && size >= 0) return size;
        subscriber.error(new TypeError(`${name} must return a non-negative number, got ${showValue(size)}`));
        return undefined;
      };

      /** Measures the events counted by their bound so far; `false` when `byteLength` failed (stream errored). */
      const settle = (): boolean => {
        for (; measured < buffer.length; measured++) {
          const size = sizeOf(byteLength, 'byteLength', buffer[measured] as E);
          if (size === undefined) return false;
          bytes += (measured > 0 ? 1 : 0) + size;
        }
        pending = 0;
        return true;
      };

      const onTimer = (): void => {
        timer = undefined;
        if (timerWindow !== window) {
          // Set for a window that a cut has ended: the open window is timed now, if it holds events (its
          // deadline is the one its first event would have set: this fires no later than that).
          if (buffer.length > 0) startTimer();
          return;
        }
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
        timerWindow = window;
        timer = scheduler.schedule(onTimer, Math.max(0, windowStart + maxBatchWait - now));
      };

      /** After an event is placed: cut when the open batch is full, else time its window. */
      const placed = (): void => {
        if (subscriber.closed) return; // a subscriber unsubscribed while a batch was emitted
        // At the byte limit nothing more fits (a next item adds at least its comma); past it is an event alone.
        if (buffer.length >= maxBatchSize || bytes >= maxBatchBytes) emit();
        else if (buffer.length > 0 && timer === undefined) startTimer();
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
                if (buffer.length === 0) clearTimer(); // nothing to time: a flushed backend may go idle at once
              },
              error: (error: unknown) => subscriber.error(error),
            });

      const sourceSubscription = source.subscribe({
        next: (event) => {
          if (cutsByBytes) {
            const comma = buffer.length > 0 ? 1 : 0;
            const bound = byteBound === undefined ? undefined : sizeOf(byteBound, 'byteBound', event);
            if (byteBound !== undefined && bound === undefined) return;
            if (bound !== undefined && bytes + pending + comma + bound < maxBatchBytes) {
              // Under the limit even by the bounds: no cut now, and none at the limit; measure later if needed.
              pending += comma + bound;
            } else {
              const size = sizeOf(byteLength, 'byteLength', event);
              if (size === undefined || !settle()) return;
              if (buffer.length > 0 && bytes + 1 + size > maxBatchBytes) {
                // Cut before the event that would make the open batch pass the limit (its comma counts too).
                emit({ event, size });
                placed();
                return;
              }
              bytes += (buffer.length > 0 ? 1 : 0) + size;
              measured = buffer.length + 1;
            }
          }
          buffer.push(event);
          placed();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          clearTimer();
          if (buffer.length > 0) {
            const batch = buffer;
            buffer = [];
            bytes = envelopeBytes;
            measured = 0;
            pending = 0;
            subscriber.next(batch);
          }
          subscriber.complete();
        },
      });

      return () => {
        clearTimer();
        flushSubscription?.unsubscribe();
        sourceSubscription.unsubscribe();
        buffer = [];
      };
    });
}
