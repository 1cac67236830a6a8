import { goJson } from '../events/goJson.js';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { Subject, asyncScheduler, timer } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import type { AuditEvent } from '../events/Event.js';
import { encodeEvent } from '../events/encodeEvent.js';
import { assertGroupVersion } from '../events/GroupVersion.js';
import type { GroupVersion } from '../events/GroupVersion.js';
import { emptyStats } from '../contract/AuditBackend.js';
import { WEBHOOK_DEFAULTS } from '../contract/options.js';
import type { AuditBackend, AuditPluginError, AuditStats, DeliveryReport } from '../contract/AuditBackend.js';
import { formatLegacyEvent } from './formatLegacyEvent.js';
import { showValue } from '../events/showValue.js';
import type { AuditLogger } from '../util/loggerReporter.js';
import { PluginReports } from '../util/PluginReports.js';
import { routeFailure } from '../util/routeFailure.js';
import { shutdownOnce } from '../util/shutdownOnce.js';
import { errorMessage } from '../util/toError.js';

/** The line formats of {@link createLogBackend}, as the apiserver's `--audit-log-format`. */
export const LOG_FORMATS = ['legacy', 'json'] as const;
/** One of {@link LOG_FORMATS}. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Options of {@link createLogBackend}. */
export interface LogBackendOptions {
  /**
   * `json`: one event per line, encoded in `groupVersion` with `kind` and `apiVersion`, exactly as the
   * apiserver writes its audit log. `legacy`: the apiserver's one-line text format (see `formatLegacyEvent`).
   * @default 'json'
   */
  format?: LogFormat;
  /**
   * The group version of `json` lines.
   * @default 'audit.k8s.io/v1'
   */
  groupVersion?: GroupVersion;
  /**
   * Clock for `deliveries$` durations and the `shutdown` timeout.
   * @default asyncScheduler
   */
  scheduler?: SchedulerLike;
  /**
   * Receives every report of this backend, besides `errors$`.
   * @default none (one stderr line per report, see `reportToStderr`)
   */
  onError?: (error: AuditPluginError) => void;
  /** A pino- or console-style logger for the reports instead of `onError` (see `loggerReporter`). @default none */
  logger?: AuditLogger;
}

/** The defaults of {@link LogBackendOptions} (where reports go by default is `routeFailure`'s: stderr). */
export const LOG_DEFAULTS: Readonly<Required<Omit<LogBackendOptions, 'onError' | 'logger'>>> = Object.freeze({
  format: 'json',
  groupVersion: WEBHOOK_DEFAULTS.groupVersion,
  scheduler: asyncScheduler,
});

const PLUGIN = 'log';

interface Chunk {
  readonly text: string;
  readonly events: AuditEvent[];
  readonly done: (ok: boolean) => void;
}

/**
 * Creates a backend that writes audit events as lines to a stream or a file, like the apiserver's `log`
 * backend (`--audit-log-path`, `--audit-log-format`).
 *
 * Each `processEvents` call is written as one chunk of lines, in call order. Node's stream backpressure is
 * respected: when `write()` returns `false`, later chunks wait in this backend until `'drain'`. The promise
 * resolves once the chunk's write completed — `true` on success, `false` on a write error, which is also
 * reported on `errors$` and to `onError` (plugin `log`, reason `send-failed`, one report per chunk; by default
 * one stderr line); nothing is thrown. An
 * event that cannot be encoded is reported as `invalid` and skipped. After `shutdown()` began, events are
 * reported as `shut-down` (`audit log shut down`).
 *
 * Given a path, the file is opened for appending (mode `0600`, created if missing; the folder must
 * exist), and `shutdown()` flushes and closes it. `'-'` means standard output. A stream passed in is never
 * ended: `shutdown()` only waits until everything accepted was written. `run()` does nothing: lines are
 * written as soon as they arrive, as upstream.
 *
 * ## Example
 * ```ts
 * import { createLogBackend } from 'rx-audit';
 *
 * const log = createLogBackend('/var/log/kube-audit.log', { format: 'json' });
 * await log.processEvents(event);
 * await log.shutdown(); // closes the file
 * ```
 *
 * @param out A writable stream, or the path of a file to append to (`'-'` for stdout).
 * @param options Format and group version; see {@link LogBackendOptions}.
 * @returns A backend named `log`.
 */
