// The default error line of every backend. It lives here, below the backends, so the delivery engine can use
// it; `src/index.ts` exports it as public API.
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { AuditPluginError } from '../contract/AuditBackend.js';
import { redactMessage } from './redactMessage.js';
import { MAX_IDS, escapeField, showAuditIDs } from './showAuditIDs.js';
import { fail } from './validateOptions.js';

/** The start of every line about `item`: its plugin and reason, escaped. */
function linePrefix(item: AuditPluginError): string {
  return `audit plugin=${escapeField(String(item.plugin))} reason=${escapeField(String(item.reason))}`;
}

/**
 * The error's message as a report quotes it (the stderr line, the logger fields): redacted, one line, at
 * most 200 characters.
 */
export function messageOf(item: AuditPluginError): string {
  return redactMessage(String(item.error?.message ?? item.error));
}

/**
 * Formats one `errors$` item as a single line: plugin, reason, event count, the first 10 audit IDs and the
 * error message. Never includes request/response bodies or credentials: the message is cut to 200
 * characters, every URL in it loses its user info, query string and fragment, tokens and secret-looking
 * header values are redacted, and anything from the first quoted JSON object on is replaced by `{…}` — a
 * custom sender's message is treated as untrusted. Audit IDs and the plugin name are escaped (`\u000a`), so
 * a line never contains a control character from an event.
 *
 * ## Example
 *
 * ```ts
 * import { formatAuditPluginError } from 'rx-audit';
 *
 * backend.errors$.subscribe((e) => logger.warn(formatAuditPluginError(e)));
 * // audit plugin=webhook reason=send-failed events=3 ids=a1,b2,c3 error="HTTP 503 Service Unavailable"
 * ```
 *
 * @param item The reported failure.
 * @returns One line without a trailing newline.
 */
export function formatAuditPluginError(item: AuditPluginError): string {
  const ids = showAuditIDs(item.events);
  const more = item.events.length > MAX_IDS ? ',…' : '';
  return (
    linePrefix(item) +
    ` events=${item.events.length} ids=${ids.join(',')}${more} error=${JSON.stringify(messageOf(item))}`
  );
}

/** Options for {@link createStderrReporter}. */
export interface StderrReporterOptions {
  /** Where time comes from: the window's clock and the timer that writes the suppression summary. @default asyncScheduler */
  scheduler?: SchedulerLike;
  /** Lines per `(plugin, reason)` at most once per this many milliseconds. @default 1000 */
  intervalMs?: number;
  /** Writes one line (with its newline). @default process.stderr.write */
  write?: (line: string) => void;
}

/** One `(plugin, reason)`'s window: when its last line was written and what was held back since. */
interface Window {
  start: number;
  reports: number;
  events: number;
  lastMessage: string;
  timer: Subscription | undefined;
}

/**
 * Creates an `onError` handler that writes {@link formatAuditPluginError}'s line, at most one line per
 * `(plugin, reason)` per `intervalMs`: a report inside the window is held back, and when the window ends a
 * line says how many reports and events were suppressed (`audit plugin=webhook reason=send-failed
 * suppressed=12 events=340 last-error="…"`) — that line opens the next window. A flood thus prints one line
 * per interval and kind of failure, and no report goes uncounted. A timer runs only while something is held
 * back.
 *
 * ## Example
 *
 * ```ts
 * import { createStderrReporter, createWebhookBackend } from 'rx-audit';
 *
 * const backend = createWebhookBackend({ mode: 'batch', target, onError: createStderrReporter({ intervalMs: 5000 }) });
 * ```
 *
 * @param options The scheduler, the interval and the writer.
 * @returns A handler for `onError`.
 */
export function createStderrReporter(options: StderrReporterOptions = {}): (item: AuditPluginError) => void {
  const scheduler = options.scheduler ?? asyncScheduler;
  const intervalMs = options.intervalMs ?? 1000;
  if (typeof intervalMs !== 'number' || !(intervalMs >= 0) || !Number.isFinite(intervalMs)) {
    fail('intervalMs', 'a non-negative number of milliseconds', intervalMs);
  }
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  // Keyed by plugin and reason; a Map, so that a plugin named `constructor` is just a name. It holds one
  // entry per kind of failure seen, a small set.
  const windows = new Map<string, Window>();

  const summarize = (window: Window, prefix: string) => {
    window.timer = undefined;
    const line =
      `${prefix} suppressed=${window.reports} events=${window.events}` +
      ` last-error=${JSON.stringify(window.lastMessage)}`;
    // The summary is this window's line: the next one starts now.
    window.start = scheduler.now();
    window.reports = 0;
    window.events = 0;
    window.lastMessage = '';
    write(`${line}\n`);
  };

  return (item) => {
    const prefix = linePrefix(item);
    const key = `${String(item.plugin)}\u0000${String(item.reason)}`;
    const now = scheduler.now();
    const window = windows.get(key);
    // Held back inside the window, and also while a summary is due (it must come first).
    if (window !== undefined && (now < window.start + intervalMs || window.timer !== undefined)) {
      window.reports++;
      window.events += item.events.length;
      window.lastMessage = messageOf(item);
      window.timer ??= scheduler.schedule(
        () => summarize(window, prefix),
        Math.max(0, window.start + intervalMs - now),
      );
      return;
    }
    if (window === undefined)
      windows.set(key, { start: now, reports: 0, events: 0, lastMessage: '', timer: undefined });
    else window.start = now;
    write(`${formatAuditPluginError(item)}\n`);
  };
}

let defaultReporter: ((item: AuditPluginError) => void) | undefined;

/**
 * The default `onError` of rx-audit's backends: writes {@link formatAuditPluginError}'s line to stderr, at
 * most one line per `(plugin, reason)` per second for the whole process; what is held back is counted on a
 * `suppressed=…` line when the second ends (see {@link createStderrReporter}).
 *
 * ## Example
 *
 * ```ts
 * import { createWebhookBackend, reportToStderr } from 'rx-audit';
 *
 * createWebhookBackend({ mode: 'batch', target, onError: (e) => { metrics.inc(e.reason); reportToStderr(e); } });
 * ```
 *
 * @param item The reported failure.
 */
export function reportToStderr(item: AuditPluginError): void {
  defaultReporter ??= createStderrReporter();
  defaultReporter(item);
}
