import { merge } from 'rxjs';
import type { Observable } from 'rxjs';
import type { AuditEvent } from '../events/Event.js';
import { AUDIT_ERROR_REASONS, emptyStats, isAuditBackend } from '../contract/AuditBackend.js';
import type { AuditBackend, AuditPluginError, AuditStats } from '../contract/AuditBackend.js';
import type { AuditLogger } from '../util/loggerReporter.js';
import { PluginReports } from '../util/PluginReports.js';
import { routeFailure } from '../util/routeFailure.js';
import { shutdownOnce } from '../util/shutdownOnce.js';
import { showValue } from '../events/showValue.js';

/** Options of {@link union}: its optional last argument. */
export interface UnionBackendOptions {
  /**
   * Receives the union's own reports (a backend whose `processEvents`, `flush` or `shutdown` threw or
   * rejected), besides `errors$`; each backend reports its own failures through its own handler.
   * @default none (one stderr line per report, see `reportToStderr`)
   */
  onError?: (error: AuditPluginError) => void;
  /** A pino- or console-style logger for the union's own reports instead of `onError` (see `loggerReporter`). @default none */
  logger?: AuditLogger;
}

const PLUGIN = 'union';

/**
 * Combines backends into one that hands every event to each of them, like the apiserver's `audit.Union`;
 * an optional last argument holds the union's own options (`union(a, b, { onError })`).
 *
 * - `processEvents(...events)` calls every backend's `processEvents` with the same events, in the order the
 *   backends were given, so each backend sees every call in call order. It resolves `true` only if every
 *   backend resolved `true`. A backend that throws or rejects counts as `false` (and is reported on
 *   `errors$` with plugin `union`, reason `send-failed`, and to `onError`); the others still get the events.
 * - `flush()` and `shutdown()` reach every backend and always resolve: a backend that throws or rejects is
 *   reported as `send-failed` with no events (`union: backend b failed to flush`, the failure as `cause`).
 *   `run()` reaches every backend even when one throws; afterwards the failure is rethrown (an
 *   `AggregateError` when several failed).
 * - `errors$` and `deliveries$` merge the backends' streams; `stats()` sums their counters, so an event
 *   delivered by two backends counts twice.
 * - `name` is `union[a,b,…]` from the backends' names. As upstream, a union of exactly one backend is
 *   that backend itself; a union of none accepts every call and delivers nowhere (`union[]`).
 *
 * An argument is a backend if it has a `processEvents` function; only the last may instead be a plain
 * options object. Anything else is a `TypeError` naming it (`union backends[1] must be an AuditBackend,
 * got "x"`).
 *
 * ## Example
 * ```ts
 * import { createLogBackend, createTruncatingBackend, createWebhookBackend, union } from 'rx-audit';
 *
 * const backend = union(
 *   createLogBackend('/var/log/audit.log', { format: 'json' }),
 *   createTruncatingBackend(createWebhookBackend({ mode: 'batch', target: { kubeconfig: 'webhook.yaml' } })),
 *   { onError: (e) => logger.warn(e.error.message) },
 * );
 * backend.name; // 'union[log,truncate<buffered<webhook>>]'
 * ```
 *
 * @param args The backends to combine, optionally followed by {@link UnionBackendOptions}.
 * @returns One backend that fans out to all of them.
 */
export function union(
  ...args: AuditBackend[] | [...backends: AuditBackend[], options: UnionBackendOptions]
): AuditBackend {
  const { backends: list, options } = splitArguments(args);
  const reports = new PluginReports(PLUGIN, routeFailure(options.onError, options.logger, `${PLUGIN}.`));
  if (list.length === 1 && list[0] !== undefined) return list[0];
  const errors$: Observable<AuditPluginError> = merge(reports.errors$, ...list.map((b) => b.errors$));
  const deliveries$ = merge(...list.map((b) => b.deliveries$));

  const report = (backend: AuditBackend | undefined, what: string, cause: unknown, events: AuditEvent[]) =>
    reports.report(
      'send-failed',
      new Error(`${PLUGIN}: backend ${backend?.name ?? '?'} failed to ${what}`, { cause }),
      events,
    );

  /** Runs `fn` on every backend at once; reports each failure, resolves when all have settled. */
  const settleAll = async (what: string, fn: (b: AuditBackend) => Promise<void>): Promise<void> => {
    const results = await Promise.allSettled(list.map((b) => call(() => fn(b))));
    results.forEach((r, i) => {
      if (r.status === 'rejected') report(list[i], what, r.reason, []);
    });
  };

  return {
    name: `${PLUGIN}[${list.map((b) => b.name).join(',')}]`,
    errors$,
    deliveries$,

    run(): void {
      const failures: unknown[] = [];
      for (const b of list) {
        try {
          b.run();
        } catch (err) {
          failures.push(err);
        }
      }
      throwCollected(failures, `${PLUGIN}: run failed`);
    },

    async processEvents(...events: AuditEvent[]): Promise<boolean> {
      // Call every backend before awaiting any, so a slow (blocking) backend does not delay the others.
      const results = await Promise.allSettled(list.map((b) => call(() => b.processEvents(...events))));
      let ok = true;
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') {
          ok = r.value && ok;
          return;
        }
        ok = false;
        report(list[i], 'process events', r.reason, events);
      });
      return ok;
    },

    flush: () => settleAll('flush', (b) => b.flush()),

    shutdown: shutdownOnce((timeout) =>
      settleAll('shut down', (b) => b.shutdown(timeout === undefined ? {} : { timeout })),
    ).shutdown,

    stats(): AuditStats {
      const total = sumStats(list.map((b) => b.stats()));
      reports.addTo(total.failed);
      return total;
    },
  };
}

/** Separates the backends from a trailing options object, rejecting anything that is neither. */
function splitArguments(args: readonly unknown[]): {
  backends: AuditBackend[];
  options: UnionBackendOptions;
} {
  const last = args.length - 1;
  const hasOptions = last >= 0 && !isAuditBackend(args[last]) && isPlainObject(args[last]);
  const backends: AuditBackend[] = [];
  for (let i = 0; i < (hasOptions ? last : args.length); i++) {
    const arg = args[i];
    if (!isAuditBackend(arg)) {
      throw new TypeError(`${PLUGIN} backends[${i}] must be an AuditBackend, got ${showValue(arg)}`);
    }
    backends.push(arg);
  }
  return { backends, options: hasOptions ? (args[last] as UnionBackendOptions) : {} };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Calls `fn`, turning a synchronous throw into a rejected promise. */
function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}

function throwCollected(failures: unknown[], message: string): void {
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, message);
}

/** Adds up the counters of several backends. */
function sumStats(all: AuditStats[]): AuditStats {
  const total = emptyStats();
  for (const s of all) {
    total.accepted += s.accepted;
    total.delivered += s.delivered;
    total.batches += s.batches;
    total.retries += s.retries;
    total.queued += s.queued;
    total.inFlight += s.inFlight;
    for (const reason of AUDIT_ERROR_REASONS) total.failed[reason] += s.failed[reason] ?? 0;
  }
  return total;
}
