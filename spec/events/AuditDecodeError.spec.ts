import { describe, expect, it } from 'vitest';
import { AuditDecodeError, isAuditDecodeError } from '../../src/events/AuditDecodeError.js';

describe('AuditDecodeError', () => {
  it('joins every error line into the message and keeps them in errors', () => {
    const error = new AuditDecodeError('audit EventList', [
      'items.0.verb: expected string, got 1',
      'items.2: expected object, got null',
    ]);
    expect(error.name).toBe('AuditDecodeError');
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe(
      'invalid audit EventList: items.0.verb: expected string, got 1; items.2: expected object, got null',
    );
    expect(error.errors).toEqual([
      'items.0.verb: expected string, got 1',
      'items.2: expected object, got null',
    ]);
  });

  it('isAuditDecodeError recognises a look-alike by name (dual ESM/CJS builds)', () => {
    const foreign = Object.assign(new Error('x'), { name: 'AuditDecodeError', errors: [] });
    expect(isAuditDecodeError(new AuditDecodeError('audit event', []))).toBe(true);
    expect(isAuditDecodeError(foreign)).toBe(true);
    expect(isAuditDecodeError(new Error('x'))).toBe(false);
    expect(isAuditDecodeError({ name: 'AuditDecodeError', errors: [] })).toBe(false);
    expect(isAuditDecodeError('AuditDecodeError')).toBe(false);
  });
});
