import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatAuditPluginError, reportToStderr } from '../../src/backends/reportToStderr.js';
import { WebhookError } from '../../src/transport/WebhookError.js';
import { auditEvent, auditEvents } from '../internal/fixtures.js';

afterEach(() => vi.restoreAllMocks());

describe('formatAuditPluginError / reportToStderr', () => {
  it('writes one line: plugin, reason, count, the first 10 audit IDs and the message', () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    });
    reportToStderr({
      plugin: 'webhook',
      reason: 'send-failed',
      error: new WebhookError('HTTP 503 Service Unavailable\nretry later', { status: 503 }),
      events: auditEvents(3),
    });
    expect(lines).toEqual([
      'audit plugin=webhook reason=send-failed events=3 ids=e0,e1,e2 error="HTTP 503 Service Unavailable retry later"\n',
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
});
