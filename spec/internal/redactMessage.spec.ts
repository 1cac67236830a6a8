import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_LENGTH, redactMessage } from '../../src/internal/redactMessage.js';

describe('redactMessage', () => {
  it('leaves an ordinary message alone', () => {
    expect(redactMessage('HTTP 503 Service Unavailable')).toBe('HTTP 503 Service Unavailable');
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

  it('joins lines and caps the length', () => {
    expect(redactMessage('a\nb\r\nc')).toBe('a b c');
    const long = redactMessage('y'.repeat(1000));
    expect(long).toHaveLength(MAX_MESSAGE_LENGTH);
    expect(long.endsWith('…')).toBe(true);
  });
});
