import { basename, resolve as resolvePath } from 'node:path';
import { from, tap } from 'rxjs';
import type { AuditBackend } from '../contract/AuditBackend.js';
import { createWebhookBackend } from '../backends/createWebhookBackend.js';
import { formatAuditPluginError } from '../util/reportToStderr.js';
import type { AuditEvent } from '../events/Event.js';
import { decodeEvent } from '../events/decodeEvent.js';
import { decodeEventList } from '../events/decodeEventList.js';
import type { GroupVersion } from '../events/GroupVersion.js';
import { redactMessage } from '../util/redactMessage.js';
import type { JetStreamFlags } from '../nats/openJetStreamForCli.js';
import { openJetStreamSender, resolveJetStreamFlags } from '../nats/openJetStreamForCli.js';
import { createHttpSender } from '../transport/httpSender.js';
import { loadWebhookTarget } from '../transport/loadWebhookTarget.js';
import { redactUrl } from '../util/redactUrl.js';
import type { WebhookTarget } from '../contract/WebhookTarget.js';
import type { AuditSender } from '../contract/AuditSender.js';
import type { CliIO } from './CliIO.js';
import type { LogFormat } from './CliLog.js';
import { createCliLog } from './CliLog.js';
import { CliUsageError } from './CliUsageError.js';
import { escapeControl, printable } from './escapeControl.js';
import { findRotatedLog, rotationsAfter } from './findRotatedLog.js';
import { openLogInput } from './openLogInput.js';
import { plural } from './plural.js';
import { progressCounts } from './progressCounts.js';
import { readLogRecords } from './readLogRecords.js';
import type { CheckpointState } from './ShipCheckpoint.js';
import { CheckpointWriter, loadCheckpoint, matchesCheckpoint, ShipCheckpoint } from './ShipCheckpoint.js';
import { ShipProgress } from './ShipProgress.js';
import { shipLines } from './shipLines.js';
import { errorMessage } from '../util/toError.js';

/** Options of `rx-audit ship` (see `rx-audit ship --help` and docs/cli.md). */
export interface ShipCommandOptions extends JetStreamFlags {
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
  /** A batch is cut before its body would pass this many bytes. @default 10485760 */
  maxBatchBytes: number;
  /** A full buffer makes ship wait (`block`) or reports the rest as `queue-blocked` (`drop`). @default 'block' */
  whenFull: 'block' | 'drop';
  /** `gzip` compresses each POST body (`Content-Encoding: gzip`). @default 'none' */
  compression: 'none' | 'gzip';
  /** @default 'audit.k8s.io/v1' */
  groupVersion: GroupVersion;
  /** @default 30000 */
  timeout: number;
  /** @default 5 in batch mode, 1 in blocking mode */
  retryAttempts?: number;
  /** @default 10000 */
  retryInitialDelay: number;
  /** The longest line or JSON document, in bytes. @default 16777216 */
  maxLineBytes: number;
  /** Keep reading as the file grows, following rotation. @default false */
  follow: boolean;
  /** Record the position after the last ended event here; resume from it. */
  checkpoint?: string;
  /** After SIGTERM/SIGINT, the longest the drain may take, in ms. @default 10000 */
  drainTimeout: number;
  /** A durable spool folder (batch mode): accepted events survive a crash; see docs/spool.md. @default none */
  spool?: string;
  /** Show progress. @default true */
  progress: boolean;
  /** @default 'text' */
  logFormat: LogFormat;
}

/** At most this many invalid records are reported one by one; the rest are only counted. */
const MAX_INVALID_REPORTED = 100;
/** A failed attempt is printed (besides the progress's `last error`) at most this often. */
const ATTEMPT_LOG_INTERVAL_MS = 5000;

/**
 * Turns one parsed log record into events: an audit `Event` (any supported version), or an `EventList`'s items.
 *
 * @param value A parsed JSON line or document.
 * @returns The decoded v1 events.
 * @throws AuditDecodeError when the record is not a valid event or list.
 */
