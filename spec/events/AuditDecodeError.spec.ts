import { describe, expect, it } from 'vitest';
import { AuditDecodeError, isAuditDecodeError } from '../../src/events/AuditDecodeError.js';
import { MAX_REPORTED_PROBLEMS } from '../../src/events/ProblemList.js';

describe('AuditDecodeError', () => {
  it('joins every error line into the message and keeps them in errors', () => {
    const error = new AuditDecodeError('audit EventList', [
      'items.0.verb: expected a string, got 1',
      'items.2: expected an object, got null',
    ]);
    expect(error.name).toBe('AuditDecodeError');
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe(
      'invalid audit EventList: items.0.verb: expected a string, got 1; items.2: expected an object, got null',
    );
    expect(error.problems).toEqual([
      'items.0.verb: expected a string, got 1',
      'items.2: expected an object, got null',
    ]);
  });

  it('keeps the first MAX_REPORTED_PROBLEMS lines and says how many more there were', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `items.${i}: expected an object, got null`);
    const error = new AuditDecodeError('audit EventList', lines, 7);
    expect(error.problems).toEqual(lines.slice(0, MAX_REPORTED_PROBLEMS));
    expect(error.omitted).toBe(100 - MAX_REPORTED_PROBLEMS + 7);
    expect(error.message).toMatch(
      /^invalid audit EventList: items\.0: .*; items\.19: expected an object, got null; …and 87 more$/,
    );
  });

  it('isAuditDecodeError recognises a look-alike by name (dual ESM/CJS builds)', () => {
    const foreign = Object.assign(new Error('x'), { name: 'AuditDecodeError', problems: [] });
    expect(isAuditDecodeError(new AuditDecodeError('audit event', []))).toBe(true);
    expect(isAuditDecodeError(foreign)).toBe(true);
    // `errors` was this class's second name for the list; `problems` is the one every AuditError has.
    expect(isAuditDecodeError(Object.assign(new Error('x'), { name: 'AuditDecodeError', errors: [] }))).toBe(
      false,
    );
    expect(isAuditDecodeError(Object.assign(new Error('x'), { name: 'AuditDecodeError' }))).toBe(false);
    expect(isAuditDecodeError(new Error('x'))).toBe(false);
    expect(isAuditDecodeError({ name: 'AuditDecodeError', problems: [] })).toBe(false);
    expect(isAuditDecodeError('AuditDecodeError')).toBe(false);
  });
});
