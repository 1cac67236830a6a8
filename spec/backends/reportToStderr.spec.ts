import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatAuditPluginError, reportToStderr } from '../../src/backends/reportToStderr.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
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
