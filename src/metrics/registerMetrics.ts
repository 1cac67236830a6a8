import type { Subscription } from 'rxjs';
import type { AuditBackend } from '../contract/AuditBackend.js';
import { collectedMetric, histogram, labelledCounter } from './promMetrics.js';
import type { PromMetric } from './promMetrics.js';
import { showValue } from '../events/showValue.js';

/**
 * The part of a prom-client `Registry` that {@link registerMetrics} uses. A prom-client 15 `Registry`
 * satisfies it; rx-audit never imports prom-client itself, so it stays an optional peer dependency.
 */
export interface MetricsRegistry {
  registerMetric(metric: { get(): Promise<unknown>; reset(): void }): void;
  removeSingleMetric(name: string): void;
  getSingleMetric?(name: string): unknown;
}

/** Options of {@link registerMetrics}. */
export interface RegisterMetricsOptions {
  /**
   * Put in front of every metric name, e.g. `'myapp_'`, to register two backends on one registry.
   * @default ''
   */
  prefix?: string;
  /**
   * Upper bounds of the `audit_batch_size` histogram buckets (events per batch).
   * @default [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
   */
  batchSizeBuckets?: readonly number[];
  /**
   * Upper bounds of the `audit_send_duration_seconds` histogram buckets (seconds).
   * @default [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]
   */
  sendDurationBuckets?: readonly number[];
}

/** The defaults of {@link RegisterMetricsOptions}. */
export const METRICS_DEFAULTS: Readonly<Required<RegisterMetricsOptions>> = Object.freeze({
  prefix: '',
  batchSizeBuckets: Object.freeze([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]),
  sendDurationBuckets: Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]),
});

/**
 * Registers Prometheus metrics for a backend on a prom-client registry the caller passes in.
 *
 * | metric | type | source |
 * |---|---|---|
 * | `audit_event_total` | counter | `stats().accepted`, read at scrape time |
 * | `audit_error_total{plugin,reason}` | counter | events in each `errors$` item |
 * | `audit_queue_length` | gauge | `stats().queued`, read at scrape time |
 * | `audit_batch_size` | histogram | events of each `deliveries$` report |
 * | `audit_send_duration_seconds` | histogram | `durationMs / 1000` of each `deliveries$` report |
 * | `audit_retries_total` | counter | `stats().retries`, read at scrape time |
 * | `audit_spool_bytes` | gauge | `stats().spooledBytes` (a backend with a spool only), read at scrape time |
 *
 * Counters read from `stats()` include what happened before registration; those fed by `errors$` and
 * `deliveries$` count from registration on. rx-audit does not import prom-client: the registered objects
 * implement what a prom-client 15 `Registry` reads, so prom-client remains an optional peer dependency.
 *
 * ## Example
 * ```ts
 * import { Registry } from 'prom-client';
 * import { createWebhookBackend, registerMetrics } from 'rx-audit';
 *
 * const registry = new Registry();
 * const backend = createWebhookBackend({ mode: 'batch', target: { url: 'https://audit.example/events' } });
 * const unregister = registerMetrics(backend, registry);
 * // … later: await registry.metrics() serves the text format; unregister() removes the metrics again.
 * ```
 *
 * @param backend The backend to observe.
 * @param registry A prom-client `Registry` (or anything with `registerMetric` and `removeSingleMetric`).
 * @param options Name prefix and histogram buckets; see {@link RegisterMetricsOptions}.
 * @returns A function that unsubscribes and removes the metrics from the registry. Idempotent.
 */
export function registerMetrics(
  backend: AuditBackend,
  registry: MetricsRegistry,
  options: RegisterMetricsOptions = {},
): () => void {
  const opts = validate(options);
  const p = opts.prefix;

  const events = collectedMetric(
    `${p}audit_event_total`,
    'Counter of audit events accepted by the audit backend.',
    'counter',
    () => backend.stats().accepted,
  );
  const errors = labelledCounter(
    `${p}audit_error_total`,
    'Counter of audit events that failed to be audited properly. Plugin identifies the plugin affected by the error.',
    ['plugin', 'reason'],
  );
  const queue = collectedMetric(
    `${p}audit_queue_length`,
    'Number of audit events accepted but not yet handed to the sink.',
    'gauge',
    () => backend.stats().queued,
  );
  const batchSize = histogram(
    `${p}audit_batch_size`,
    'Number of audit events in each finished batch send.',
    opts.batchSizeBuckets,
  );
  const duration = histogram(
    `${p}audit_send_duration_seconds`,
    'Time from the first attempt of a batch send to its final outcome, in seconds.',
    opts.sendDurationBuckets,
  );
  const retries = collectedMetric(
    `${p}audit_retries_total`,
    'Counter of retried send attempts (not counting first attempts).',
    'counter',
    () => backend.stats().retries,
  );

  const metrics: PromMetric[] = [events, errors, queue, batchSize, duration, retries];
  if (backend.stats().spooledBytes !== undefined) {
    metrics.push(
      collectedMetric(
        `${p}audit_spool_bytes`,
        'Bytes of undelivered audit events in the durable spool.',
        'gauge',
        () => backend.stats().spooledBytes ?? 0,
      ),
    );
  }
  // Names as registered: an OpenMetrics registry renames counters in place (drops `_total`) when scraped.
  const registered: [string, PromMetric][] = [];
  const remove = (): void => {
    for (const [name, m] of registered.splice(0)) {
      // Only remove what is still ours: the user may have replaced it meanwhile.
      const current = registry.getSingleMetric?.(name);
      if (current === undefined || current === m) registry.removeSingleMetric(name);
    }
  };
  try {
    for (const m of metrics) {
      const name = m.name;
      registry.registerMetric(m);
      registered.push([name, m]);
    }
  } catch (err) {
    remove();
    throw err;
  }

  const subscriptions: Subscription[] = [
    backend.errors$.subscribe((e) => errors.inc({ plugin: e.plugin, reason: e.reason }, e.events.length)),
    backend.deliveries$.subscribe((d) => {
      batchSize.observe(d.events);
      duration.observe(d.durationMs / 1000);
    }),
  ];

  let disposed = false;
  return () => {
    if (disposed) return;
    disposed = true;
    for (const s of subscriptions) s.unsubscribe();
    remove();
  };
}

const METRIC_NAME_PREFIX = /^(?:[a-zA-Z_:][a-zA-Z0-9_:]*)?$/;

function validate(options: RegisterMetricsOptions): Required<RegisterMetricsOptions> {
  const opts: Required<RegisterMetricsOptions> = { ...METRICS_DEFAULTS };
  if (options.prefix !== undefined) {
    if (typeof options.prefix !== 'string' || !METRIC_NAME_PREFIX.test(options.prefix)) {
      throw new TypeError(
        `metrics.prefix must be a valid Prometheus metric name prefix, got ${showValue(options.prefix)}`,
      );
    }
    opts.prefix = options.prefix;
  }
  for (const key of ['batchSizeBuckets', 'sendDurationBuckets'] as const) {
    const buckets = options[key];
    if (buckets === undefined) continue;
    if (!Array.isArray(buckets) || buckets.length === 0 || !buckets.every((b) => Number.isFinite(b))) {
      throw new TypeError(
        `metrics.${key} must be a non-empty array of finite numbers, got ${showValue(buckets)}`,
      );
    }
    opts[key] = buckets;
  }
  return opts;
}
