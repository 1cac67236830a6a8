import type { ProgressStream } from './ShipProgress.js';
import { escapeControl } from './escapeControl.js';

/** `--log-format`: `text` for people, `json` (one object per line on stderr) for pods and log collectors. */
export type LogFormat = 'text' | 'json';

/** The log formats `--log-format` accepts. */
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

/** Fields of a JSON log line besides `time`, `level`, `command` and `msg`. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** Where a command's messages go. */
export interface CliLog {
  readonly format: LogFormat;
  /** A result or status line: stdout in text mode. */
  out(msg: string, fields?: LogFields): void;
  /** A notice or warning: stderr in text mode. */
  info(msg: string, fields?: LogFields): void;
  /** A problem: stderr in text mode. */
  warn(msg: string, fields?: LogFields): void;
}

/**
 * A command's log. Text mode writes `msg` as is (stdout for {@link CliLog.out}, stderr otherwise); JSON mode writes
 * every message as one JSON object per line on stderr: `{"time","level","command","msg",…fields}`. Either way
 * control characters in a message are escaped, so nothing from input can start a line of its own.
 *
 * @param format `text` or `json`.
 * @param command `serve`, `ship`.
 * @param streams stdout and stderr.
 * @returns The log.
 */
export function createCliLog(
  format: LogFormat,
  command: string,
  streams: { stdout: ProgressStream; stderr: ProgressStream },
): CliLog {
  const json = (level: string, msg: string, fields: LogFields = {}): void => {
    const record: Record<string, unknown> = { time: new Date().toISOString(), level, command, msg };
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) record[key] = value;
    // JSON.stringify escapes control characters, but not U+2028/U+2029: some readers split lines on those.
    streams.stderr.write(
      `${JSON.stringify(record).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)}\n`,
    );
  };
  const text = (stream: ProgressStream, msg: string): void => {
    stream.write(`${msg.split('\n').map(escapeControl).join('\n')}\n`);
  };
  if (format === 'json') {
    return {
      format,
      out: (msg, fields) => json('info', msg, fields),
      info: (msg, fields) => json('info', msg, fields),
      warn: (msg, fields) => json('warn', msg, fields),
    };
  }
  return {
    format,
    out: (msg) => text(streams.stdout, msg),
    info: (msg) => text(streams.stderr, msg),
    warn: (msg) => text(streams.stderr, msg),
  };
}
