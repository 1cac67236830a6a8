import { describe, expect, it } from 'vitest';
import { errorMessage, toError } from '../../src/util/toError.js';

describe('toError and errorMessage', () => {
  it('keep an Error, take a string as its text, and name anything else as every message names a value', () => {
    const error = new RangeError('boom');
    expect(toError(error)).toBe(error);
    expect(errorMessage(error)).toBe('boom');
    expect(errorMessage('the peer hung up')).toBe('the peer hung up');
    expect(errorMessage({ token: 'secret' })).toBe('a non-Error was thrown: an object');
    expect(errorMessage(null)).toBe('a non-Error was thrown: null');
    expect(errorMessage(undefined)).toBe('a non-Error was thrown: nothing');
    const value = { token: 'secret' };
    expect(toError(value).cause).toBe(value);
  });
});
