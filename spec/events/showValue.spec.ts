import { describe, expect, it } from 'vitest';
import { showValue } from '../../src/events/showValue.js';

describe('showValue', () => {
  it('shows primitives as JSON-ish literals and containers by kind only', () => {
    expect([null, undefined, 0, -1.5, true, 'Halfway', [1], { a: 1 }, 10n].map(showValue)).toEqual([
      'null',
      'undefined',
      '0',
      '-1.5',
      'true',
      '"Halfway"',
      'array',
      'object',
      '10n',
    ]);
  });

  it('cuts strings at 60 characters so event bodies never reach a message', () => {
    const secret = `Bearer ${'x'.repeat(200)}`;
    const shown = showValue(secret);
    expect(shown).toBe(JSON.stringify(`${secret.slice(0, 57)}...`));
    expect(shown.length).toBeLessThan(70);
  });
});
