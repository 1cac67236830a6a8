import { describe, expect, it } from 'vitest';
import type { AuditPluginError } from '../../src/backends/AuditBackend.js';
import { resolveErrorHandler } from '../../src/internal/resolveErrorHandler.js';
import { auditEvent } from './fixtures.js';

const item: AuditPluginError = {
  plugin: 'webhook',
  reason: 'too-large',
  error: new Error('event too large'),
  events: [auditEvent('a1')],
};

describe('resolveErrorHandler', () => {
  it('is undefined when neither is given (the backend then writes to stderr)', () => {
    expect(resolveErrorHandler({})).toBeUndefined();
  });

  it('returns onError itself', () => {
    const onError = (): void => {};
    expect(resolveErrorHandler({ onError })).toBe(onError);
  });

  it('turns a logger into a handler that logs each item', () => {
    const calls: unknown[][] = [];
    const logger = {
      warn: (...a: unknown[]) => calls.push(['warn', ...a]),
      error: (...a: unknown[]) => calls.push(['error', ...a]),
    };
    resolveErrorHandler({ logger })?.(item);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.[0]).toBe('error');
    expect(String(calls[0]?.[1])).toContain('reason=too-large');
    expect(calls[0]?.[2]).toMatchObject({
      plugin: 'webhook',
      reason: 'too-large',
      count: 1,
      auditIDs: ['a1'],
    });
  });

  it('rejects both at once, and bad values, naming the option', () => {
    expect(() => resolveErrorHandler({ onError: () => {}, logger: console })).toThrow(
      'onError and logger are alternatives: pass one of them, not both',
    );
    expect(() => resolveErrorHandler({ onError: 'x' as unknown as () => void })).toThrow(
      'onError must be a function, got "x"',
    );
    expect(() => resolveErrorHandler({ logger: {} as unknown as Console }, 'truncate.')).toThrow(
      'truncate.logger must be an object with warn and error methods, got a object',
    );
  });
});
