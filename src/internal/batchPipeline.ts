// Not public: the batch webhook's pipeline, shared by the delivery engine (batch mode) and `auditWebhook`:
// batchEvents → optional throttle → deliverBatches, with per-batch state the caller keeps.
import type { Observable, ObservableInput, OperatorFunction, SchedulerLike } from 'rxjs';
import { EMPTY, pipe, tap } from 'rxjs';
import { batchEvents } from '../operators/batchEvents.js';
import type { Delivery } from '../operators/deliverBatches.js';
import { deliverBatches } from '../operators/deliverBatches.js';
import type { RetryOptions } from '../operators/options.js';
import { throttleBatches } from './throttleBatches.js';
import type { ResolvedBatchOptions } from './validateOptions.js';

/** What {@link batchPipeline} needs besides the sender. */
export interface BatchPipelineConfig {
  readonly batch: Omit<ResolvedBatchOptions, 'bufferSize'>;
  readonly retry: Required<RetryOptions>;
  readonly timeout: number;
  readonly scheduler: SchedulerLike;
  /** Each value cuts the open batch at once (`flush()`). */
  readonly flush?: Observable<unknown>;
}

/**
 * Where a batch's state lives from the moment it is cut until its delivery: `open` creates it, `get` finds
 * it for each attempt (`undefined`: the batch already ended, e.g. at a shutdown deadline — nothing is sent).
 * The caller drops it when the batch's {@link Delivery} arrives. A plain Map keyed by the batch array, not a
 * WeakMap: ephemerons promoted every batch to old space.
 */
export interface BatchStates<T, S> {
  open(items: T[]): void;
  get(items: T[]): S | undefined;
}

/**
 * Items to deliveries: cut into batches by `maxBatchSize`/`maxBatchWait` (and `flush`), paced by the throttle,
 * sent by `send` (once per attempt, with the batch's state) at most `maxInFlight` at a time with retry and
 * per-attempt timeout on the scheduler.
 */
export function batchPipeline<T, S>(
  config: BatchPipelineConfig,
  states: BatchStates<T, S>,
  send: (items: T[], signal: AbortSignal, state: S) => ObservableInput<unknown>,
): OperatorFunction<T, Delivery<T>> {
  const { batch, scheduler } = config;
  const cut = pipe(
    batchEvents<T>({
      maxBatchSize: batch.maxBatchSize,
      maxBatchWait: batch.maxBatchWait,
      scheduler,
      ...(config.flush === undefined ? {} : { flush: config.flush }),
    }),
    tap((items: T[]) => states.open(items)),
  );
  const paced: OperatorFunction<T, T[]> =
    batch.throttle === false ? cut : pipe(cut, throttleBatches<T[]>(batch.throttle, scheduler));
  return pipe(
    paced,
    deliverBatches<T>(
      (items, signal) => {
        const state = states.get(items);
        return state === undefined ? EMPTY : send(items, signal, state);
      },
      { maxInFlight: batch.maxInFlight, retry: config.retry, timeout: config.timeout, scheduler },
    ),
  );
}
