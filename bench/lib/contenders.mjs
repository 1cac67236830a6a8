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
 * The throughput part's contenders, each `{ key, label, open() }`. `open()` resolves a session, `{ run(events),
 * close() }`: the contender's client (a POSTer, a backend, a logger provider) made once and kept across runs, as
 * a service keeps one — a new one per round would charge every round with its warm-up (its objects' shapes die
 * with it, and the JIT compiles their code again). `run` resolves `{ ms, failed, … }` for that run alone.
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
  const floorOver = (makePoster) => async () => {
    const poster = makePoster(receiver.url, options.maxInFlight);
    return {
      async run(list) {
        const t0 = performance.now();
        const r = await floorBatch(list, poster, options);
        return { ms: performance.now() - t0, failed: 0, ...r };
      },
      close: async () => poster.close(),
    };
  };
  return [
    { key: 'floor', label: 'floor (bare node:http)', open: floorOver(createPoster) },
    // The floor's loop and bodies, POSTed with a bare axios instance: the least an axios-based sender costs.
    { key: 'axios', label: 'floor over bare axios', open: floorOver(createAxiosPoster) },
    ...(lib === null
      ? []
      : [
          {
            key: 'rx',
            label: 'rx-audit batch',
            open: async () => openRx(lib, { target: { url: receiver.url } }, options),
          },
        ]),
    // rx-audit batch mode with a custom sender that POSTs each batch's body with the floor's node:http POSTer.
    ...(lib === null || !overPoster
      ? []
      : [
          {
            key: 'rxOverPoster',
            label: "rx-audit over the floor's POSTer",
            async open() {
              const poster = createPoster(receiver.url, options.maxInFlight);
              const session = openRx(lib, { sender: (batch) => poster.post(batch.body) }, options);
              return { run: session.run, close: () => session.close().finally(() => poster.close()) };
            },
          },
        ]),
    // OpenTelemetry: `body: 'object'` (the event itself, the natural call) unless asked for a string body.
    ...otelBodies.map((body) => ({
      key: body === 'string' ? 'otelString' : 'otelObject',
      label: `OpenTelemetry (${body} body)`,
      open: () => openOtel(receiver.otlpUrl, { ...options, body }),
    })),
  ];
}

const quiet = () => {};

/**
 * An rx-audit batch backend (`to`: `{ target }` or `{ sender }`), run once and kept. Each `run(events)` offers
 * the events and resolves when `flush()` says every one was delivered or reported; the producer never offers
 * more than the backend can hold (`bufferSize - queued - inFlight`), so nothing drops.
 */
function openRx(lib, to, { batchSize, maxInFlight, bufferSize, chunk, maxBatchWait }) {
  const backend = lib.createWebhookBackend({
    mode: 'batch',
    ...to,
    batch: { bufferSize, maxBatchSize: batchSize, maxBatchWait, maxInFlight },
    onError: quiet,
  });
  const progress = createProgress();
  let failed = 0;
  const errors = backend.errors$.subscribe((e) => (failed += e.events.length));
  const deliveries = backend.deliveries$.subscribe(() => progress.signal());
  backend.run();
  const sink = {
    offer: (event) => void backend.processEvents(event),
    backlog() {
      const s = backend.stats();
      return s.queued + s.inFlight;
    },
    progress: () => progress.wait(),
  };
  return {
    async run(events) {
      const before = { failed, ...backend.stats() };
      const t0 = performance.now();
      await offerAll(events, { chunk, bufferSize }, sink);
      await backend.flush();
      const ms = performance.now() - t0;
      const after = backend.stats();
      return {
        ms,
        failed: failed - before.failed,
        delivered: after.delivered - before.delivered,
        batches: after.batches - before.batches,
      };
    },
    async close() {
      await backend.shutdown();
      errors.unsubscribe();
      deliveries.unsubscribe();
    },
  };
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
 * OpenTelemetry JS: `logger.emit()` → `BatchLogRecordProcessor` → `OTLPLogExporter` (http/json) to `otlpUrl`,
 * one provider kept across runs; each `run(events)` resolves after `forceFlush()`.
 * `body: 'object'` emits the event itself as the log body (the natural call: it becomes an OTLP kvlist);
 * `body: 'string'` emits `JSON.stringify(event)` (what a speed-minded user would do).
 */
async function openOtel(otlpUrl, { batchSize, maxInFlight, bufferSize, chunk, maxBatchWait, body }) {
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
  const sink = {
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
  };
  return {
    async run(events) {
      const before = { exported, failed };
      const t0 = performance.now();
      await offerAll(events, { chunk, bufferSize }, sink);
      await provider.forceFlush();
      return {
        ms: performance.now() - t0,
        failed: failed - before.failed,
        delivered: exported - before.exported,
      };
    },
    close: () => provider.shutdown(),
  };
}