export function decodeLogLine(value: unknown): AuditEvent[] {
  const kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;
  return kind === 'EventList' ? decodeEventList(value) : [decodeEvent(value)];
}

/**
 * Runs `rx-audit ship <file|-> (--url URL | --kubeconfig FILE) …`: streams an audit log (JSON lines or JSON
 * documents) through a webhook backend with backpressure and a progress display, then prints a summary. With
 * `--follow` it keeps reading as the file grows and rotates; with `--checkpoint` it resumes where the last run's
 * ended events stop. SIGTERM/SIGINT stop reading at once and drain for at most `--drain-timeout`; a second
 * signal exits 130 at once.
 *
 * @param file A log file (plain or gzip) or `-` for stdin.
 * @param options The parsed flags.
 * @param io Where to read and write.
 * @returns 0 when every valid event was delivered, else 1.
 * @throws CliUsageError for a missing file, a bad target or bad options (exit code 2).
 */
export async function shipCommand(file: string, options: ShipCommandOptions, io: CliIO): Promise<number> {
  const mode = options.mode === 'blocking' ? 'blocking' : 'batch';
  const log = createCliLog(options.logFormat, 'ship', io);
  if (options.spool !== undefined && mode !== 'batch') {
    throw new CliUsageError(
      '--spool needs --mode batch (a blocking call waits for its POST: nothing to spool)',
    );
  }
  if (file === '-' && (options.follow || options.checkpoint !== undefined)) {
    throw new CliUsageError(`${options.follow ? '--follow' : '--checkpoint'} needs a file, not stdin`);
  }
  const jetStream = resolveJetStreamFlags(
    options,
    { '--url': options.url, '--kubeconfig': options.kubeconfig },
    (message) => new CliUsageError(message),
  );
  const target = jetStream === undefined ? resolveTarget(options) : undefined;
  const source = file === '-' ? 'stdin' : printable(basename(file), 200);

  let resume: CheckpointState | undefined;
  const saved = options.checkpoint === undefined ? undefined : await loadCheckpoint(options.checkpoint);
  const controller = new AbortController();
  // One listener for the whole run (from before the input is opened: a followed file may not exist yet), never
  // removed in between: while a signal has no listener its default action (exit) would apply, and a second
  // signal sent right after the first could kill the process unreported.
  const hooks = { interrupt: (): void => controller.abort(), force: (): void => process.exit(130) };
  let signalled = 0;
  const onSignal = (): void => {
    signalled++;
    if (signalled === 1) hooks.interrupt();
    else hooks.force();
  };
  io.signals.on('SIGINT', onSignal);
  io.signals.on('SIGTERM', onSignal);
  try {
    return await run();
  } finally {
    io.signals.removeListener('SIGINT', onSignal);
    io.signals.removeListener('SIGTERM', onSignal);
  }

  async function run(): Promise<number> {
    let input = await openLogInput(file, io.stdin, {
      follow: options.follow,
      signal: controller.signal,
      onWait: () => log.info(`rx-audit ship: waiting for ${source} to appear (--follow)`),
    });
    if (saved !== undefined && input.inode() !== undefined) {
      if (saved.inode !== undefined && saved.inode !== input.inode()) {
        // Rotated while ship was down: the rest of the checkpoint's file is in a sibling (audit.log.1, …).
        const checkpointFile = options.checkpoint ?? '';
        const rotated = input.gzipped()
          ? undefined
          : await findRotatedLog(file, { inode: saved.inode, dev: saved.dev }, [
              checkpointFile,
              `${checkpointFile}.tmp`,
            ]);
        if (rotated !== undefined && rotated.size >= saved.offset) {
          resume = saved;
          input = await openLogInput(file, io.stdin, {
            follow: options.follow,
            signal: controller.signal,
            rotated: { path: rotated.path, startOffset: saved.offset, inode: saved.inode },
          });
          log.info(
            `rx-audit ship: ${source} was rotated since the checkpoint: shipping the rest of ` +
              `${printable(basename(rotated.path), 200)} from byte ${saved.offset} (line ${saved.line}), then ${source} from the start`,
          );
          const between = await rotationsAfter(file, rotated, [checkpointFile, `${checkpointFile}.tmp`]);
          if (between.length > 0) {
            const shown = between.slice(0, 5).map((name) => printable(name, 200));
            log.warn(
              `rx-audit ship: warning: ${source} was rotated more than once since the checkpoint: ` +
                `${plural(between.length, 'later rotation')} (${shown.join(', ')}${between.length > 5 ? ', …' : ''}) ` +
                `${between.length === 1 ? 'is' : 'are'} not read, and what ${between.length === 1 ? 'it holds' : 'they hold'} is not shipped`,
            );
          }
        } else {
          // Once, naming files only: what the rotated file held after the checkpoint is lost, and ship says so.
          log.warn(
            `rx-audit ship: warning: ${source} is not the file --checkpoint ${printable(checkpointFile, 200)} ` +
              `was taken from (inode ${saved.inode}) and ` +
              (rotated === undefined
                ? 'no file beside it has that inode'
                : `${printable(basename(rotated.path), 200)}, which has it, is now shorter than the checkpoint`) +
              `: the rest of the rotated file could not be found and is not shipped; reading ${source} from the start`,
          );
        }
      } else if (!input.gzipped() && input.size !== undefined && saved.offset > input.size) {
        // (A gzip log's offset counts its text, not the compressed bytes `size` counts: it is not compared.)
        log.info(
          `rx-audit ship: ${source} is shorter than the checkpoint (truncated?): reading it from the start`,
        );
      } else if (!input.gzipped() && !(await matchesCheckpoint(file, saved))) {
        log.info(
          `rx-audit ship: ${source} does not hold what the checkpoint was taken after (truncated and written ` +
            `again?): reading it from the start`,
        );
      } else {
        resume = saved;
        input = await openLogInput(file, io.stdin, {
          follow: options.follow,
          signal: controller.signal,
          startOffset: saved.offset,
        });
        log.info(
          `rx-audit ship: resuming ${source} at byte ${saved.offset} (line ${saved.line}) from the checkpoint`,
        );
      }
    }

    const counts = { read: 0, invalid: 0, delivered: 0, failed: 0, retries: 0, bytes: 0 };
    let lastError: string | undefined;
    let backend: AuditBackend | undefined;
    const baseCounts = progressCounts(
      counts,
      () => backend,
      () => input.bytesRead(),
    );
    const progress = new ShipProgress(io.stderr, {
      totalBytes: input.size,
      enabled: options.progress && options.logFormat === 'text',
      counts: () => ({ ...baseCounts(), lastError }),
    });
    const warn = (line: string): void => {
      if (options.logFormat === 'text') progress.log(escapeControl(line));
      else log.warn(line);
    };

    const writer =
      options.checkpoint === undefined
        ? undefined
        : new CheckpointWriter(options.checkpoint, (code) =>
            warn(
              `rx-audit ship: warning: --checkpoint ${printable(options.checkpoint ?? '', 200)} cannot be written ` +
                `(${code}): a restart would read the log again`,
            ),
          );
    const checkpoint = writer === undefined ? undefined : new ShipCheckpoint((state) => writer.save(state));

    // The HTTP sender, wrapped: each failed attempt becomes the progress's "last error" (and a line now and then),
    // each delivered batch moves the checkpoint.
    let http: { send: AuditSender; close(): unknown };
    try {
      http =
        target === undefined
          ? await openJetStreamSender(jetStream!, options.timeout)
          : createHttpSender(target, { timeout: options.timeout, compression: options.compression });
    } catch (err) {
      progress.stop();
      throw new CliUsageError(oneLine(err));
    }
    let lastLogged = 0;
    let lastLoggedMessage = '';
    const sender: AuditSender = (batch, signal) =>
      from(http.send(batch, signal)).pipe(
        tap({
          complete: () => {
            lastError = undefined;
            checkpoint?.ended(batch.events, true);
          },
          error: (err: unknown) => {
            if (signal.aborted) return;
            lastError = redactMessage(errorMessage(err));
            const now = Date.now();
            if (lastError !== lastLoggedMessage || now - lastLogged >= ATTEMPT_LOG_INTERVAL_MS) {
              lastLogged = now;
              lastLoggedMessage = lastError;
              warn(`rx-audit ship: a POST of ${plural(batch.events.length, 'event')} failed: ${lastError}`);
            }
          },
        }),
      );

    try {
      backend = createWebhookBackend({
        mode,
        sender,
        groupVersion: options.groupVersion,
        timeout: options.timeout,
        batch: {
          bufferSize: options.bufferSize,
          maxBatchSize: options.maxBatchSize,
          maxBatchWait: options.maxBatchWait,
          maxBatchBytes: options.maxBatchBytes,
          whenFull: options.whenFull,
        },
        ...(options.spool === undefined ? {} : { spool: { dir: options.spool } }),
        retry: {
          initialDelay: options.retryInitialDelay,
          ...(options.retryAttempts === undefined ? {} : { attempts: options.retryAttempts }),
        },
        onError: (item) => {
          checkpoint?.ended(item.events, false);
          warn(`rx-audit ship: not delivered: ${formatAuditPluginError(item)}`);
        },
      });
    } catch (err) {
      progress.stop();
      void http.close();
      throw new CliUsageError(oneLine(err));
    }

    const force = (): void => {
      progress.stop();
      const stats = backend?.stats();
      io.stderr.write(
        `rx-audit ship: interrupted again — exiting now: ${plural(counts.read, 'event')} read, ` +
          `${stats?.delivered ?? 0} delivered, ${(stats?.queued ?? 0) + (stats?.inFlight ?? 0)} not yet delivered\n`,
      );
      process.exit(130);
    };
    const interrupt = (): void => {
      checkpoint?.freeze();
      controller.abort();
      warn(
        `rx-audit ship: interrupted — stopped reading, draining what was accepted for at most ` +
          `${options.drainTimeout / 1000} s (again to quit now)`,
      );
    };
    hooks.interrupt = interrupt;
    hooks.force = force;
    if (controller.signal.aborted) interrupt();

    const started = Date.now();
    let result;
    try {
      result = await shipLines(
        readLogRecords(input.chunks, {
          maxRecordBytes: options.maxLineBytes,
          ...(resume === undefined ? {} : { resume }),
          inode: () => input.inode(),
          device: () => input.device(),
        }),
        {
          backend,
          mode,
          bufferSize: options.bufferSize,
          chunkSize: options.maxBatchSize,
          maxBatchWait: options.maxBatchWait,
          decode: decodeLogLine,
          signal: controller.signal,
          drainTimeout: options.drainTimeout,
          ...(checkpoint === undefined
            ? {}
            : { onRecord: (record, events) => checkpoint.record(record, events) }),
          onInvalid: (lineNumber, message) => {
            if (counts.invalid < MAX_INVALID_REPORTED) {
              warn(`rx-audit ship: line ${lineNumber}: skipped: ${message.replace(/\s*\n\s*/g, '; ')}`);
            } else if (counts.invalid === MAX_INVALID_REPORTED) {
              warn(`rx-audit ship: more invalid records: only counted from here on`);
            }
            counts.invalid++;
          },
          onProgress: ({ read }) => {
            counts.read = read;
          },
        },
      );
    } catch (err) {
      progress.stop();
      log.warn(`rx-audit ship: reading ${source} failed: ${oneLine(err)}`);
      return 1;
    } finally {
      // Not awaited: a JetStream connection drains in the background (what was acked is stored already).
      void http.close();
      await writer?.flush();
    }
    progress.stop();

    const stats = backend.stats();
    const failed = Object.entries(stats.failed).filter(([, n]) => n > 0);
    const failedTotal = failed.reduce((sum, [, n]) => sum + n, 0);
    const seconds = (Date.now() - started) / 1000;
    const destination =
      target === undefined
        ? jetStream!.description
        : options.url === undefined
          ? `${redactUrl(target.url)} (kubeconfig)`
          : redactUrl(target.url);
    // A run resumed from a checkpoint that finds nothing after it (a cron job between two writes) is fine.
    const nothingNew = resume !== undefined && result.read === 0 && result.invalid === 0;
    const noEvents = result.read === 0 && !result.interrupted && !options.follow && !nothingNew;
    // Interrupted (SIGTERM in a pod) is fine as long as everything read was delivered.
    // With --spool, delivered also counts what an earlier run left in the spool; what is still spooled is not delivered.
    const allDelivered =
      stats.spooledEvents === undefined
        ? stats.delivered === result.read
        : stats.spooledEvents === 0 && stats.delivered >= result.read;
    const checkpointLost = writer?.error !== undefined;
    const ok = !noEvents && failedTotal === 0 && allDelivered && !checkpointLost;
    const lines = [
      `rx-audit ship: ${source}${input.gzipped() ? ' (gzip)' : ''} → ${destination}, ${mode} mode`,
      `  read:      ${plural(result.read, 'event')}, ${plural(result.invalid, 'invalid line')} skipped${result.interrupted ? ' (interrupted)' : ''}`,
      `  delivered: ${plural(stats.delivered, 'event')} in ${plural(stats.batches, 'batch')}, ${plural(stats.retries, 'retry', 'retries')}, ${seconds.toFixed(2)} s` +
        ` (${Math.round(stats.delivered / Math.max(seconds, 0.001))} events/s)`,
      `  failed:    ${plural(failedTotal, 'event')}${failed.length > 0 ? ` (${failed.map(([r, n]) => `${r} ${n}`).join(', ')})` : ''}`,
    ];
    if (stats.spooledEvents !== undefined && stats.spooledEvents > 0) {
      lines.push(
        `  spooled:   ${plural(stats.spooledEvents, 'event')} left in ${printable(options.spool ?? '', 200)} (the next run sends them first)`,
      );
    }
    if (checkpoint !== undefined) {
      const at = checkpoint.state;
      lines.push(
        `  checkpoint: ${at === undefined ? 'unchanged' : `byte ${at.offset} (line ${at.line})`}` +
          (writer?.error === undefined ? '' : ` — NOT SAVED: ${writer.error}`),
      );
    }
    lines.push(
      ok
        ? `  result:    OK, ${nothingNew ? 'nothing new since the checkpoint' : 'every valid event was delivered'}`
        : noEvents
          ? `  result:    FAILED, no valid audit event in ${source}${result.invalid > 0 ? ` (${plural(result.invalid, 'invalid line')})` : ''}`
          : checkpointLost && failedTotal === 0 && allDelivered
            ? `  result:    FAILED, every valid event was delivered but the checkpoint was not saved`
            : `  result:    FAILED, not every valid event was delivered`,
    );
    log.out(lines.join('\n'), {
      read: result.read,
      invalid: result.invalid,
      delivered: stats.delivered,
      failed: failedTotal,
      batches: stats.batches,
      retries: stats.retries,
      interrupted: result.interrupted,
      ok,
    });
    return ok ? 0 : 1;
  }
}

function resolveTarget(options: ShipCommandOptions): WebhookTarget {
  if (options.url !== undefined && options.kubeconfig !== undefined) {
    throw new CliUsageError('ship takes --url or --kubeconfig, not both');
  }
  if (options.kubeconfig !== undefined) {
    try {
      return loadWebhookTarget(resolvePath(options.kubeconfig));
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
  return errorMessage(err).replace(/\s*\n\s*/g, '; ');
}
