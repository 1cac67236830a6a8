import { basename } from 'node:path';
import type { AuditBackend } from '../backends/AuditBackend.js';
import { createWebhookBackend } from '../backends/createWebhookBackend.js';
import { formatAuditPluginError } from '../backends/reportToStderr.js';
import type { AuditEvent } from '../events/Event.js';
import { decodeEvent } from '../events/decodeEvent.js';
import { decodeEventList } from '../events/decodeEventList.js';
import { isGroupVersion } from '../events/GroupVersion.js';
import { loadWebhookTarget } from '../transport/loadWebhookTarget.js';
import { redactUrl } from '../transport/redactUrl.js';
import type { WebhookTarget } from '../transport/target.js';
import type { CliIO } from './CliIO.js';
import { CliUsageError } from './CliUsageError.js';
import { openLogInput } from './openLogInput.js';
import { readJsonLines } from './readJsonLines.js';
import { progressCounts } from './progressCounts.js';
import { ShipProgress } from './ShipProgress.js';
import { shipLines } from './shipLines.js';

/** Options of `rx-audit ship` (see `rx-audit ship --help` and docs/cli.md). */
export interface ShipCommandOptions {
  /** Webhook URL (one of `url` / `kubeconfig`). */
  url?: string;
  /** Webhook kubeconfig file (one of `url` / `kubeconfig`). */
  kubeconfig?: string;
  /** @default 'batch' */
  mode: string;
  /** @default 100 */
  maxBatchSize: number;
  /** @default 60000 */
  maxBatchWait: number;
  /** @default 1000 */
  bufferSize: number;
  /** @default 'audit.k8s.io/v1' */
  groupVersion: string;
  /** @default 30000 */
  timeout: number;
  /** @default 5 in batch mode, 1 in blocking mode */
  retryAttempts?: number;
  /** @default 10000 */
  retryInitialDelay: number;
  /** Show progress. @default true */
  progress: boolean;
}

/** At most this many invalid lines are reported one by one; the rest are only counted. */
const MAX_INVALID_REPORTED = 100;

/**
 * Turns one parsed log line into events: an audit `Event` (any supported version), or an `EventList`'s items.
 *
 * @param value A parsed JSON line.
 * @returns The decoded v1 events.
 * @throws AuditDecodeError when the line is not a valid event or list.
 */
export function decodeLogLine(value: unknown): AuditEvent[] {
  const kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;
  return kind === 'EventList' ? decodeEventList(value) : [decodeEvent(value)];
}

/**
 * Runs `rx-audit ship <file|-> (--url URL | --kubeconfig FILE) …`: streams an audit log through a webhook
 * backend with backpressure and a progress display, then prints a summary.
 *
 * @param file A log file (plain or gzip) or `-` for stdin.
 * @param options The parsed flags.
 * @param io Where to read and write.
 * @returns 0 when every valid event was delivered, else 1.
 * @throws CliUsageError for a missing file, a bad target or bad options (exit code 2).
 */
