import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import { reportErrors } from '../../src/events/reportErrors.js';

function report(codec: t.Mixed, value: unknown, base = ''): string[] {
  const result = codec.validate(value, [{ key: '', type: codec, actual: value }]);
  const out: string[] = [];
  if (result._tag === 'Left') reportErrors(result.left, base, out);
  return out;
}

describe('reportErrors', () => {
  const codec = t.intersection([
    t.type({ a: t.string }),
    t.partial({ list: t.array(t.number), map: t.record(t.string, t.string) }),
  ]);

  it('joins object keys and array indexes, skipping intersection members', () => {
    expect(report(codec, { a: 1, list: [1, 'x'], map: { 'k.v': 2 } })).toEqual([
      'a: expected string, got 1',
      'list.1: expected number, got "x"',
      'map.k.v: expected string, got 2',
    ]);
  });

  it('prefixes a base path and names the root when it is the root that fails', () => {
    expect(report(codec, { list: [] }, 'items.4')).toEqual(['items.4.a: expected string, got undefined']);
    // Both intersection members reject a number at the root: one line, not two.
    expect(report(codec, 5)).toEqual(['(root): expected object, got 5']);
  });
});
