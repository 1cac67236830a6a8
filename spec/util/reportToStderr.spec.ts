import { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditPluginError } from '../../src/contract/AuditBackend.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import {
  createStderrReporter,
  formatAuditPluginError,
  reportToStderr,
} from '../../src/util/reportToStderr.js';
import { WebhookError } from '../../src/transport/WebhookError.js';
import { auditEvent, auditEvents } from '../helpers/fixtures.js';

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

// Moved from spec/backends/reportToStderr.spec.ts (that file only re-exported this unit).
afterEach(() => vi.restoreAllMocks());

describe('formatAuditPluginError / reportToStderr', () => {
  it('writes one line: plugin, reason, count, the first 10 audit IDs and the message', () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    });
    // The default reporter is one per process, rate-limited per (plugin, reason): this plugin is this test's.
    reportToStderr({
      plugin: 'webhook-a',
      reason: 'send-failed',
      error: new WebhookError('HTTP 503 Service Unavailable\nretry later', { status: 503 }),
      events: auditEvents(3),
    });
    expect(lines).toEqual([
      'audit plugin=webhook-a reason=send-failed events=3 ids=e0,e1,e2 error="HTTP 503 Service Unavailable retry later"\n',
    ]);
  });

  it('lists at most 10 IDs and never prints event bodies', () => {
    const events = auditEvents(25).map((e) => ({
      ...e,
      requestObject: { data: { token: 'top-secret' } },
      user: { username: 'carol-private' },
    }));
    const line = formatAuditPluginError({
      plugin: 'buffered',
      reason: 'queue-blocked',
      error: new Error('audit buffer queue blocked'),
      events,
    });
    expect(line).toBe(
      'audit plugin=buffered reason=queue-blocked events=25 ids=e0,e1,e2,e3,e4,e5,e6,e7,e8,e9,… error="audit buffer queue blocked"',
    );
    expect(line).not.toMatch(/top-secret|carol/);
  });

  it('copes with events without an auditID', () => {
    const line = formatAuditPluginError({
      plugin: 'log',
      reason: 'invalid',
      error: new TypeError('bad'),
      events: [auditEvent('a'), {} as never],
    });
    expect(line).toBe('audit plugin=log reason=invalid events=2 ids=a,? error="bad"');
  });

  it("keeps credentials, query strings and payloads of a custom sender's message out of the stderr line", async () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    });
    const backend = createWebhookBackend({
      mode: 'blocking',
      sender: () => {
        throw new Error(
          'POST https://u:pw@h/x?token=SECRET failed: {"requestObject":{"password":"hunter2"}}',
        );
      },
    });
    backend.run();
    expect(await backend.processEvents(auditEvent('a1'))).toBe(false);
    await backend.shutdown();
    expect(lines).toEqual([
      'audit plugin=webhook reason=send-failed events=1 ids=a1 error="audit send failed: POST https://h/x failed: {…}"\n',
    ]);
    expect(lines.join()).not.toMatch(/SECRET|pw|hunter2|requestObject/);
  });

  it('redacts a message handed to onError directly and caps it at 200 characters', () => {
    const line = formatAuditPluginError({
      plugin: 'log',
      reason: 'send-failed',
      error: new Error(`see http://admin:s3cret@example.com:8080/a/b?sig=XYZ#frag, then ${'x'.repeat(400)}`),
      events: [auditEvent('a')],
    });
    const message = JSON.parse(line.slice(line.indexOf('error=') + 'error='.length)) as string;
    expect(message).toHaveLength(200);
    expect(message.startsWith('see http://example.com:8080/a/b, then xxx')).toBe(true);
    expect(message.endsWith('…')).toBe(true);
    expect(line).not.toMatch(/admin|s3cret|XYZ|frag/);
  });
});
