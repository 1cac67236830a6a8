import type { SchedulerLike } from 'rxjs';
import { asyncScheduler, finalize, from, map, merge } from 'rxjs';
import type { AuditBackend, AuditPluginError } from '../contract/AuditBackend.js';
import type { AuditLogger } from '../util/loggerReporter.js';
import { AUDIT_ERROR_REASONS, emptyStats, isAuditBackend } from '../contract/AuditBackend.js';
import type { BatchOptions, RetryOptions, SpoolOptions } from '../contract/options.js';
import { createDeliveryEngine } from '../engine/createDeliveryEngine.js';
import type { DeliveryEngine, DeliveryEngineConfig } from '../engine/DeliveryEngineConfig.js';
import { createSpooledEngine } from '../spool/createSpooledEngine.js';
import { resolveSpoolOptions } from '../spool/SpoolOptions.js';
import { assertEventObject, joinItems, restoreItems } from '../transport/encodeItems.js';
import { PluginReports } from '../util/PluginReports.js';
import { routeFailure } from '../util/routeFailure.js';
import { shutdownOnce } from '../util/shutdownOnce.js';
import { resolveBatchOptions, resolveRetryOptions } from '../util/validateOptions.js';
import { showValue } from '../events/showValue.js';
import { AuditError } from '../events/AuditError.js';
import { DEFAULT_GROUP_VERSION } from '../events/GroupVersion.js';

/** Options of {@link createBufferedBackend}: batching plus what runs it. */
export interface BufferedBackendOptions extends BatchOptions {
  /**
   * Retry of a batch whose delegate call **rejects** (throws). A delegate that resolves `false` has reported
   * its failure itself and is not retried. @default { attempts: 1 } (the delegate does its own retries)
   */
  retry?: RetryOptions;
  /** Runs every timer (batch window, throttle, retry). @default asyncScheduler */
  scheduler?: SchedulerLike;
  /** Receives this backend's own reports (the delegate reports through its own handler). @default one stderr line each */
  onError?: (error: AuditPluginError) => void;
  /** A pino- or console-style logger for this backend's own reports, instead of `onError` (see `loggerReporter`). @default none */
  logger?: AuditLogger;
  /** A durable spool on disk in front of the in-memory buffer (see docs/spool.md). @default none */
  spool?: SpoolOptions;
}

/**
 * Marks a batch the delegate refused with `false`: it already reported it, so it is neither retried (final)
 * nor reported again.
 */
class DelegateReportedError extends AuditError {
  override name = 'DelegateReportedError' as const;
  readonly retryable = false;
}

/** `plugin` of this backend's own reports; its `name` is {@link bufferedName}. */
const PLUGIN = 'buffered';

/** The name of a buffered backend in front of `inner`: `buffered<inner>` (the batch webhook's too). */
export const bufferedName = (inner: string): string => `${PLUGIN}<${inner}>`;

/** The `payload` of a batch whose delegate call is being made (its promise is not there yet). */
const CALLING = Symbol('calling');

const isDelegateReported = (error: unknown): boolean =>
  error instanceof DelegateReportedError ||
  (error instanceof Error && error.name === 'DelegateReportedError');

/**
 * Puts the batch engine in front of any backend, like the apiserver's `buffered` plugin: `processEvents`
 * returns at once, events are snapshotted into a bounded buffer (`bufferSize`, queued plus in flight), cut
 * into batches by `maxBatchSize`/`maxBatchWait`, optionally throttled, and each batch is handed to
 * `delegate.processEvents(...batch)` with at most `maxInFlight` calls at a time. `run`, `flush` and
 * `shutdown` reach the delegate; `errors$` merges the delegate's reports with this backend's own
 * (`plugin: 'buffered'`), and every accepted event is delivered or reported exactly once.
 *
 * ## Example
 *
 * ```ts
 * import { createBufferedBackend, createLogBackend } from 'rx-audit';
 *
 * const backend = createBufferedBackend(createLogBackend('/var/log/audit.jsonl'), { maxBatchSize: 500, maxBatchWait: 1_000 });
 * backend.name; // 'buffered<log>'
 * backend.run();
 * ```
 *
 * @param delegate The backend that receives each batch.
 * @param options Batching, throttle, retry and scheduler; see {@link BufferedBackendOptions}.
 * @returns An {@link AuditBackend} named `buffered<${delegate.name}>`.
 * @throws TypeError for an invalid option, naming the option and the value.
 */
