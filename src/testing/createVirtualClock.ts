import type { TestScheduler } from 'rxjs/testing';
import { createTestScheduler } from './createTestScheduler.js';
import { showValue } from '../events/showValue.js';
import { positiveInteger } from '../util/validateOptions.js';

/** A `TestScheduler` driven step by step from async tests, see {@link createVirtualClock}. */
export interface VirtualClock {
  /** Pass as `options.scheduler`. */
  readonly scheduler: TestScheduler;
  /** The current virtual time, in milliseconds (frames). */
  now(): number;
  /**
   * Runs every timer due up to `frame`, one virtual instant at a time, letting promise callbacks run before
   * the clock moves on; resolves with `now() === frame` (or later, if the clock was already past it).
   */
  advanceTo(frame: number): Promise<void>;
  /** `advanceTo(now() + ms)`. */
  advanceBy(ms: number): Promise<void>;
  /** Lets every pending promise callback (and what it triggers at once) run, without moving the clock. */
  settle(): Promise<void>;
}

/** What `TestScheduler.actions` holds: the absolute frame each action is due at is its `delay`. */
interface ScheduledAction {
  readonly delay: number;
}

/** Options of {@link createVirtualClock}. */
export interface VirtualClockOptions {
  /** The scheduler to drive (at frame 0 or later). @default createTestScheduler() */
  scheduler?: TestScheduler;
  /**
   * Steps one `advanceTo` call may take (a step runs what is due at one instant, then the promise callbacks
   * it triggered). More mean timers and promise callbacks that keep rescheduling each other with no delay;
   * `advanceTo` then rejects rather than spin forever. (A timer that reschedules itself synchronously with no
   * delay spins inside `TestScheduler.flush` itself, as it would in `run()`.)
   * @default 100000
   */
  maxSteps?: number;
}

/** Lets promise callbacks run: `setImmediate` fires after the microtask queue is drained. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A virtual clock for tests that `await`: `processEvents`, `flush` and `shutdown` return promises, which
 * settle in microtasks — after `TestScheduler.run()` has already flushed all of virtual time. Outside `run()`,
 * pass `clock.scheduler` to the backend and move time with `await clock.advanceTo(frame)`; in between, assert
 * what has (and has not yet) happened. Inside `run()` use the marble helpers instead.
 *
 * ## Example
 *
 * ```ts
 * import { createWebhookBackend } from 'rx-audit';
 * import { createTestSender, createVirtualClock } from 'rx-audit/testing';
 *
 * const clock = createVirtualClock();
 * const sender = createTestSender(undefined, clock.scheduler);
 * const backend = createWebhookBackend({
 *   mode: 'batch',
 *   sender: sender.send,
 *   batch: { maxBatchWait: 1_000 },
 *   scheduler: clock.scheduler,
 * });
 * backend.run();
 * await backend.processEvents(event);
 * await clock.advanceTo(999);
 * console.log(sender.calls.length); // 0
 * await clock.advanceTo(1_000);
 * console.log(sender.calls.length); // 1
 * ```
 *
 * @param options The scheduler to drive and the step bound, see {@link VirtualClockOptions}.
 * @returns The clock.
 */
export function createVirtualClock(options: VirtualClockOptions = {}): VirtualClock {
  const scheduler = options.scheduler ?? createTestScheduler();
  const maxSteps = positiveInteger('maxSteps', options.maxSteps ?? 100_000);
  const advanceTo = async (frame: number): Promise<void> => {
    if (typeof frame !== 'number' || Number.isNaN(frame) || !Number.isFinite(frame)) {
      throw new TypeError(`advanceTo needs a finite frame, got ${showValue(frame)}`);
    }
    // A no-op action at `frame` makes the clock stop exactly there, even when nothing else is due then.
    if (frame > scheduler.now()) scheduler.schedule(() => {}, frame - scheduler.now());
    for (let steps = 0; ; steps++) {
      await settle();
      const next = scheduler.actions[0] as ScheduledAction | undefined;
      if (next === undefined || next.delay > frame) return;
      if (steps >= maxSteps) {
        throw new Error(
          `advanceTo(${frame}): still busy after ${maxSteps} steps at frame ${scheduler.now()} — ` +
            'is a timer rescheduling itself with no delay?',
        );
      }
      // One virtual instant at a time: promise callbacks from this instant run before the next one.
      scheduler.maxFrames = next.delay;
      scheduler.flush();
    }
  };
  return {
    scheduler,
    now: () => scheduler.now(),
    advanceTo,
    advanceBy: (ms) => advanceTo(scheduler.now() + ms),
    settle,
  };
}
