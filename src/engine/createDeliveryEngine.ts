// Not public: the engine behind the batch webhook, the blocking webhook and the buffered backend. It is the
// design card as a pipeline:
//
//   batch:    items → inlet → batchPipeline (size, time, flush, bytes; throttle) → mergeMap(send with backoff retry, maxInFlight) → settle
//   blocking: calls → inlet → concatMap(send with retry) → settle   (both as mergeMapFlat: see its doc)
//
// (an inlet is a Subject for one subscriber: see its doc)
//
// and around it what a backend needs: the bounded buffer (events and bytes, drop or block), snapshots,
// run/flush/shutdown, accounting, errors$ and stats(). The batch is the stream's value (EngineBatch): it
// carries its items, attempts, start time, the caller's resolver and the flushes waiting for it; its life,
// from the cut to its one end, is createBatchLife's. Nothing is kept per call on the engine: every user callback
// (onError, a sender, an errors$ subscriber) may call back into it synchronously.
import type { Observable, Subscription } from 'rxjs';
import { Subject } from 'rxjs';
import { mergeMapFlat } from '../util/mergeMapFlat.js';
import { inlet } from '../util/inlet.js';
import type { AuditEvent } from '../events/Event.js';
import { batchPipeline } from '../operators/batchPipeline.js';
import { itemSizes, whenEnded } from './EngineBatch.js';
import type { EngineBatch, EngineItem } from './EngineBatch.js';
import { FORGOTTEN, createBatchLife } from './createBatchLife.js';
import { maxSnapshotBytes, reportLeftOut, snapshotItems } from './snapshotItems.js';
import type { Snapshots } from './snapshotItems.js';
import { BufferRoom } from './BufferRoom.js';
import { EngineAccounts } from './EngineAccounts.js';
import type { DeliveryEngine, DeliveryEngineConfig } from './DeliveryEngineConfig.js';
import { SENDER } from './DeliveryEngineConfig.js';
import { toError } from '../util/toError.js';

