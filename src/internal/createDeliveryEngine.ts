// Not public: the engine behind the batch webhook, the blocking webhook and the buffered backend. It is
// built from the public operators (batchEvents → throttle → deliverBatches) and adds what a backend needs
// around them: the bounded buffer, snapshots, run/flush/shutdown, accounting, errors$ and stats().
import type { Observable, ObservableInput, SchedulerLike, Subscription } from 'rxjs';
import { EMPTY, Subject } from 'rxjs';
// The backend contract (AuditBackend.ts) is the one thing from backends/ the engine depends on: it produces it.
import type {
  AuditErrorReason,
  AuditPluginError,
  AuditStats,
  DeliveryReport,
} from '../backends/AuditBackend.js';
import { emptyStats } from '../backends/AuditBackend.js';
import type { RetryOptions } from '../operators/options.js';
import { reportToStderr } from './reportToStderr.js';
import type { AuditEvent } from '../events/Event.js';
import type { Delivery } from '../operators/deliverBatches.js';
import { deliverBatches } from '../operators/deliverBatches.js';
import { WebhookError } from '../transport/WebhookError.js';
import { batchPipeline } from './batchPipeline.js';
import type { ResolvedBatchOptions } from './validateOptions.js';
import { describeValue } from './validateOptions.js';

/**
 * One accepted event: its snapshot (the JSON that will be sent) and the flush epoch it was accepted in.
 * `json` is replaced once, by the same text in a compacted batch (see {@link compactSnapshots}).
 */
export interface EngineItem {
  json: string;
  readonly epoch: number;
}

/**
 * Moves a cut batch's snapshots into one string: each item's `json` becomes a slice of it (the same text).
 * A batch can wait in the buffer for many young-generation GCs; one large string (allocated outside the
 * young generation's copying space) plus small slices survive them at a fraction of the cost of copying
 * every event's JSON over and over. (It also flattens the `JSON.stringify` results once, which sending
 * would do anyway.)
 */
export function compactSnapshots(items: EngineItem[]): void {
  const n = items.length;
  if (n < 2) return;
  const parts = new Array<string>(n);
  for (let i = 0; i < n; i++) parts[i] = (items[i] as EngineItem).json;
  const joined = parts.join('');
  let at = 0;
  for (let i = 0; i < n; i++) {
    const item = items[i] as EngineItem;
    const end = at + item.json.length;
    item.json = joined.slice(at, end);
    at = end;
  }
}

/** How a concrete backend plugs into the engine. */
export interface DeliveryEngineConfig {
  /** `batch`: events are batched by size/time within `bufferSize`; `blocking`: one batch per call, in call order. */
  readonly mode: 'batch' | 'blocking';
  readonly batch: ResolvedBatchOptions;
  readonly retry: Required<RetryOptions>;
  readonly timeout: number;
  readonly scheduler: SchedulerLike;
  /** `plugin` of `send-failed` reports. */
  readonly plugin: string;
  /** `plugin` of the engine's own refusals (`queue-blocked`, `shut-down`, `invalid`). */
  readonly dropPlugin: string;
  /** Start of refusal messages: `audit webhook` gives `audit webhook queue blocked`. */
  readonly subject: string;
  /** The snapshot of an event: the JSON to send. Throws for an event that cannot be sent. */
  readonly snapshot: (event: AuditEvent) => string;
  /** Events back from snapshots (for reports and for senders that want objects). */
  readonly restore: (items: readonly EngineItem[]) => AuditEvent[];
  /**
   * Sends one batch (one attempt). `memo` is the same object for every attempt of a batch: a place to keep
   * what the first attempt built (the encoded body) for the retries.
   */
  readonly send: (items: EngineItem[], signal: AbortSignal, memo: BatchMemo) => ObservableInput<unknown>;
  /**
   * At a shutdown deadline: `true` abandons started sends (aborting their signals) and reports them;
   * `false` leaves started sends to their owner (a delegate backend reports them itself).
   */
  readonly abortable: boolean;
  /** A failure already reported elsewhere (a delegate that resolved `false`): not reported again. */
  readonly isReported?: (error: WebhookError) => boolean;
  /** Receives this engine's reports; `undefined` writes them to stderr. */
  readonly onError: ((error: AuditPluginError) => void) | undefined;
}

