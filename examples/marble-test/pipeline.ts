// A user's own audit pipeline, built from rx-audit's operators: audit events go to a message broker
// (anything with a `publish(messages)` that returns an Observable or a Promise) in batches, with retries, and
// every batch that could not be published is counted. `pipeline.spec.ts` tests it in virtual time.
//
// In your code the import is `from 'rx-audit'`; this example imports the sources so that it type-checks and
// runs inside the rx-audit repository.
import type { ObservableInput, OperatorFunction, SchedulerLike } from 'rxjs';
import { asyncScheduler, filter, map, pipe } from 'rxjs';
import type { AuditEvent, Delivery } from '../../src/index.js';
import { batchEvents, deliverBatches } from '../../src/index.js';

/** Publishes one batch of messages; completing means published, erroring means failed. */
export type Publish = (messages: string[], signal: AbortSignal) => ObservableInput<unknown>;

/** What the pipeline reports per batch. */
export interface PublishResult {
  readonly ok: boolean;
  readonly ids: string[];
  readonly attempts: number;
}

/**
 * Events at level `None` are dropped; the rest are published as JSON strings, at most 50 per batch or
 * every 2 s, up to 2 batches at a time, 3 attempts with 1 s, 2 s backoff.
 */
export function publishAuditEvents(
  publish: Publish,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<AuditEvent, PublishResult> {
  return pipe(
    filter((event) => event.level !== 'None'),
    batchEvents<AuditEvent>({ maxBatchSize: 50, maxBatchWait: 2_000, scheduler }),
    deliverBatches<AuditEvent>(
      (events, signal) =>
        publish(
          events.map((e) => JSON.stringify(e)),
          signal,
        ),
      {
        maxInFlight: 2,
        retry: { initialDelay: 1_000, factor: 2, jitter: 0, attempts: 3 },
        timeout: 5_000,
        scheduler,
      },
    ),
    map((d: Delivery<AuditEvent>) => ({
      ok: d.ok,
      ids: d.events.map((e) => e.auditID),
      attempts: d.attempts,
    })),
  );
}
