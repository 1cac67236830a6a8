import { describe, expect, it } from 'vitest';
import { WebhookError, isRetryable, isWebhookError } from '../../src/transport/WebhookError.js';

describe('WebhookError', () => {
  it('derives retryable from the status: 408, 429 and 5xx retry, other 4xx are final', () => {
    expect(
      [400, 401, 403, 404, 408, 413, 429, 500, 502, 503].map(
        (s) => new WebhookError('x', { status: s }).retryable,
      ),
    ).toEqual([false, false, false, false, true, false, true, true, true, true]);
    expect(new WebhookError('network').retryable).toBe(true);
  });

  it('isWebhookError recognises a look-alike by name (dual ESM/CJS builds)', () => {
    const foreign = Object.assign(new Error('x'), { name: 'WebhookError' });
    expect(isWebhookError(foreign)).toBe(true);
    expect(isWebhookError(new Error('x'))).toBe(false);
    expect(isWebhookError('WebhookError')).toBe(false);
  });

  it('isRetryable honours retryable: false and final statuses on any error', () => {
    expect(isRetryable(Object.assign(new Error('x'), { retryable: false }))).toBe(false);
    expect(isRetryable(Object.assign(new Error('x'), { status: 422 }))).toBe(false);
    expect(isRetryable(Object.assign(new Error('x'), { status: 503 }))).toBe(true);
    expect(isRetryable(new Error('ECONNRESET'))).toBe(true);
  });
});
