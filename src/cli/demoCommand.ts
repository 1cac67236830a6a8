import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { createWebhookBackend } from '../backends/createWebhookBackend.js';
import { RETRY_DEFAULTS } from '../contract/options.js';
import { formatAuditPluginError } from '../util/reportToStderr.js';
import type { AuditEvent } from '../events/Event.js';
import type { CliIO } from './CliIO.js';
import type { ShipRecord } from './readLogRecords.js';
import { SAMPLE_LOG } from './sample/sampleLog.js';
import { plural } from './plural.js';
import { progressCounts } from './progressCounts.js';
import { ShipProgress } from './ShipProgress.js';
import { shipLines } from './shipLines.js';
import { decodeLogLine } from './shipCommand.js';
import { INJECTED_FAILURE_STATUS, startServe } from './startServe.js';

/** Options of `rx-audit demo`. */
export interface DemoCommandOptions {
  /** Fraction of POSTs the server fails. @default random in [0.2, 0.35) */
  failRate?: number;
  /** Ship the sample this many times, with fresh auditIDs each time. @default 1 */
  repeat: number;
  /** Show the progress bar. @default true */
  progress: boolean;
}

/** The demo's shipping settings: small batches and short retry delays, so retries show and the run stays short. */
export const DEMO_SETTINGS = {
  maxBatchSize: 20,
  maxBatchWait: 50,
  maxInFlight: 2,
  bufferSize: 100,
  // Backoff shaped as the defaults', only shorter and with more attempts.
  retry: { ...RETRY_DEFAULTS, initialDelay: 50, attempts: 12 },
  serverDelayMs: 20,
} as const;

const key = (event: AuditEvent): string => `${event.auditID}/${event.stage}`;

/**
 * Runs `rx-audit demo`: `serve` on a free loopback port failing a random share of POSTs, the bundled sample log
 * (real corpus events with fresh auditIDs) shipped to it in batch mode with a progress bar and the retries shown,
 * then a report that proves every event arrived exactly once (same count, unique keys, none missing, none
 * duplicated, identical content).
 *
 * @param options The parsed flags.
 * @param io Where to write.
 * @returns 0 when the report holds, else 1.
 */
