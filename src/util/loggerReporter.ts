// The `logger` option's adapter: errors$ items to a pino-, bunyan-, winston-, Nest- or console-style logger.
import type { AuditErrorReason, AuditPluginError } from '../contract/AuditBackend.js';
import { formatAuditPluginError, messageOf } from './reportToStderr.js';
import { showAuditIDs } from './showAuditIDs.js';
import { showValue } from '../events/showValue.js';

/**
 * A logger with `warn` and `error` methods: `console`, pino, bunyan, winston, NestJS's `Logger`, … rx-audit
 * calls one of the two once per `errors$` item.
 */
export interface AuditLogger {
  warn(...args: unknown[]): unknown;
  error(...args: unknown[]): unknown;
}

/**
 * How the arguments are passed: `'fields-first'` is pino's and bunyan's `logger.warn(fields, message)`;
 * `'message-first'` is `console`'s, winston's and Nest's `logger.warn(message, fields)`.
 */
export type LoggerArgumentOrder = 'fields-first' | 'message-first';

/** Options of {@link loggerReporter}. */
export interface LoggerReporterOptions {
  /**
   * Argument order. By default `'fields-first'` for a pino logger (it has `bindings()` and `child()`) or a
   * bunyan logger (it has a `streams` array), else `'message-first'`.
   * @default detected from the logger
   */
  argumentOrder?: LoggerArgumentOrder;
}

/** The structured fields logged with each report: a summary, never an event's content. */
export interface AuditLogFields {
  /** The plugin that failed (`webhook`, `buffered`, …). */
  readonly plugin: string;
  /** Why the events were not delivered. */
  readonly reason: AuditErrorReason;
  /** How many events the report covers. */
  readonly count: number;
  /** The first 10 audit IDs, each at most 64 characters, control characters escaped. */
  readonly auditIDs: string[];
  /** The error message, redacted: no URL credentials or query, no payload, at most 200 characters. */
  readonly error: string;
}

/** Reasons that mean the backend shed load or was shutting down: the caller was told (`false`). */
const WARN_REASONS: ReadonlySet<AuditErrorReason> = new Set<AuditErrorReason>(['queue-blocked', 'shut-down']);

/** The fields {@link loggerReporter} logs for one report. */
export function auditLogFields(item: AuditPluginError): AuditLogFields {
  return {
    plugin: item.plugin,
    reason: item.reason,
    count: item.events.length,
    auditIDs: showAuditIDs(item.events),
    error: messageOf(item),
  };
}

function detectOrder(logger: AuditLogger): LoggerArgumentOrder {
  const l = logger as unknown as Record<string, unknown>;
  const pino = typeof l['bindings'] === 'function' && typeof l['child'] === 'function';
  const bunyan = Array.isArray(l['streams']) && typeof l['child'] === 'function';
  return pino || bunyan ? 'fields-first' : 'message-first';
}

/**
 * An `onError` handler that logs each `errors$` item on `logger`: `logger.warn` for `queue-blocked` and
 * `shut-down` (load shed or shutdown; the caller's `processEvents` resolved `false`), `logger.error` for
 * `send-failed`, `too-large` and `invalid`. The message is {@link formatAuditPluginError}'s one line; the
 * fields ({@link AuditLogFields}) are plugin, reason, count, the first 10 audit IDs and the redacted error
 * message — never an event's body, a request or response object, or a credential. Not rate-limited: the
 * logger's own settings apply.
 *
 * ## Example
 *
 * ```ts
 * import pino from 'pino';
 * import { createLogBackend, loggerReporter } from 'rx-audit';
 *
 * const backend = createLogBackend(process.stdout, { onError: loggerReporter(pino()) });
 * // {"level":50,"plugin":"log","reason":"send-failed","count":3,"auditIDs":["a1","b2","c3"],"error":"…","msg":"audit plugin=log …"}
 * ```
 *
 * @param logger A logger with `warn` and `error` methods.
 * @param options The argument order, when detection does not fit.
 * @returns A handler for `onError`.
 * @throws TypeError when `logger` has no `warn` or `error` method, e.g. `logger must be an object with warn
 * and error methods, got a string`.
 */
export function loggerReporter(
  logger: AuditLogger,
  options: LoggerReporterOptions = {},
): (error: AuditPluginError) => void {
  const l = logger as unknown as Record<string, unknown> | null | undefined;
  if (
    (typeof l !== 'object' && typeof l !== 'function') ||
    l === null ||
    typeof l['warn'] !== 'function' ||
    typeof l['error'] !== 'function'
  ) {
    throw new TypeError(`logger must be an object with warn and error methods, got ${showValue(logger)}`);
  }
  const order = options.argumentOrder ?? detectOrder(logger);
  if (order !== 'fields-first' && order !== 'message-first') {
    throw new TypeError(
      `argumentOrder must be one of fields-first|message-first, got ${showValue(order as unknown)}`,
    );
  }
  return (item) => {
    const fields = auditLogFields(item);
    const message = formatAuditPluginError(item);
    const log = WARN_REASONS.has(item.reason) ? 'warn' : 'error';
    // Called as a method: pino, winston and Nest's Logger need `this`.
    if (order === 'fields-first') logger[log](fields, message);
    else logger[log](message, fields);
  };
}
