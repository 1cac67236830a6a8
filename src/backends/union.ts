import { Subject, merge } from 'rxjs';
import type { Observable } from 'rxjs';
import type { AuditEvent } from '../events/Event.js';
import type { AuditBackend, AuditErrorReason, AuditPluginError, AuditStats } from './AuditBackend.js';
import { reportToStderr } from './reportToStderr.js';

/**
 * Combines backends into one that hands every event to each of them, like the apiserver's `audit.Union`.
 *
 * - `processEvents(...events)` calls every backend's `processEvents` with the same events, in the order the
 *   backends were given, so each backend sees every call in call order. It resolves `true` only if every
 *   backend resolved `true`. A backend that throws or rejects counts as `false` (and is reported on
 *   `errors$` with plugin `union`, reason `send-failed`, and written to stderr by `reportToStderr`); the
 *   others still get the events.
 * - `run()`, `flush()` and `shutdown()` reach every backend even when one of them fails; afterwards the
 *   failure is rethrown (an `AggregateError` when several failed).
 * - `errors$` and `deliveries$` merge the backends' streams; `stats()` sums their counters, so an event
 *   delivered by two backends counts twice.
 * - `name` is `union[a,b,…]` from the backends' names. As upstream, a union of exactly one backend is
 *   that backend itself.
 *
 * ## Example
 * ```ts
 * import { createLogBackend, createTruncatingBackend, createWebhookBackend, union } from 'rx-audit';
 *
 * const backend = union(
 *   createLogBackend('/var/log/audit.log', { format: 'json' }),
 *   createTruncatingBackend(createWebhookBackend({ mode: 'batch', target: { kubeconfig: 'webhook.yaml' } })),
 * );
 * backend.name; // 'union[log,truncate<buffered<webhook>>]'
 * ```
 *
 * @param backends The backends to combine.
 * @returns One backend that fans out to all of them.
 */
export function union(...backends: AuditBackend[]): AuditBackend {
  if (backends.length === 1 && backends[0] !== undefined) return backends[0];
  const list = [...backends];
  const ownErrors$ = new Subject<AuditPluginError>();
  let ownFailed = 0;
  const errors$: Observable<AuditPluginError> = merge(ownErrors$, ...list.map((b) => b.errors$));
  const deliveries$ = merge(...list.map((b) => b.deliveries$));

  return {
    name: `union[${list.map((b) => b.name).join(',')}]`,
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
      throwCollected(failures, 'union: run failed');
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
        ownFailed += events.length;
        const name = list[i]?.name ?? '?';
        const item: AuditPluginError = {
          plugin: 'union',
          reason: 'send-failed',
          error: new Error(`union: backend ${name} failed to process events`, { cause: r.reason }),
          events,
        };
        ownErrors$.next(item);
        reportToStderr(item);
      });
      return ok;
    },

    async flush(): Promise<void> {
      const results = await Promise.allSettled(list.map((b) => call(() => b.flush())));
      throwCollected(rejections(results), 'union: flush failed');
    },

    async shutdown(options?: { timeout?: number }): Promise<void> {
      const results = await Promise.allSettled(list.map((b) => call(() => b.shutdown(options))));
      throwCollected(rejections(results), 'union: shutdown failed');
    },

    stats(): AuditStats {
      const total = sumStats(list.map((b) => b.stats()));
      total.failed['send-failed'] += ownFailed;
      return total;
    },
  };
}

/** Calls `fn`, turning a synchronous throw into a rejected promise. */
function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}

function rejections(results: PromiseSettledResult<unknown>[]): unknown[] {
  return results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
}

function throwCollected(failures: unknown[], message: string): void {
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, message);
}

const REASONS: readonly AuditErrorReason[] = [
  'queue-blocked',
  'shut-down',
  'send-failed',
  'too-large',
  'invalid',
];

/** Adds up the counters of several backends. */
function sumStats(all: AuditStats[]): AuditStats {
  const total: AuditStats = {
    accepted: 0,
    delivered: 0,
    failed: { 'queue-blocked': 0, 'shut-down': 0, 'send-failed': 0, 'too-large': 0, invalid: 0 },
    batches: 0,
    retries: 0,
    queued: 0,
    inFlight: 0,
  };
  for (const s of all) {
    total.accepted += s.accepted;
    total.delivered += s.delivered;
    total.batches += s.batches;
    total.retries += s.retries;
    total.queued += s.queued;
    total.inFlight += s.inFlight;
    for (const reason of REASONS) total.failed[reason] += s.failed[reason] ?? 0;
  }
  return total;
}