export function createBufferedBackend(
  delegate: AuditBackend,
  options: BufferedBackendOptions = {},
): AuditBackend {
  if (!isAuditBackend(delegate)) {
    throw new TypeError(`delegate must be an AuditBackend, got ${showValue(delegate)}`);
  }
  const { retry: retryOption, scheduler, onError, logger, spool: spoolOption, ...batchOption } = options;
  const batch = resolveBatchOptions(batchOption, '');
  const retry = resolveRetryOptions(retryOption, 1);
  const report = routeFailure(onError, logger);
  const spool = spoolOption === undefined ? undefined : resolveSpoolOptions(spoolOption);
  // A batch with the delegate carries its call as its `payload` (CALLING while the call is being made), until
  // the engine has ended it: the shutdown waits for the calls of the batches the engine says are held.
  // Events of calls the delegate answered `false` (it reported some or all of them): see stats().
  let answeredFalse = 0;
  // Reports of this backend's own that are not the engine's (a delegate that failed to shut down).
  const ownReports = new PluginReports(PLUGIN, report);

  const config: DeliveryEngineConfig = {
    mode: 'batch',
    batch,
    retry,
    // No per-call timeout (upstream's buffered plugin has none): a delegate call cannot be aborted, so a
    // timeout would report a batch failed that the delegate may still deliver — ending its events twice.
    // Each batch ends when the delegate's promise settles; the delegate bounds its own calls.
    timeout: Infinity,
    scheduler: scheduler ?? asyncScheduler,
    plugin: PLUGIN,
    subject: 'audit buffer',
    envelopeBytes: Buffer.byteLength(joinItems([], DEFAULT_GROUP_VERSION)),
    // The snapshot is the event's JSON; the delegate receives fresh copies parsed from it.
    snapshot: (event) => {
      assertEventObject(event);
      return JSON.stringify(event);
    },
    restore: (items) => restoreItems(items, DEFAULT_GROUP_VERSION),
    send: (engineBatch) => {
      const events = restoreItems(engineBatch.items, DEFAULT_GROUP_VERSION);
      engineBatch.payload = CALLING;
      let call: Promise<boolean>;
      try {
        call = Promise.resolve(delegate.processEvents(...events));
      } catch (error) {
        engineBatch.payload = undefined;
        throw error;
      }
      engineBatch.payload = call;
      return from(call).pipe(
        map((ok) => {
          if (ok) return ok;
          answeredFalse += events.length;
          throw new DelegateReportedError(`${delegate.name} did not accept the batch`);
        }),
        // Held until the engine has ended the batch: it ends it with the call's answer.
        finalize(() => (engineBatch.payload = undefined)),
      );
    },
    report,
    // A delegate call cannot be aborted: at a deadline the delegate's own shutdown ends what it started.
    delegate: {
      abortsAtDeadline: false,
      isReported: isDelegateReported,
      holds: (engineBatch) => engineBatch.payload !== undefined,
      shutdown: async (timeLeft, heldBatches) => {
        try {
          await delegate.shutdown(timeLeft === undefined ? {} : { timeout: timeLeft });
        } catch (error) {
          const failure = new Error(`${PLUGIN}: delegate ${delegate.name} failed to shut down`, {
            cause: error,
          });
          ownReports.report('send-failed', failure, []);
          return false;
        }
        // The calls it ended settle now (a macrotask comes after them): their batches end with their answers.
        const held = heldBatches.map((batch) => batch.payload).filter((call) => call instanceof Promise);
        await Promise.race([Promise.allSettled(held), new Promise((resolve) => setImmediate(resolve))]);
        return true;
      },
    },
  };
  const engine: DeliveryEngine =
    spool === undefined ? createDeliveryEngine(config) : createSpooledEngine(config, spool);
  // The delegate's reports count in stats().failed, so it covers every event this backend accepted.
  const delegateFailed = emptyStats().failed;
  delegate.errors$.subscribe((item) => (delegateFailed[item.reason] += item.events.length));
  const { shutdown } = shutdownOnce((timeout) => engine.shutdown(timeout));

  return {
    name: bufferedName(delegate.name),
    run: () => {
      delegate.run();
      engine.run();
    },
    processEvents: (...events) => engine.processEvents(events),
    flush: async () => {
      await engine.flush();
      await delegate.flush();
    },
    shutdown,
    errors$: merge(engine.errors$, delegate.errors$, ownReports.errors$),
    deliveries$: engine.deliveries$,
    stats: () => {
      const stats = engine.stats();
      let reported = 0;
      for (const reason of AUDIT_ERROR_REASONS) {
        stats.failed[reason] += delegateFailed[reason];
        reported += delegateFailed[reason];
      }
      // Handed over and not reported by the delegate: the events of calls it answered `true` or `false`, less
      // the ones it reported (before or after it answered).
      stats.delivered = Math.max(0, stats.delivered + answeredFalse - reported);
      return stats;
    },
  };
}
