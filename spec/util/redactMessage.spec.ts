import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_LENGTH, redactMessage } from '../../src/util/redactMessage.js';

describe('redactMessage', () => {
  it('leaves an ordinary message alone', () => {
    expect(redactMessage('HTTP 503 Service Unavailable')).toBe('HTTP 503 Service Unavailable');
    expect(redactMessage('audit webhook POST https://h/x failed: 400 Bad Request')).toBe(
      'audit webhook POST https://h/x failed: 400 Bad Request',
    );
  });

  it('strips user info, query and fragment from every URL, keeping trailing punctuation', () => {
    expect(redactMessage('a https://u:pw@h:1/x?token=S, b (wss://k@host/p#f).')).toBe(
      'a https://h:1/x, b (wss://host/p).',
    );
  });

  it('cuts a quoted payload, even an unterminated one', () => {
    expect(redactMessage('failed: {"requestObject":{"a":1}} trailing')).toBe('failed: {…}');
    expect(redactMessage('bad items ["secret", "more')).toBe('bad items {…}');
    expect(redactMessage('failed: {"requestObj')).toBe('failed: {…}');
  });

  it('keeps prose about credentials readable', () => {
    expect(redactMessage('basic auth failed: bearer token expired')).toBe(
      'basic auth failed: bearer token expired',
    );
  });

  it('redacts bearer and basic credentials, secret-looking header and form values, bare query values', () => {
    expect(redactMessage('denied Bearer eyJhbGciOi.abc.def for basic dXNlcjpwdw==')).toBe(
      'denied Bearer [redacted] for basic [redacted]',
    );
    expect(
      redactMessage('echo Authorization: s3cr3t X-Api-Key: k-123 Cookie: sid=1; x-auth-token="q w"'),
    ).toBe(
      'echo Authorization: [redacted] X-Api-Key: [redacted] Cookie: [redacted]; x-auth-token=[redacted]',
    );
    expect(redactMessage('GET /events?token=abc&user=me not found')).toBe(
      'GET /events?token=[redacted]&user=[redacted] not found',
    );
    expect(redactMessage('password=hunter2 client_secret: zzz')).toBe(
      'password=[redacted] client_secret: [redacted]',
    );
  });

  it('joins lines, drops control characters and caps the length', () => {
    expect(redactMessage('a\nb\r\nc')).toBe('a b c');
    expect(redactMessage('a\u001b[31mred\u0000\u2028b')).toBe('a [31mred b');
    const long = redactMessage('y'.repeat(1000));
    expect(long).toHaveLength(MAX_MESSAGE_LENGTH);
    expect(long.endsWith('…')).toBe(true);
  });

  it('stays fast and bounded on a huge message', () => {
    const out = redactMessage(`${'token=a&'.repeat(1_000_000)}`);
    expect(out.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
  });
});