export function createLogBackend(out: Writable | string, options: LogBackendOptions = {}): AuditBackend {
  const { format, groupVersion, scheduler } = validate(options);
  const reports = new PluginReports(PLUGIN, routeFailure(options.onError, options.logger, `${PLUGIN}.`));
  const owned = typeof out === 'string' && out !== '-';
  const stream: Writable =
    typeof out !== 'string'
      ? out
      : out === '-'
        ? process.stdout
        : createWriteStream(out, { flags: 'a', mode: 0o600 });

  const deliveries$ = new Subject<DeliveryReport>();
  const { failed: _failed, ...stats } = emptyStats();
  const { report } = reports;

  const waiting: Chunk[] = [];
  let writing = 0; // chunks handed to the stream whose callback has not run yet
  let awaitingDrain = false;
  let lastError: Error | undefined;
  let idleWaiters: (() => void)[] = [];

  const notifyIdle = (): void => {
    if (waiting.length > 0 || writing > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };
  const idle = (): Promise<void> =>
    waiting.length === 0 && writing === 0
      ? Promise.resolve()
      : new Promise((resolve) => idleWaiters.push(resolve));

  /** Fails every chunk still waiting for `'drain'` (the stream broke or closed and will never drain). */
  const failWaiting = (error: Error): void => {
    for (const chunk of waiting.splice(0)) {
      stats.queued -= chunk.events.length;
      stats.batches += 1;
      report('send-failed', error, chunk.events);
      deliveries$.next({ events: chunk.events.length, ok: false, attempts: 1, durationMs: 0 });
      chunk.done(false);
    }
    notifyIdle();
  };

  const onStreamError = (err: Error): void => {
    lastError = err;
    if (awaitingDrain) {
      awaitingDrain = false;
      failWaiting(writeError(err));
    }
  };
  const onClose = (): void => {
    if (awaitingDrain) {
      awaitingDrain = false;
      failWaiting(writeError(lastError ?? new Error('stream closed')));
    }
  };
  const onDrain = (): void => {
    awaitingDrain = false;
    pump();
  };
  stream.on('error', onStreamError);
  stream.on('close', onClose);
  stream.on('drain', onDrain);

  // The chunks handed to the stream whose write has not called back: ended by the callback, or at the deadline.
  const inWrite = new Set<(err: Error, asIs: boolean) => void>();

  function pump(): void {
    while (!awaitingDrain && waiting.length > 0) {
      const chunk = waiting.shift() as Chunk;
      const n = chunk.events.length;
      stats.queued -= n;
      stats.inFlight += n;
      writing += 1;
      const start = scheduler.now();
      let ended = false;
      const finish = (err: Error | null | undefined, asIs = false): void => {
        if (ended) return; // a callback after the deadline ended it
        ended = true;
        inWrite.delete(finish);
        stats.inFlight -= n;
        stats.batches += 1;
        writing -= 1;
        const ok = err === null || err === undefined;
        if (ok) stats.delivered += n;
        else report('send-failed', asIs ? err : writeError(err), chunk.events);
        deliveries$.next({ events: n, ok, attempts: 1, durationMs: scheduler.now() - start });
        chunk.done(ok);
        notifyIdle();
      };
      if (stream.destroyed || stream.writableEnded) {
        finish(lastError ?? new Error('stream is closed'));
        continue;
      }
      inWrite.add(finish);
      if (!stream.write(chunk.text, finish)) awaitingDrain = true;
    }
  }

  const encode = (event: AuditEvent): string =>
    format === 'legacy' ? formatLegacyEvent(event) : goJson(encodeEvent(event, groupVersion));

  const once = shutdownOnce(async (timeout) => {
    let timedOut = false;
    if (timeout === undefined) {
      await idle();
    } else {
      await new Promise<void>((resolve) => {
        const sub = timer(timeout, scheduler).subscribe(() => {
          timedOut = true;
          resolve();
        });
        void idle().then(() => {
          sub.unsubscribe();
          resolve();
        });
      });
    }
    if (timedOut) {
      // Whatever is not written at the deadline is reported: what never reached the stream, and the chunks whose
      // write has not called back (a stream may never call back; a late callback is ignored).
      awaitingDrain = false;
      const late = new Error('audit log shutdown timed out');
      for (const end of [...inWrite]) end(late, true);
      failWaiting(late);
    }
    if (owned) {
      await closeStream(stream, timedOut);
    }
    stream.off('drain', onDrain);
    stream.off('close', onClose);
    // Keep listening for errors on a file we own (it is ours to the end); a caller's stream goes back to
    // its owner's error handling.
    if (!owned) stream.off('error', onStreamError);
  });

  return {
    name: PLUGIN,
    errors$: reports.errors$.asObservable(),
    deliveries$: deliveries$.asObservable(),

    run(): void {
      // Nothing to start: lines are written as they come, as upstream's log backend does.
    },

    processEvents(...events: AuditEvent[]): Promise<boolean> {
      if (events.length === 0) return Promise.resolve(true);
      if (once.started()) {
        report('shut-down', new Error('audit log shut down'), events);
        return Promise.resolve(false);
      }
      const lines: string[] = [];
      const written: AuditEvent[] = [];
      const invalid: AuditEvent[] = [];
      let cause = '';
      for (const event of events) {
        try {
          lines.push(encode(event) + '\n');
          written.push(event);
        } catch (err) {
          cause ||= errorMessage(err);
          invalid.push(event);
        }
      }
      if (invalid.length > 0) report('invalid', new Error(`event could not be encoded: ${cause}`), invalid);
      if (written.length === 0) return Promise.resolve(false);
      stats.accepted += written.length;
      stats.queued += written.length;
      return new Promise<boolean>((resolve) => {
        waiting.push({
          text: lines.join(''),
          events: written,
          done: (ok) => resolve(ok && invalid.length === 0),
        });
        pump();
      });
    },

    flush: idle,

    shutdown: (opts) => once.shutdown(opts),

    stats: (): AuditStats => ({ ...stats, failed: { ...reports.failed } }),
  };
}

/** Ends (or, after a timeout, destroys) a stream and waits until it is closed. Never rejects. */
function closeStream(stream: Writable, force: boolean): Promise<void> {
  if (stream.closed || stream.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    stream.once('close', () => resolve());
    if (force) stream.destroy();
    else stream.end();
  });
}

function writeError(err: Error): Error {
  return new Error(`audit log write failed: ${err.message}`, { cause: err });
}

function validate(options: LogBackendOptions): Required<Omit<LogBackendOptions, 'onError' | 'logger'>> {
  const opts: Required<Omit<LogBackendOptions, 'onError' | 'logger'>> = { ...LOG_DEFAULTS };
  if (options.format !== undefined) {
    if (!(LOG_FORMATS as readonly string[]).includes(options.format)) {
      throw new TypeError(
        `log format ${showValue(options.format)} is not in list of known formats (${LOG_FORMATS.join(',')})`,
      );
    }
    opts.format = options.format;
  }
  if (options.groupVersion !== undefined) {
    assertGroupVersion(options.groupVersion, `${PLUGIN}.groupVersion`);
    opts.groupVersion = options.groupVersion;
  }
  if (options.scheduler !== undefined) opts.scheduler = options.scheduler;
  return opts;
}
