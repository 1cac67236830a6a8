// The two non-floor throughput contenders: rx-audit batch mode and OpenTelemetry JS logs.
import { createProgress, offerAll } from './offer.mjs';

const quiet = () => {};

/**
 * rx-audit batch mode to `url`; resolves when `flush()` says every accepted event was delivered or reported.
 * The producer never offers more than the backend can hold (`bufferSize - queued - inFlight`), so nothing drops.
 */
export async function rxBatch(lib, events, url, { batchSize, maxInFlight, bufferSize, chunk, maxBatchWait }) {
  const backend = lib.createWebhookBackend({
    mode: 'batch',
    target: { url },
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