/** Builds the engine; nothing is subscribed until `run()`. */
export function createDeliveryEngine(config: DeliveryEngineConfig): DeliveryEngine {
  const { batch: limits, scheduler, delegate = SENDER } = config;
  const books = new EngineAccounts(config.plugin, config.report);
  const input$ = inlet<EngineItem>();
  const calls$ = inlet<EngineBatch>();
  const flush$ = new Subject<void>();
  let running = false;
  let shuttingDown = false;
  let pipeline: Subscription | undefined;
  const preRun: EngineItem[] = []; // batch mode, before run()
  const preRunCalls: EngineBatch[] = []; // blocking mode, before run()
  let preRunFlushes: Array<() => void> = [];
  const { envelopeBytes } = config;
  const maxItemBytes = maxSnapshotBytes(limits, envelopeBytes);
  const cutting = { batch: limits, scheduler, flush: flush$, envelopeBytes, ...itemSizes };

  const { report } = books;
  const refusal = (what: string): Error => new Error(`${config.subject} ${what}`);
  /** Reports `events` as `shut-down`; `false`, the call's answer. */
  const refuse = (events: readonly AuditEvent[]): false => {
    report('shut-down', refusal('shut down'), events);
    return false;
  };

  // Batch mode: an item the room lets in goes to the pipeline (or waits for run()).
  const room = new BufferRoom(limits, (item) => {
    books.accept(1);
    if (running && preRun.length === 0) input$.next(item);
    else preRun.push(item); // before run(), or behind its replay (see `replay`)
  });
  const { alive, open, deliver, finish, pastDeadline } = createBatchLife({ config, delegate, books, room });

  /** Drop mode: places what fits now; the rest of the call is reported once as `queue-blocked`. */
  const placeOrDrop = ({ items, sources }: Snapshots): boolean => {
    const { placed, error } = room.placeNow(items);
    if (placed === items.length) return error === undefined;
    // A throw part-way (see BufferRoom.placeNow): placed items end through the pipeline; only the rest is
    // reported, so each event still ends once.
    const rest = sources.slice(placed);
    if (error !== undefined) report('invalid', toError(error), rest);
    else if (room.closed) refuse(rest);
    else report('queue-blocked', refusal('queue blocked'), rest);
    return false;
  };

  const call = (items: EngineItem[]): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      books.accept(items.length);
      const batch = open(items, resolve);
      room.hold(items);
      if (running && preRunCalls.length === 0) calls$.next(batch);
      else preRunCalls.push(batch);
    });

  const processEvents = (events: AuditEvent[]): Promise<boolean> => {
    if (events.length === 0) return answer(true);
    if (shuttingDown) return answer(refuse(events));
    const snapshots = snapshotItems(events, config.snapshot, maxItemBytes);
    const { items } = snapshots;
    const whole = reportLeftOut(snapshots, config.subject, maxItemBytes, report);
    if (items.length === 0) return answer(whole);
    if (shuttingDown) return answer(refuse(snapshots.sources)); // a report above began the shutdown
    if (config.mode === 'blocking') return whole ? call(items) : call(items).then(() => false);
    if (limits.whenFull === 'block') {
      return new Promise<boolean>((done) =>
        room.wait({ items, placed: 0, sources: snapshots.sources, done }),
      ).then((ok) => ok && whole);
    }
    return answer(placeOrDrop(snapshots) && whole);
  };

  const flush = (): Promise<void> => {
    if (!running) {
      return room.held === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => preRunFlushes.push(resolve));
    }
    // Cuts the open batch now: every accepted item is then in a batch that is alive. With nothing held, it
    // only clears the window timer a cut may have left (see batchEvents), so a flushed backend goes idle.
    flush$.next();
    return whenEnded(alive);
  };

  const run = (): void => {
    if (running || shuttingDown) return;
    running = true;
    const settled$: Observable<never> =
      config.mode === 'batch'
        ? input$.source$.pipe(
            batchPipeline(cutting, (items: EngineItem[]) => open(items)),
            mergeMapFlat(deliver, limits.maxInFlight),
          )
        : calls$.source$.pipe(mergeMapFlat(deliver, 1)); // concatMap: calls in call order
    pipeline = settled$.subscribe();
    const flushes = preRunFlushes;
    preRunFlushes = [];
    replay();
    if (flushes.length > 0) void flush().then(() => flushes.forEach((resolve) => resolve()));
  };

  // What came before run(), in order; a re-entrant arrival queues behind it, a re-entrant drain replays the rest.
  const replay = (): void => {
    for (let item = preRun.shift(); item !== undefined; item = preRun.shift()) input$.next(item);
    for (let c = preRunCalls.shift(); c !== undefined; c = preRunCalls.shift()) calls$.next(c);
  };

  /** At shutdown: what waiting callers have not placed is reported (processEvents) or handed back (enqueue). */
  const refuseWaiters = (): void => {
    for (const w of room.close()) {
      const all = w.placed === w.items.length; // its last item's placement began the shutdown
      if (!all && w.sources !== undefined) refuse(w.sources.slice(w.placed));
      w.done(all);
    }
  };

  const endAtDeadline = (timeout: number): void => {
    // Unsubscribing first aborts the signals of started sends, so nothing is delivered after it is reported.
    if (delegate.abortsAtDeadline) pipeline?.unsubscribe();
    for (const batch of [...alive]) {
      if (delegate.holds(batch)) continue; // the delegate's own shutdown ends it
      finish(batch, pastDeadline(batch, timeout));
    }
  };

  const drain = (timeout: number | undefined): Promise<void> =>
    new Promise<void>((resolve) => {
      const deadline =
        timeout === undefined || timeout === Infinity
          ? undefined
          : scheduler.schedule(() => {
              endAtDeadline(timeout);
              resolve();
            }, timeout);
      pipeline?.add(() => {
        deadline?.unsubscribe();
        resolve();
      });
      replay();
      input$.complete();
      calls$.complete();
    });

  const shutdown = async (timeout: number | undefined): Promise<void> => {
    shuttingDown = true;
    refuseWaiters();
    if (!running) {
      // Never run: nothing can be delivered, so what was queued is reported.
      const queued = preRunCalls.splice(0);
      if (preRun.length > 0) queued.unshift(open(preRun.splice(0)));
      for (const batch of queued) finish(batch, refusal('shut down'), 'shut-down');
      for (const resolve of preRunFlushes.splice(0)) resolve();
      await delegate.shutdown(timeout, []);
      return;
    }
    const start = scheduler.now();
    await drain(timeout);
    const left = timeout === undefined ? undefined : Math.max(0, timeout - (scheduler.now() - start));
    const clean = await delegate.shutdown(
      left,
      [...alive].filter((batch) => delegate.holds(batch)),
    );
    // What the delegate ended has ended here too, with its answer. A call still held is one a clean shutdown
    // ended without settling: forgotten. A batch waiting for a retry (or any, if the shutdown failed) is reported.
    for (const batch of [...alive])
      finish(batch, clean && delegate.holds(batch) ? FORGOTTEN : pastDeadline(batch, timeout ?? 0));
    pipeline?.unsubscribe(); // every batch has ended: no retry timer is left to keep the process alive
  };

  return {
    run,
    processEvents,
    enqueue: (items) => room.placeWhenRoom(items),
    flush,
    shutdown,
    errors$: books.errors$.asObservable(),
    deliveries$: books.deliveries$.asObservable(),
    stats: () => books.stats(),
  };
}

// processEvents' answer when the call ends at once. A settled promise cannot change, so one of each is
// shared: a new one per call was about 100 instructions of a one-event call.
const ANSWERED_TRUE = Promise.resolve(true);
const ANSWERED_FALSE = Promise.resolve(false);
const answer = (ok: boolean): Promise<boolean> => (ok ? ANSWERED_TRUE : ANSWERED_FALSE);
