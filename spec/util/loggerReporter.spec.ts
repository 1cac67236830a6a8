import { Console } from 'node:console';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { AuditPluginError } from '../../src/contract/AuditBackend.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import type { AuditLogger } from '../../src/util/loggerReporter.js';
import { auditLogFields, loggerReporter } from '../../src/util/loggerReporter.js';
import { formatAuditPluginError } from '../../src/util/reportToStderr.js';
import { WebhookError } from '../../src/transport/WebhookError.js';
import { auditEvent, auditEvents } from '../helpers/fixtures.js';

/** A stream that keeps what is written to it. */
function sink() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join(''), lines: () => chunks.join('').split('\n').filter(Boolean) };
}

/** A real pino logger writing JSON lines into a sink. */
function pinoLogger() {
  const out = sink();
  const logger = pino({ base: null, timestamp: false }, out.stream);
  return { logger, records: () => out.lines().map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const SECRET_EVENT = auditEvent('a1', {
  level: 'RequestResponse',
  requestObject: { kind: 'Secret', data: { password: 'hunter2' } },
});

function report(overrides: Partial<AuditPluginError> = {}): AuditPluginError {
  return {
    plugin: 'webhook',
    reason: 'send-failed',
    error: new Error(
      'HTTP 503 from https://user:pw@hook.example/audit?token=abc123 body {"password":"hunter2"}',
    ),
    events: [SECRET_EVENT, auditEvent('b2'), auditEvent('c3')],
    ...overrides,
  };
}

describe('loggerReporter', () => {
  it('logs a failed send on a real pino logger at level error, with structured fields and the one-line message', () => {
    const { logger, records } = pinoLogger();
    const item = report();
    loggerReporter(logger)(item);
    expect(records()).toEqual([
      {
        level: 50,
        plugin: 'webhook',
        reason: 'send-failed',
        count: 3,
        auditIDs: ['a1', 'b2', 'c3'],
        error: 'HTTP 503 from https://hook.example/audit body {…}',
        msg: formatAuditPluginError(item),
      },
    ]);
  });

  it('logs queue-blocked and shut-down at level warn, too-large and invalid at level error', () => {
    const { logger, records } = pinoLogger();
    const log = loggerReporter(logger);
    for (const reason of ['queue-blocked', 'shut-down', 'too-large', 'invalid', 'send-failed'] as const) {
      log(report({ reason }));
    }
    expect(records().map((r) => [r['reason'], r['level']])).toEqual([
      ['queue-blocked', 40],
      ['shut-down', 40],
      ['too-large', 50],
      ['invalid', 50],
      ['send-failed', 50],
    ]);
  });

  it('never logs an event body, a credential or a query string', () => {
    const out = sink();
    const pinoOut = pino({ base: null }, out.stream);
    loggerReporter(pinoOut)(report());
    const consoleOut = sink();
    loggerReporter(new Console({ stdout: consoleOut.stream, stderr: consoleOut.stream }))(report());
    for (const text of [out.text(), consoleOut.text()]) {
      expect(text).toContain('a1');
      for (const secret of ['hunter2', 'password', 'abc123', 'user:pw', 'Secret', 'requestObject']) {
        expect(text).not.toContain(secret);
      }
    }
  });

  it('passes the message first to a console-style logger (a real node:console Console)', () => {
    const out = sink();
    const err = sink();
    const item = report({ reason: 'queue-blocked', error: new Error('audit webhook queue blocked') });
    loggerReporter(new Console({ stdout: out.stream, stderr: err.stream }))(item);
    expect(out.text()).toBe('');
    const [first, ...rest] = err.text().split('\n');
    expect(first).toBe(`${formatAuditPluginError(item)} {`);
    expect(rest.join('\n')).toContain("plugin: 'webhook'");
    expect(rest.join('\n')).toContain("auditIDs: [ 'a1', 'b2', 'c3' ]");
  });

  it('keeps the fields bounded: 10 audit IDs at most, each escaped and cut to 64 characters', () => {
    const events = auditEvents(25);
    events[0] = auditEvent('evil\n\u001b[31mred\u2028');
    events[1] = auditEvent('x'.repeat(10_000));
    const fields = auditLogFields(report({ events, error: new Error('e'.repeat(5_000)) }));
    expect(fields.count).toBe(25);
    expect(fields.auditIDs).toHaveLength(10);
    expect(fields.auditIDs[0]).toBe('evil\\u000a\\u001b[31mred\\u2028');
    expect(fields.auditIDs[1]).toBe(`${'x'.repeat(63)}…`);
    expect(fields.auditIDs.slice(2)).toEqual(['e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9']);
    expect(fields.error.length).toBeLessThanOrEqual(200);
  });

  it('shows a missing or non-string audit ID as ?', () => {
    const events = [{ level: 'Metadata' }, { auditID: 42 }] as unknown as AuditPluginError['events'];
    expect(auditLogFields(report({ events })).auditIDs).toEqual(['?', '?']);
  });

  it('takes an explicit argument order over the detected one', () => {
    const calls: unknown[][] = [];
    const logger: AuditLogger = {
      warn: (...args: unknown[]) => calls.push(args),
      error: (...args: unknown[]) => calls.push(args),
    };
    const item = report();
    loggerReporter(logger)(item);
    loggerReporter(logger, { argumentOrder: 'fields-first' })(item);
    expect(calls).toEqual([
      [formatAuditPluginError(item), auditLogFields(item)],
      [auditLogFields(item), formatAuditPluginError(item)],
    ]);
  });

  it('calls the logger as a method (loggers that need `this` work)', () => {
    const seen: string[] = [];
    class Logger {
      readonly prefix = 'svc';
      warn(message: unknown): void {
        seen.push(`${this.prefix} warn ${String(message).slice(0, 12)}`);
      }
      error(message: unknown): void {
        seen.push(`${this.prefix} error ${String(message).slice(0, 12)}`);
      }
    }
    loggerReporter(new Logger())(report());
    expect(seen).toEqual(['svc error audit plugin']);
  });

  it('rejects a logger without warn and error methods, naming the option', () => {
    expect(() => loggerReporter('console' as unknown as AuditLogger)).toThrow(
      'logger must be an object with warn and error methods, got "console"',
    );
    expect(() => loggerReporter({ warn: () => {} } as unknown as AuditLogger)).toThrow(
      'logger must be an object with warn and error methods, got an object',
    );
    expect(() => loggerReporter(console, { argumentOrder: 'sideways' as unknown as 'fields-first' })).toThrow(
      'argumentOrder must be one of fields-first|message-first, got "sideways"',
    );
  });

  it('works as the onError of a backend: a refused POST is logged once, with its audit IDs', async () => {
    const { logger, records } = pinoLogger();
    const backend = createWebhookBackend({
      mode: 'batch',
      sender: () => Promise.reject(new WebhookError('HTTP 400 Bad Request', { status: 400 })),
      batch: { maxBatchSize: 2 },
      onError: loggerReporter(logger),
    });
    backend.run();
    await backend.processEvents(...auditEvents(2));
    await backend.shutdown();
    expect(records()).toMatchObject([
      { level: 50, plugin: 'webhook', reason: 'send-failed', count: 2, auditIDs: ['e0', 'e1'] },
    ]);
    expect(records()[0]?.['error']).toContain('HTTP 400');
  });
});
