// Not public: the cutting half of the batch webhook, shared by the delivery engine (batch mode) and
// `auditWebhook`: batchEvents (size, time, flush, bytes) → the caller's batch value → optional throttle.
import type { Observable, OperatorFunction, SchedulerLike } from 'rxjs';
import { map, pipe } from 'rxjs';
import { batchEvents } from './batchEvents.js';
import { throttleBatches } from '../util/throttleBatches.js';
import type { ResolvedBatchOptions } from '../util/validateOptions.js';

/** What {@link batchPipeline} needs. */
export interface BatchPipelineConfig<T> {
  readonly batch: Pick<ResolvedBatchOptions, 'maxBatchSize' | 'maxBatchWait' | 'maxBatchBytes' | 'throttle'>;
  readonly scheduler: SchedulerLike;
  /** Each value cuts the open batch at once (`flush()`). */
  readonly flush?: Observable<unknown>;
  /** Bytes of an encoded batch body with no items (the `EventList` envelope). */
  readonly envelopeBytes: number;
  /** An item's exact UTF-8 bytes as it will be sent (see `batchEvents`' `byteLength`). */
  readonly byteLength: (item: T) => number;
  /** A cheap upper bound of `byteLength`, so that only items near `maxBatchBytes` are measured. */
  readonly byteBound?: (item: T) => number;
}

/**
 * Items to batch values: cut by `maxBatchSize`, `maxBatchWait`, `flush` and by bytes — a batch is cut before
 * its body (envelope, items, a comma between items) would pass `maxBatchBytes` — made into the caller's batch
 * value by `open` as they are cut, then paced by the throttle.
 */
export function batchPipeline<T, B>(
  config: BatchPipelineConfig<T>,
  open: (items: T[]) => B,
): OperatorFunction<T, B> {
  const { batch, scheduler } = config;
  const cut = pipe(
    batchEvents<T>({
      maxBatchSize: batch.maxBatchSize,
      maxBatchWait: batch.maxBatchWait,
      maxBatchBytes: batch.maxBatchBytes,
      byteLength: config.byteLength,
      ...(config.byteBound === undefined ? {} : { byteBound: config.byteBound }),
      envelopeBytes: config.envelopeBytes,
      scheduler,
      ...(config.flush === undefined ? {} : { flush: config.flush }),
    }),
    map(open),
  );
  return batch.throttle === false ? cut : pipe(cut, throttleBatches<B>(batch.throttle, scheduler));
}