/** What a backend gets from {@link createDeliveryEngine}. */
export interface DeliveryEngine {
  run(): void;
  processEvents(events: AuditEvent[]): Promise<boolean>;
  flush(): Promise<void>;
  /** Drains (or stops at the deadline) and resolves; idempotent. Rejects for a bad timeout. */
  shutdown(timeout?: number): Promise<void>;
  /** Whether `shutdown()` has begun (a call with a bad timeout does not begin it). */
  isShuttingDown(): boolean;
  /** After a delegate's own shutdown: forget started sends the delegate has accounted for. */
  release(): void;
  readonly errors$: Observable<AuditPluginError>;
  readonly deliveries$: Observable<DeliveryReport>;
  stats(): AuditStats;
  /** Counts a report made elsewhere (a delegate's) in `stats().failed`. */
  countFailed(reason: AuditErrorReason, events: number): void;
}

/** Per-batch scratch space for {@link DeliveryEngineConfig.send}. */
export interface BatchMemo {
  payload: unknown;
}

interface BatchState extends BatchMemo {
  readonly items: EngineItem[];
  attempts: number;
  startedAt: number;
  resolve: ((ok: boolean) => void) | undefined;
}

/** Builds the engine; nothing is subscribed until `run()`. */
export function createDeliveryEngine(config: DeliveryEngineConfig): DeliveryEngine {
  const { mode, batch, scheduler } = config;
  const errors$ = new Subject<AuditPluginError>();
  const deliveries$ = new Subject<DeliveryReport>();
  const handler = config.onError ?? reportToStderr;
  errors$.subscribe((item) => {
    // A throwing handler must not break delivery (or crash the process from rxjs' error reporting).
    try {
      handler(item);
    } catch {
      /* ignored */
    }
  });

  // The contract's zero stats (one `failed` entry per AUDIT_ERROR_REASONS), so a new reason needs no change here.
  const { failed, ...counters } = emptyStats();

  let running = false;
  let shuttingDown = false;
  let shutdownPromise: Promise<void> | undefined;
  let pipeline: Subscription | undefined;
  let pipelineDone = false;
  let onPipelineDone: (() => void) | undefined;

  // Accepted, not yet ended (delivered or reported): bounds memory together with `bufferSize`.
  let held = 0;
  const itemInput = new Subject<EngineItem>();
  const callInput = new Subject<EngineItem[]>();
  const flushRequests = new Subject<void>();
  let preRunItems: EngineItem[] = [];
  let preRunCalls: EngineItem[][] = [];
  let flushOnRun = false;
  const states = new Map<EngineItem[], BatchState>();

  // Flush epochs: flush() waits for every item of its epoch and older ones. The current epoch's count is a
  // plain number (the hot path); older epochs with pending items live in the map.
  let epoch = 0;
  let epochCount = 0;
  const olderEpochs = new Map<number, number>();
  const flushWaiters: { epoch: number; resolve: () => void }[] = [];

  const report = (plugin: string, reason: AuditErrorReason, error: Error, events: AuditEvent[]): void => {
    failed[reason] += events.length;
    errors$.next({ plugin, reason, error, events });
  };

  const checkFlushWaiters = (): void => {
    if (flushWaiters.length === 0) return;
    let oldestPending = epochCount > 0 ? epoch : Infinity;
    for (const e of olderEpochs.keys()) if (e < oldestPending) oldestPending = e;
    for (let i = 0; i < flushWaiters.length;) {
      const waiter = flushWaiters[i] as { epoch: number; resolve: () => void };
      if (waiter.epoch < oldestPending) {
        flushWaiters.splice(i, 1);
        waiter.resolve();
      } else i++;
    }
  };

  const release = (items: readonly EngineItem[]): void => {
    held -= items.length;
    for (const item of items) {
      if (item.epoch === epoch) epochCount--;
      else {
        const left = (olderEpochs.get(item.epoch) ?? 1) - 1;
        if (left > 0) olderEpochs.set(item.epoch, left);
        else olderEpochs.delete(item.epoch);
      }
    }
    checkFlushWaiters();
  };

  /** Ends a batch exactly once: counters, deliveries$, errors$, the caller's promise, flush waiters. */
  const finish = (
    state: BatchState,
    ok: boolean,
    error: Error | undefined,
    reason: AuditErrorReason = 'send-failed',
    plugin: string = config.plugin,
  ): void => {
    const n = state.items.length;
    if (state.attempts > 0) {
      counters.inFlight -= n;
      counters.batches++;
      deliveries$.next({
        events: n,
        ok,
        attempts: state.attempts,
        durationMs: scheduler.now() - state.startedAt,
      });
    } else counters.queued -= n;
    if (ok) counters.delivered += n;
    else if (error !== undefined && !(config.isReported?.(error as WebhookError) ?? false)) {
      report(plugin, reason, error, config.restore(state.items));
    }
    state.resolve?.(ok);
    release(state.items);
  };

  const settle = (delivery: Delivery<EngineItem>): void => {
    const state = states.get(delivery.events);
    if (state === undefined) return; // already ended at a shutdown deadline
    states.delete(delivery.events);
    finish(state, delivery.ok, delivery.ok ? undefined : delivery.error);
  };

  const sendBatch = (items: EngineItem[], signal: AbortSignal): ObservableInput<unknown> => {
    const state = states.get(items);
    if (state === undefined) return EMPTY; // reported at a shutdown deadline before it could start
    if (state.attempts === 0) {
      state.startedAt = scheduler.now();
      counters.queued -= items.length;
      counters.inFlight += items.length;
    } else counters.retries++;
    state.attempts++;
    return config.send(items, signal, state);
  };

  const register = (items: EngineItem[]): void => {
    // Only a batch that has to wait (all sends busy, or a throttle) is compacted: one that is sent at once
    // would pay for it on the caller's path for nothing.
    if (states.size >= batch.maxInFlight || batch.throttle !== false) compactSnapshots(items);
    states.set(items, { items, attempts: 0, startedAt: 0, resolve: undefined, payload: undefined });
  };

  const accept = (json: string): EngineItem => {
    const item: EngineItem = { json, epoch };
    held++;
    epochCount++;
    counters.accepted++;
    counters.queued++;
    return item;
  };

  const trySnapshot = (event: AuditEvent): string | undefined => {
    try {
      const json = config.snapshot(event);
      return typeof json === 'string' ? json : undefined;
    } catch {
      return undefined;
    }
  };

  const reportInvalid = (invalid: AuditEvent[] | undefined): boolean => {
    if (invalid === undefined) return true;
    report(
      config.dropPlugin,
      'invalid',
      new TypeError(`${config.subject}: event is not a JSON-serializable object`),
      invalid,
    );
    return false;
  };

  // Progress of the processEvents call under way, for its defensive catch: events before `callIndex` were
  // accepted (they will end through the pipeline) or collected in `callInvalid` (not reported yet); the
  // events from `callIndex` on have not been looked at, or were already reported.
  let callIndex = 0;
  let callInvalid: AuditEvent[] | undefined;

  const takeInvalid = (): AuditEvent[] | undefined => {
    const invalid = callInvalid;
    callInvalid = undefined;
    return invalid;
  };

  const processBatchMode = (events: AuditEvent[]): boolean => {
    // `held` is checked per event: a send that ends synchronously while this loop runs makes room.
    for (callIndex = 0; callIndex < events.length && held < batch.bufferSize;) {
      const event = events[callIndex] as AuditEvent;
      const json = trySnapshot(event);
      callIndex++;
      if (json === undefined) {
        (callInvalid ??= []).push(event);
        continue;
      }
      const item = accept(json);
      if (running) itemInput.next(item);
      else preRunItems.push(item);
    }
    let ok = true;
    if (callIndex < events.length) {
      ok = false;
      const blocked = events.slice(callIndex);
      callIndex = events.length;
      report(config.dropPlugin, 'queue-blocked', new Error(`${config.subject} queue blocked`), blocked);
    }
    return reportInvalid(takeInvalid()) && ok;
  };

  const processBlockingMode = (events: AuditEvent[]): Promise<boolean> => {
    const items: EngineItem[] = [];
    for (callIndex = 0; callIndex < events.length;) {
      const event = events[callIndex] as AuditEvent;
      const json = trySnapshot(event);
      callIndex++;
      if (json === undefined) (callInvalid ??= []).push(event);
      else items.push(accept(json));
    }
    const valid = reportInvalid(takeInvalid());
    if (items.length === 0) return Promise.resolve(valid);
    return new Promise<boolean>((resolve) => {
      states.set(items, {
        items,
        attempts: 0,
        startedAt: 0,
        resolve: (ok) => resolve(ok && valid),
        payload: undefined,
      });
      if (running) callInput.next(items);
      else preRunCalls.push(items);
    });
  };

  const processEvents = (events: AuditEvent[]): Promise<boolean> => {
    callIndex = 0;
    callInvalid = undefined;
    if (events.length === 0) return Promise.resolve(true);
    if (shuttingDown) {
      callIndex = events.length;
      report(config.dropPlugin, 'shut-down', new Error(`${config.subject} shut down`), events);
      return Promise.resolve(false);
    }
    return mode === 'batch' ? Promise.resolve(processBatchMode(events)) : processBlockingMode(events);
  };

  const run = (): void => {
    if (running || shuttingDown) return;
    running = true;
    const deliveries: Observable<Delivery<EngineItem>> =
      mode === 'batch'
        ? itemInput.pipe(
            batchPipeline<EngineItem, BatchState>(
              { batch, retry: config.retry, timeout: config.timeout, scheduler, flush: flushRequests },
              { open: register, get: (items) => states.get(items) },
              sendBatch,
            ),
          )
        : // Blocking: each call is one batch, registered by processEvents, sent in call order.
          callInput.pipe(
            deliverBatches<EngineItem>(sendBatch, {
              maxInFlight: 1,
              retry: config.retry,
              timeout: config.timeout,
              scheduler,
            }),
          );
    pipeline = deliveries.subscribe({
      next: settle,
      complete: () => {
        pipelineDone = true;
        onPipelineDone?.();
      },
    });
    const items = preRunItems;
    const calls = preRunCalls;
    preRunItems = [];
    preRunCalls = [];
    for (const item of items) itemInput.next(item);
    for (const call of calls) callInput.next(call);
    if (flushOnRun) {
      flushOnRun = false;
      flushRequests.next();
    }
  };

  const flush = (): Promise<void> => {
    if (held === 0) return Promise.resolve();
    const promise = new Promise<void>((resolve) => flushWaiters.push({ epoch, resolve }));
    if (epochCount > 0) olderEpochs.set(epoch, epochCount);
    epoch++;
    epochCount = 0;
    if (running) flushRequests.next();
    else flushOnRun = true;
    checkFlushWaiters();
    return promise;
  };

  const endAtDeadline = (timeout: number): void => {
    // Unsubscribing first aborts the signals of started sends, so nothing is delivered after it is reported.
    if (config.abortable) pipeline?.unsubscribe();
    for (const [items, state] of [...states]) {
      if (!config.abortable && state.attempts > 0) continue; // its owner reports it
      states.delete(items);
      finish(
        state,
        false,
        new WebhookError(
          `${config.subject} shutdown deadline of ${timeout} ms passed before delivery (${state.attempts} attempts made)`,
          { retryable: false, attempts: state.attempts },
        ),
      );
    }
  };

  const drain = (timeout: number | undefined): Promise<void> =>
    new Promise<void>((resolve) => {
      let deadline: Subscription | undefined;
      onPipelineDone = () => {
        deadline?.unsubscribe();
        resolve();
      };
      itemInput.complete();
      callInput.complete();
      if (pipelineDone) return;
      if (timeout !== undefined && timeout !== Infinity) {
        deadline = scheduler.schedule(() => {
          endAtDeadline(timeout);
          resolve();
        }, timeout);
      }
    });

  const shutdown = (timeout?: number): Promise<void> => {
    if (shutdownPromise !== undefined) return shutdownPromise;
    if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0)) {
      return Promise.reject(
        new TypeError(
          `shutdown timeout must be a non-negative number of milliseconds, got ${describeValue(timeout)}`,
        ),
      );
    }
    shuttingDown = true;
    if (running) {
      shutdownPromise = drain(timeout);
    } else {
      // Never run: nothing can be delivered, so what was queued is reported.
      const items = preRunItems;
      const calls = preRunCalls;
      preRunItems = [];
      preRunCalls = [];
      const shutDown = (): Error => new Error(`${config.subject} shut down`);
      if (items.length > 0) {
        finish(
          { items, attempts: 0, startedAt: 0, resolve: undefined, payload: undefined },
          false,
          shutDown(),
          'shut-down',
          config.dropPlugin,
        );
      }
      for (const call of calls) {
        const state = states.get(call);
        if (state === undefined) continue;
        states.delete(call);
        finish(state, false, shutDown(), 'shut-down', config.dropPlugin);
      }
      shutdownPromise = Promise.resolve();
    }
    return shutdownPromise;
  };

  const releaseStarted = (): void => {
    pipeline?.unsubscribe();
    for (const [items, state] of [...states]) {
      states.delete(items);
      counters.inFlight -= state.attempts > 0 ? items.length : 0;
      counters.queued -= state.attempts > 0 ? 0 : items.length;
      state.resolve?.(false);
      release(items);
    }
  };

  return {
    run,
    processEvents: (events) => {
      try {
        return processEvents(events);
      } catch (error) {
        // Defensive: processEvents must never throw into audit call sites. Only events not accepted yet
        // are reported: accepted ones end through the pipeline, and each event must end exactly once.
        const unaccepted = [...(takeInvalid() ?? []), ...events.slice(callIndex)];
        callIndex = events.length;
        if (unaccepted.length > 0) {
          report(
            config.dropPlugin,
            'invalid',
            error instanceof Error ? error : new Error(String(error)),
            unaccepted,
          );
        }
        return Promise.resolve(false);
      }
    },
    flush,
    shutdown,
    isShuttingDown: () => shuttingDown,
    release: releaseStarted,
    errors$: errors$.asObservable(),
    deliveries$: deliveries$.asObservable(),
    stats: () => ({ ...counters, failed: { ...failed } }),
    countFailed: (reason, events) => {
      failed[reason] += events;
    },
  };
}