export async function shipCommand(file: string, options: ShipCommandOptions, io: CliIO): Promise<number> {
  const mode = options.mode === 'blocking' ? 'blocking' : 'batch';
  if (!isGroupVersion(options.groupVersion)) {
    throw new CliUsageError(
      `--group-version must be one of audit.k8s.io/v1, audit.k8s.io/v1beta1, audit.k8s.io/v1alpha1, got "${options.groupVersion}"`,
    );
  }
  const target = resolveTarget(options);
  const input = await openLogInput(file, io.stdin);

  const counts = { read: 0, invalid: 0, delivered: 0, failed: 0, retries: 0, bytes: 0 };
  let backend: AuditBackend | undefined;
  const progress = new ShipProgress(io.stderr, {
    totalBytes: input.size,
    enabled: options.progress,
    counts: progressCounts(
      counts,
      () => backend,
      () => input.bytesRead(),
    ),
  });

  try {
    backend = createWebhookBackend({
      mode,
      target,
      groupVersion: options.groupVersion,
      timeout: options.timeout,
      batch: {
        bufferSize: options.bufferSize,
        maxBatchSize: options.maxBatchSize,
        maxBatchWait: options.maxBatchWait,
      },
      retry: {
        initialDelay: options.retryInitialDelay,
        ...(options.retryAttempts === undefined ? {} : { attempts: options.retryAttempts }),
      },
      onError: (item) => progress.log(`rx-audit ship: not delivered: ${formatAuditPluginError(item)}`),
    });
  } catch (err) {
    progress.stop();
    throw new CliUsageError(oneLine(err));
  }

  const controller = new AbortController();
  const force = (): void => {
    progress.stop();
    process.exit(130);
  };
  const interrupt = (): void => {
    progress.log(
      'rx-audit ship: interrupted — stopped reading, draining what was accepted (again to quit now)',
    );
    controller.abort();
    io.signals.once('SIGINT', force);
    io.signals.once('SIGTERM', force);
  };
  io.signals.once('SIGINT', interrupt);
  io.signals.once('SIGTERM', interrupt);

  const started = Date.now();
  let result;
  try {
    result = await shipLines(readJsonLines(input.stream), {
      backend,
      mode,
      bufferSize: options.bufferSize,
      chunkSize: options.maxBatchSize,
      decode: decodeLogLine,
      signal: controller.signal,
      onInvalid: (lineNumber, message) => {
        if (counts.invalid < MAX_INVALID_REPORTED) {
          progress.log(`rx-audit ship: line ${lineNumber}: skipped: ${message.replace(/\s*\n\s*/g, '; ')}`);
        } else if (counts.invalid === MAX_INVALID_REPORTED) {
          progress.log(`rx-audit ship: more invalid lines: only counted from here on`);
        }
        counts.invalid++;
      },
      onProgress: ({ read }) => {
        counts.read = read;
      },
    });
  } catch (err) {
    progress.stop();
    io.stderr.write(`rx-audit ship: reading ${file === '-' ? 'stdin' : file} failed: ${oneLine(err)}\n`);
    return 1;
  } finally {
    io.signals.removeListener('SIGINT', interrupt);
    io.signals.removeListener('SIGTERM', interrupt);
    io.signals.removeListener('SIGINT', force);
    io.signals.removeListener('SIGTERM', force);
  }
  progress.stop();

  const stats = backend.stats();
  const failed = Object.entries(stats.failed).filter(([, n]) => n > 0);
  const failedTotal = failed.reduce((sum, [, n]) => sum + n, 0);
  const seconds = (Date.now() - started) / 1000;
  const source = file === '-' ? 'stdin' : basename(file);
  const destination =
    options.url === undefined ? `${redactUrl(target.url)} (kubeconfig)` : redactUrl(target.url);
  const lines = [
    `rx-audit ship: ${source}${input.gzipped() ? ' (gzip)' : ''} → ${destination}, ${mode} mode`,
    `  read:      ${result.read} events, ${result.invalid} invalid lines skipped${result.interrupted ? ' (interrupted)' : ''}`,
    `  delivered: ${stats.delivered} events in ${stats.batches} batches, ${stats.retries} retries, ${seconds.toFixed(2)} s` +
      ` (${Math.round(stats.delivered / Math.max(seconds, 0.001))} events/s)`,
    `  failed:    ${failedTotal} events${failed.length > 0 ? ` (${failed.map(([r, n]) => `${r} ${n}`).join(', ')})` : ''}`,
  ];
  const ok = !result.interrupted && failedTotal === 0 && stats.delivered === result.read;
  lines.push(
    ok
      ? `  result:    OK, every valid event was delivered`
      : `  result:    FAILED, not every valid event was delivered`,
  );
  io.stdout.write(`${lines.join('\n')}\n`);
  return ok ? 0 : 1;
}

function resolveTarget(options: ShipCommandOptions): WebhookTarget {
  if (options.url !== undefined && options.kubeconfig !== undefined) {
    throw new CliUsageError('ship takes --url or --kubeconfig, not both');
  }
  if (options.kubeconfig !== undefined) {
    try {
      return loadWebhookTarget(options.kubeconfig);
    } catch (err) {
      throw new CliUsageError(oneLine(err));
    }
  }
  if (options.url === undefined)
    throw new CliUsageError('ship needs a target: --url URL or --kubeconfig FILE');
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new CliUsageError(`--url is not a valid URL: ${redactUrl(options.url)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliUsageError(`--url must be http:// or https://, got ${url.protocol}`);
  }
  return { url: options.url };
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, '; ');
}
