import { describe, expect, it } from 'vitest';
import { MAX_SHOWN_STRING, showValue } from '../../src/events/showValue.js';

const samples: readonly unknown[] = [
  undefined,
  null,
  0,
  -1.5,
  true,
  10n,
  'Halfway',
  [1],
  { a: 1 },
  Buffer.from('key'),
  () => 1,
  Symbol('s'),
];

describe('showValue', () => {
  it("shows primitives as literals and containers by kind only ('value', the default)", () => {
    expect(samples.map((v) => showValue(v))).toEqual([
      'nothing',
      'null',
      '0',
      '-1.5',
      'true',
      '10n',
      '"Halfway"',
      'an array',
      'an object',
      'a Buffer',
      'a function',
      'a symbol',
    ]);
  });

  it("shows only the kind of every value with 'kind' (input that may hold secrets)", () => {
    expect(samples.map((v) => showValue(v, 'kind'))).toEqual([
      'nothing',
      'null',
      'a number',
      'a number',
      'a boolean',
      'a bigint',
      'a string',
      'an array',
      'an object',
      'a Buffer',
      'a function',
      'a symbol',
    ]);
    expect(showValue('s3cr3t-token', 'kind')).not.toContain('s3cr3t');
  });

  it('cuts strings at 60 characters so event bodies never reach a message', () => {
    const secret = `Bearer ${'x'.repeat(200)}`;
    const shown = showValue(secret);
    expect(shown).toBe(JSON.stringify(`${secret.slice(0, MAX_SHOWN_STRING - 3)}...`));
    expect(shown.length).toBe(MAX_SHOWN_STRING + 2);
    // Exactly at the bound: shown whole.
    const edge = 'y'.repeat(MAX_SHOWN_STRING);
    expect(showValue(edge)).toBe(JSON.stringify(edge));
  });

  it('quotes strings as JSON, so control characters are escaped, never raw', () => {
    expect(showValue('a\nb"c')).toBe('"a\\nb\\"c"');
  });
});
