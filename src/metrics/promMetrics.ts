// Minimal objects that a prom-client `Registry` accepts through `registerMetric`, written without
// importing prom-client, so that rx-audit works when prom-client is not installed.
// A registry reads `name`, `help`, `type`, `aggregator` and calls `get()` (and `reset()` on
// `resetMetrics()`); `get()` returns `{ name, help, type, values, aggregator }` where each value is
// `{ value, labels, metricName? }` — the shape prom-client 15's own Counter/Gauge/Histogram return.

/** Label values of one sample. */
export type Labels = Record<string, string | number>;

/** One sample, as prom-client's `MetricValue` (`metricName` for histogram `_bucket`/`_sum`/`_count`). */
export interface PromSample {
  value: number;
  labels: Labels;
  metricName?: string;
}

/** What `get()` returns, as prom-client's `MetricObjectWithValues`. */
export interface PromMetricData {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  aggregator: 'sum';
  values: PromSample[];
}

/** A metric object a prom-client `Registry` can register and scrape. */
export interface PromMetric {
  // Not readonly: an OpenMetrics registry normalises counter names in place.
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  aggregator: 'sum';
  get(): Promise<PromMetricData>;
  reset(): void;
}

/** A counter or gauge whose value is read when scraped. */
export function collectedMetric(
  name: string,
  help: string,
  type: 'counter' | 'gauge',
  read: () => number,
): PromMetric {
  let base = 0;
  const metric: PromMetric = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: () => Promise.resolve({ ...header(metric), values: [{ value: read() - base, labels: {} }] }),
    // `registry.resetMetrics()` restarts a counter from zero; a gauge always shows the current value.
    reset: () => {
      if (type === 'counter') base = read();
    },
  };
  return metric;
}

/** The current name/help/type of a metric (read at scrape time: a registry may rename it). */
function header(metric: PromMetric): Omit<PromMetricData, 'values'> {
  return { name: metric.name, help: metric.help, type: metric.type, aggregator: metric.aggregator };
}

/** A counter with labels, incremented by the caller. */
export interface LabelledCounter extends PromMetric {
  inc(labels: Labels, by: number): void;
}

export function labelledCounter(name: string, help: string, labelNames: readonly string[]): LabelledCounter {
  const values = new Map<string, PromSample>();
  const metric: LabelledCounter = {
    name,
    help,
    type: 'counter',
    aggregator: 'sum',
    inc(labels, by) {
      const key = labelNames.map((l) => String(labels[l] ?? '')).join('\u0000');
      const sample = values.get(key);
      if (sample === undefined) values.set(key, { value: by, labels: { ...labels } });
      else sample.value += by;
    },
    get: () =>
      Promise.resolve({
        ...header(metric),
        values: [...values.values()].map((s) => ({ value: s.value, labels: { ...s.labels } })),
      }),
    reset: () => values.clear(),
  };
  return metric;
}

/** A histogram without labels, observed by the caller. */
export interface Histogram extends PromMetric {
  observe(value: number): void;
}

export function histogram(name: string, help: string, buckets: readonly number[]): Histogram {
  const bounds = [...buckets].sort((a, b) => a - b);
  let counts = bounds.map(() => 0);
  let sum = 0;
  let count = 0;
  const metric: Histogram = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    observe(value) {
      sum += value;
      count += 1;
      // Stored per bucket (not cumulative); `get()` accumulates, as prom-client does.
      const i = bounds.findIndex((b) => value <= b);
      if (i >= 0) counts[i] = (counts[i] ?? 0) + 1;
    },
    get: () => {
      const values: PromSample[] = [];
      const name = metric.name;
      let acc = 0;
      bounds.forEach((le, i) => {
        acc += counts[i] ?? 0;
        values.push({ value: acc, labels: { le }, metricName: `${name}_bucket` });
      });
      values.push({ value: count, labels: { le: '+Inf' }, metricName: `${name}_bucket` });
      values.push({ value: sum, labels: {}, metricName: `${name}_sum` });
      values.push({ value: count, labels: {}, metricName: `${name}_count` });
      return Promise.resolve({ ...header(metric), values });
    },
    reset: () => {
      counts = bounds.map(() => 0);
      sum = 0;
      count = 0;
    },
  };
  return metric;
}
