import { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { AuditPluginError } from '../../src/backends/AuditBackend.js';
import { createStderrReporter, formatAuditPluginError } from '../../src/internal/reportToStderr.js';
import { auditEvent, auditEvents } from '../internal/fixtures.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const failed = (n: number, message = 'HTTP 503 Service Unavailable'): AuditPluginError => ({
  plugin: 'webhook',
  reason: 'send-failed',
  error: new Error(message),
  events: auditEvents(n),
});
const blocked: AuditPluginError = {
  plugin: 'webhook',
  reason: 'queue-blocked',
  error: new Error('audit webhook queue blocked'),
  events: auditEvents(1),
};

/** The lines a reporter on `testScheduler` writes for the reports of `reports$`. */
function linesOf(
  testScheduler: TestScheduler,
  reports$: Observable<AuditPluginError>,
  intervalMs?: number,
): Observable<string> {
  return new Observable<string>((subscriber) => {
    const report = createStderrReporter({
      scheduler: testScheduler,
      ...(intervalMs === undefined ? {} : { intervalMs }),
      write: (line) => subscriber.next(line),
    });
    return reports$.subscribe(report);
  });
}

describe('createStderrReporter', () => {
  it('writes at most one line per (plugin, reason) per second, then what was suppressed', () => {
    const ts = scheduler();
    ts.run(({ hot, expectObservable }) => {
      const reports = hot('a b c 1497ms d 2499ms e', {
        a: failed(2),
        b: failed(3, 'HTTP 502 Bad Gateway'),
        c: blocked,
        d: failed(4, 'HTTP 500'),
        e: failed(1),
      });
      expectObservable(linesOf(ts, reports)).toBe('a-c 997ms s 999ms t 1999ms e', {
        a: `${formatAuditPluginError(failed(2))}\n`,
        c: `${formatAuditPluginError(blocked)}\n`,
        s: 'audit plugin=webhook reason=send-failed suppressed=1 events=3 last-error="HTTP 502 Bad Gateway"\n',
        t: 'audit plugin=webhook reason=send-failed suppressed=1 events=4 last-error="HTTP 500"\n',
        e: `${formatAuditPluginError(failed(1))}\n`,
      });
    });
  });

  it('a flood prints one summary line per interval, and counts every report and event', () => {
    const ts = scheduler();
    ts.run(({ cold, expectObservable }) => {
      // 60 reports of 2 events, one every 30 ms from 10 ms on (the last at 1780 ms).
      const reports = cold(`10ms ${'a 29ms '.repeat(60)}|`, { a: failed(2) });
      const summary = 'audit plugin=webhook reason=send-failed suppressed=';
      expectObservable(linesOf(ts, reports)).toBe('10ms a 999ms s 999ms t', {
        a: `${formatAuditPluginError(failed(2))}\n`,
        s: `${summary}33 events=66 last-error="HTTP 503 Service Unavailable"\n`,
        t: `${summary}26 events=52 last-error="HTTP 503 Service Unavailable"\n`,
      });
    });
  });

  it('intervalMs 0 writes every report', () => {
    const ts = scheduler();
    ts.run(({ hot, expectObservable }) => {
      const reports = hot('aa', { a: failed(1) });
      const line = `${formatAuditPluginError(failed(1))}\n`;
      expectObservable(linesOf(ts, reports, 0)).toBe('ab', { a: line, b: line });
    });
  });

  it('refuses a bad intervalMs', () => {
    expect(() => createStderrReporter({ intervalMs: -1 })).toThrow(
      'intervalMs must be a non-negative number of milliseconds, got -1',
    );
  });
});

describe('formatAuditPluginError escaping', () => {
  it('an auditID or plugin with control characters cannot forge a second line', () => {
    const line = formatAuditPluginError({
      plugin: 'evil\nplugin',
      reason: 'invalid',
      error: new Error('bad\r\nline\u2028two'),
      events: [auditEvent('a\nb'), auditEvent('x\u001b[31my'), auditEvent('z'.repeat(500))],
    });
    // eslint-disable-next-line no-control-regex
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(line).toBe(
      `audit plugin=evil\\u000aplugin reason=invalid events=3 ids=a\\u000ab,x\\u001b[31my,${'z'.repeat(63)}… error="bad line two"`,
    );
  });

  it('plugins named like Object.prototype members are ordinary keys', () => {
    const lines: string[] = [];
    const report = createStderrReporter({ write: (l) => lines.push(l) });
    for (const plugin of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      report({ ...failed(1), plugin });
    }
    expect(lines.map((l) => l.split(' ')[1])).toEqual([
      'plugin=constructor',
      'plugin=toString',
      'plugin=__proto__',
      'plugin=hasOwnProperty',
    ]);
  });
});
