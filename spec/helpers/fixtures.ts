// Shared test data for the batching specs (not a spec itself).
import { config as rxjsConfig } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { AuditEvent } from '../../src/events/Event.js';

/** A minimal valid v1 audit event with the given audit ID. */
export function auditEvent(auditID: string, extra: Partial<AuditEvent> = {}): AuditEvent {
  return {
    level: 'Metadata',
    auditID,
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/default/pods/${auditID}`,
    verb: 'get',
    user: { username: 'alice', groups: ['system:authenticated'] },
    requestReceivedTimestamp: '2026-11-28T12:00:00.000000Z',
    stageTimestamp: '2026-11-28T12:00:00.001000Z',
    ...extra,
  };
}

/** `count` events with IDs `${prefix}0`, `${prefix}1`, … */
export function auditEvents(count: number, prefix = 'e'): AuditEvent[] {
  return Array.from({ length: count }, (_, i) => auditEvent(`${prefix}${i}`));
}

/** The audit IDs of a list of events. */
export const ids = (events: readonly AuditEvent[]): string[] => events.map((e) => e.auditID);

/** Lets every pending promise callback (and what it schedules right away) run. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A TestScheduler driven step by step, so tests can `await` promises between virtual instants:
 * `await clock.advanceTo(1000)` runs every timer due up to frame 1000 (frame = millisecond) and the promise
 * callbacks they trigger, then stops with `clock.now() === 1000`.
 */
export function virtualClock() {
  const scheduler = new TestScheduler((actual, expected) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error('marble mismatch');
  });
  // One virtual instant at a time, with the promise callbacks it triggers run before the clock moves on.
  const advanceTo = async (frame: number): Promise<void> => {
    if (frame > scheduler.now()) scheduler.schedule(() => {}, frame - scheduler.now());
    for (;;) {
      await settle();
      const next = scheduler.actions[0] as unknown as { delay: number } | undefined;
      if (next === undefined || next.delay > frame) break;
      scheduler.maxFrames = next.delay;
      scheduler.flush();
    }
  };
  return {
    scheduler,
    now: () => scheduler.now(),
    advanceTo,
    advanceBy: (ms: number) => advanceTo(scheduler.now() + ms),
  };
}

/** Runs `body` with rxjs' deprecated synchronous error handling on, and restores the setting after. */
export async function withSynchronousErrorHandling(body: () => void | Promise<void>): Promise<void> {
  const previous = rxjsConfig.useDeprecatedSynchronousErrorHandling;
  rxjsConfig.useDeprecatedSynchronousErrorHandling = true;
  try {
    await body();
  } finally {
    rxjsConfig.useDeprecatedSynchronousErrorHandling = previous;
  }
}
