import type { ObservableInput, SchedulerLike } from 'rxjs';
import { EMPTY, asyncScheduler } from 'rxjs';
import type { AuditEvent } from '../events/Event.js';
import type { AuditBatch, AuditSender } from '../contract/AuditSender.js';

/** One call of a {@link TestSender}: one attempt to send one batch. */
export interface TestSenderCall {
  /** Scheduler time of the call (virtual time inside `TestScheduler.run`). */
  readonly time: number;
  /** The batch as the backend handed it over. */
  readonly batch: AuditBatch;
  /** The `auditID` of each event, in order. */
  readonly auditIDs: string[];
  /** The attempt's signal: aborted on timeout, shutdown deadline or unsubscribe. */
  readonly signal: AbortSignal;
  /** 0-based index of this call among all calls of the sender. */
  readonly index: number;
}

/** A recording sender for tests, see {@link createTestSender}. */
export interface TestSender {
  /** Pass as `options.sender`. */
  readonly send: AuditSender;
  /** Every call so far, in call order. */
  readonly calls: TestSenderCall[];
}

/**
 * A sender that records every call and answers with whatever `respond` returns — typically a marble
 * `cold('--|')` (delivered after 2 frames), `cold('-#', undefined, error)` (failed), or `NEVER`. The default
 * answer delivers at once.
 *
 * ## Example
 *
 * ```ts
 * import { TestScheduler } from 'rxjs/testing';
 * import { createWebhookBackend } from 'rx-audit';
 * import { createTestSender } from 'rx-audit/testing';
 *
 * new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, flush }) => {
 *   const sender = createTestSender(() => cold('--|'));
 *   const backend = createWebhookBackend({ mode: 'batch', sender: sender.send, batch: { maxBatchSize: 2 } });
 *   backend.run();
 *   void backend.processEvents(a, b);
 *   flush();
 *   expect(sender.calls.map((c) => c.auditIDs)).toEqual([['a', 'b']]);
 * });
 * ```
 *
 * @param respond The answer to each call. @default delivered at once
 * @param scheduler Clock for `time`. @default asyncScheduler (virtual inside `TestScheduler.run`)
 * @returns The sender and its recorded calls.
 */
export function createTestSender(
  respond: (call: TestSenderCall) => ObservableInput<unknown> = () => EMPTY,
  scheduler: SchedulerLike = asyncScheduler,
): TestSender {
  const calls: TestSenderCall[] = [];
  const send: AuditSender = (batch, signal) => {
    const call: TestSenderCall = {
      time: scheduler.now(),
      batch,
      auditIDs: batch.events.map((event: AuditEvent) => event.auditID),
      signal,
      index: calls.length,
    };
    calls.push(call);
    return respond(call);
  };
  return { send, calls };
}
