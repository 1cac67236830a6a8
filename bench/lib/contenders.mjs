// The throughput contenders: the floor (bare node:http), the floor over bare axios, rx-audit batch mode and
// OpenTelemetry JS logs.
import { createAxiosPoster, createPoster, floorBatch } from './floor.mjs';
import { createProgress, offerAll } from './offer.mjs';

/** The throughput part's load: batches of 100, 4 in flight, 10 000 undelivered at most, 1 000 per turn. */
export function throughputOptions(config = {}) {
  return {
    batchSize: config.batchSize ?? 100,
    maxInFlight: config.maxInFlight ?? 4,
    bufferSize: config.bufferSize ?? 10_000,
    chunk: config.chunk ?? 1_000,
    maxBatchWait: config.maxBatchWait ?? 1_000,
  };
}

/**
 * The throughput part's contenders, each `{ key, label, run(events) }`; `run` resolves `{ ms, failed, … }`.
 * `lib` is the loaded library, or `null` to leave rx-audit out; `otelBodies` lists OpenTelemetry's body kinds
 * (`'object'`, `'string'`; default `['object']`). `overPoster` adds rx-audit with the floor's own POSTer as its
 * sender: what rx-audit costs apart from its HTTP client.
 */
export function throughputContenders(
  lib,
  receiver,
  options,
  { otelBodies = ['object'], overPoster = false } = {},
) {
  const timed = (fn) => async (list) => {
    const t0 = performance.now();
    const r = await fn(list);
    return { ms: performance.now() - t0, failed: 0, ...r };
  };
  return [
    {
      key: 'floor',
      label: 'floor (bare node:http)',
      run: timed((list) => floorBatch(list, receiver.url, options)),
    },
    // The floor's loop and bodies, POSTed with a bare axios instance: the least an axios-based sender costs.
    {
      key: 'axios',
      label: 'floor over bare axios',
      run: timed((list) => floorBatch(list, receiver.url, options, createAxiosPoster)),
    },
    ...(lib === null
      ? []
      : [{ key: 'rx', label: 'rx-audit batch', run: (list) => rxBatch(lib, list, receiver.url, options) }]),
    // rx-audit batch mode with a custom sender that POSTs each batch's body with the floor's node:http POSTer.
    ...(lib === null || !overPoster
      ? []
      : [
          {
            key: 'rxOverPoster',
            label: "rx-audit over the floor's POSTer",
            run(list) {
              const poster = createPoster(receiver.url, options.maxInFlight);
              const sender = (batch) => poster.post(batch.body);
              return rxBatch(lib, list, receiver.url, options, sender).finally(() => poster.close());
            },
          },
        ]),
    // OpenTelemetry: `body: 'object'` (the event itself, the natural call) unless asked for a string body.
    ...otelBodies.map((body) => ({
      key: body === 'string' ? 'otelString' : 'otelObject',
      label: `OpenTelemetry (${body} body)`,
      run: (list) => otelBatch(list, receiver.otlpUrl, { ...options, body }),
    })),
  ];
}

const quiet = () => {};

/**
 * rx-audit batch mode to `url` (or through `sender`, a custom sender); resolves when `flush()` says every accepted event was delivered or reported.
 * The producer never offers more than the backend can hold (`bufferSize - queued - inFlight`), so nothing drops.
 */
export async function rxBatch(
  lib,
  events,
  url,
  { batchSize, maxInFlight, bufferSize, chunk, maxBatchWait },
  sender = undefined,
) {
  const backend = lib.createWebhookBackend({
    mode: 'batch',
    ...(sender === undefined ? { target: { url } } : { sender }),
    batch: { bufferSize, maxBatchSize: batchSize, maxBatchWait, maxInFlight },
    onError: quiet,
  });
  const progress = createProgress();
  let failed = 0;
  const errors = backend.errors$.subscribe((e) => (failed += e.events.length));
  const deliveries = backend.deliveries$.subscribe(() => progress.signal());
  backend.run();
  const t0 = performance.now();
  await offerAll(
    events,
    { chunk, bufferSize },
    {
      offer: (event) => void backend.processEvents(event),
      backlog() {
        const s = backend.stats();
        return s.queued + s.inFlight;
      },
      progress: () => progress.wait(),
    },
  );
  await backend.flush();
  const ms = performance.now() - t0;
  const stats = backend.stats();
  await backend.shutdown();
  errors.unsubscribe();
  deliveries.unsubscribe();
  return { ms, failed, delivered: stats.delivered, batches: stats.batches };
}

let otel = null;
async function loadOtel() {
  otel ??= {
    ...(await import('@opentelemetry/sdk-logs')),
    ...(await import('@opentelemetry/exporter-logs-otlp-http')),
  };
  return otel;
}

/**
 * OpenTelemetry JS: `logger.emit()` → `BatchLogRecordProcessor` → `OTLPLogExporter` (http/json) to `otlpUrl`.
 * `body: 'object'` emits the event itself as the log body (the natural call: it becomes an OTLP kvlist);
 * `body: 'string'` emits `JSON.stringify(event)` (what a speed-minded user would do).
 */
export async function otelBatch(
  events,
  otlpUrl,
  { batchSize, maxInFlight, bufferSize, chunk, maxBatchWait, body },
) {
  const { LoggerProvider, BatchLogRecordProcessor, OTLPLogExporter } = await loadOtel();
  const progress = createProgress();
  const exporter = new OTLPLogExporter({
    url: otlpUrl,
    // The processor exports one batch at a time while streaming, but forceFlush() sends every queued batch at
    // once and the exporter fails (drops) whatever exceeds this limit; so it must cover a full queue.
    concurrencyLimit: Math.max(maxInFlight, Math.ceil(bufferSize / batchSize)),
  });
  let exported = 0;
  let failed = 0;
  // Counting exporter: the public LogRecordExporter interface, wrapped to learn what was delivered.
  const counting = {
    export(records, done) {
      exporter.export(records, (result) => {
        if (result.code === 0) exported += records.length;
        else failed += records.length;
        progress.signal();
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush(),
  };
  const provider = new LoggerProvider({
    processors: [
      new BatchLogRecordProcessor(counting, {
        maxExportBatchSize: batchSize,
        maxQueueSize: bufferSize,
        scheduledDelayMillis: maxBatchWait,
      }),
    ],
  });
  const logger = provider.getLogger('rx-audit-bench');
  let offered = 0;
  const asString = body === 'string';
  const t0 = performance.now();
  await offerAll(
    events,
    { chunk, bufferSize },
    {
      offer(event) {
        offered++;
        logger.emit({
          severityNumber: 9,
          severityText: 'INFO',
          body: asString ? JSON.stringify(event) : event,
        });
      },
      backlog: () => offered - exported - failed,
      progress: () => progress.wait(),
    },
  );
  await provider.forceFlush();
  const ms = performance.now() - t0;
  await provider.shutdown();
  return { ms, failed, delivered: exported };
}