export async function demoCommand(options: DemoCommandOptions, io: CliIO): Promise<number> {
  const { stdout } = io;
  const failRate = options.failRate ?? 0.2 + Math.random() * 0.15;
  const started = Date.now();
  const serve = await startServe({
    port: 0,
    host: '127.0.0.1',
    failRate,
    delayMs: DEMO_SETTINGS.serverDelayMs,
  });

  const lines = sampleLines(options.repeat);
  const received = new Map<string, AuditEvent[]>();
  const sent = new Map<string, AuditEvent>();
  let duplicateSends = 0;

  let backend: ReturnType<typeof createWebhookBackend> | undefined;
  const counts = { read: 0, invalid: 0, delivered: 0, failed: 0, retries: 0, bytes: 0 };
  // The demo is a show: its progress and retry lines go to stdout with the report.
  const progress = new ShipProgress(stdout, {
    totalBytes: lines.length,
    enabled: options.progress,
    label: '  progress',
    plainIntervalMs: 1000,
    plainFinalLine: true,
    counts: progressCounts(
      counts,
      () => backend,
      () => counts.read + counts.invalid,
    ),
  });

  stdout.write(
    [
      'rx-audit demo — the Kubernetes audit webhook backend, end to end on loopback',
      `  serve: ${serve.url} answers ${Math.round(failRate * 100)}% of POSTs with ${INJECTED_FAILURE_STATUS} on purpose`,
      `  ship:  ${lines.length} real apiserver audit events (audit.k8s.io/v1beta1 and v1, fresh auditIDs), batch mode,` +
        ` ${DEMO_SETTINGS.maxBatchSize} per POST, ${DEMO_SETTINGS.maxInFlight} in flight, retries after` +
        ` ${DEMO_SETTINGS.retry.initialDelay} ms × ${DEMO_SETTINGS.retry.factor}^n`,
      '',
    ].join('\n'),
  );

  serve.onRequest((request) => {
    if (request.status === 200) {
      for (const event of request.events) {
        const list = received.get(key(event)) ?? [];
        list.push(event);
        received.set(key(event), list);
      }
    } else {
      progress.log(
        `  serve: answered ${String(request.status)} to a POST of ${request.events.length} events`,
      );
    }
  });

  let result;
  try {
    backend = createWebhookBackend({
      mode: 'batch',
      target: { url: serve.url },
      batch: {
        bufferSize: DEMO_SETTINGS.bufferSize,
        maxBatchSize: DEMO_SETTINGS.maxBatchSize,
        maxBatchWait: DEMO_SETTINGS.maxBatchWait,
        maxInFlight: DEMO_SETTINGS.maxInFlight,
      },
      retry: { ...DEMO_SETTINGS.retry },
      timeout: 5000,
      onError: (item) => progress.log(`  ship:  not delivered: ${formatAuditPluginError(item)}`),
    });
    const subscription = backend.deliveries$.subscribe((delivery) => {
      if (delivery.ok && delivery.attempts > 1) {
        progress.log(
          `  ship:  a batch of ${delivery.events} events was delivered on attempt ${delivery.attempts}`,
        );
      }
    });
    result = await shipLines(toJsonLines(lines), {
      backend,
      mode: 'batch',
      bufferSize: DEMO_SETTINGS.bufferSize,
      chunkSize: DEMO_SETTINGS.maxBatchSize,
      decode: (value) => {
        const events = decodeLogLine(value);
        for (const event of events) {
          if (sent.has(key(event))) duplicateSends++;
          sent.set(key(event), event);
        }
        return events;
      },
      onInvalid: (lineNumber, message) => progress.log(`  ship:  line ${lineNumber} skipped: ${message}`),
      onProgress: ({ read, invalid }) => {
        counts.read = read;
        counts.invalid = invalid;
      },
    });
    subscription.unsubscribe();
  } finally {
    progress.stop();
    await serve.close();
  }

  const stats = backend.stats();
  let duplicates = 0;
  let unexpected = 0;
  let identical = 0;
  let receivedTotal = 0;
  for (const [k, copies] of received) {
    receivedTotal += copies.length;
    if (copies.length > 1) duplicates += copies.length - 1;
    const original = sent.get(k);
    if (original === undefined) unexpected++;
    else if (isDeepStrictEqual(copies[0], JSON.parse(JSON.stringify(original)))) identical++;
  }
  let missing = 0;
  for (const k of sent.keys()) if (!received.has(k)) missing++;
  const t = serve.tally.totals;
  const ok =
    result.invalid === 0 &&
    duplicateSends === 0 &&
    sent.size === result.read &&
    receivedTotal === sent.size &&
    duplicates === 0 &&
    missing === 0 &&
    unexpected === 0 &&
    identical === sent.size &&
    stats.delivered === sent.size;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);

  stdout.write(
    [
      '',
      'Report',
      `  sent:      ${sent.size} events with ${sent.size} unique (auditID, stage) keys`,
      `  received:  ${plural(receivedTotal, 'event')} in ${t.posts} accepted ${t.posts === 1 ? 'POST' : 'POSTs'}; ${plural(t.injected, 'POST')} failed on purpose, ${plural(stats.retries, 'retry', 'retries')}`,
      `  exactly once: ${duplicates} duplicates, ${missing} missing, ${unexpected} unexpected; ${identical}/${sent.size} identical to what was sent`,
      ok
        ? `  result:    OK — every event arrived exactly once (${seconds} s)`
        : `  result:    FAILED — delivery was not exactly once (${seconds} s)`,
      '',
    ].join('\n'),
  );
  return ok ? 0 : 1;
}

/** The sample log `repeat` times; every copy after the first gets fresh auditIDs (shared by a request's stages). */
function sampleLines(repeat: number): string[] {
  const out = [...SAMPLE_LOG];
  for (let round = 1; round < repeat; round++) {
    const fresh = new Map<string, string>();
    for (const line of SAMPLE_LOG) {
      const event = JSON.parse(line) as { auditID: string };
      let id = fresh.get(event.auditID);
      if (id === undefined) fresh.set(event.auditID, (id = randomUUID()));
      out.push(JSON.stringify({ ...event, auditID: id }));
    }
  }
  return out;
}

async function* toJsonLines(lines: readonly string[]): AsyncGenerator<ShipRecord> {
  for (let i = 0; i < lines.length; i++) {
    const resume = { offset: 0, line: i + 2, mode: 'lines', inArray: false } as const;
    yield { lineNumber: i + 1, end: 0, resume, value: JSON.parse(lines[i] as string) as unknown };
  }
}
