import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import { Integer, NullableTimestamp, Timestamp, nullable } from '../../src/events/primitives.js';

describe('codec building blocks', () => {
  it('Timestamp accepts RFC 3339 with any fraction and Z or an offset, nothing else', () => {
    for (const ok of ['2024-07-02T17:02:26.406288Z', '2017-09-11T19:55:05Z', '2017-09-11T19:55:05.1+02:00']) {
      expect(Timestamp.is(ok), ok).toBe(true);
    }
    for (const bad of [
      '2017-09-11',
      '2017-09-11 19:55:05Z',
      '2017-09-11T19:55:05',
      'yesterday',
      // Go's time.Parse wants an upper-case T and Z.
      '2017-09-11t19:55:05Z',
      '2017-09-11T19:55:05z',
      1504994105,
    ]) {
      expect(Timestamp.is(bad), String(bad)).toBe(false);
      expect(Timestamp.decode(bad)._tag).toBe('Left');
    }
    expect(NullableTimestamp.is(null)).toBe(true);
  });

  it('a Timestamp failure carries the reason', () => {
    const result = Timestamp.decode('2024-13-45T25:61:61Z');
    expect(result._tag === 'Left' ? result.left.map((e) => e.message) : []).toEqual(['month out of range']);
  });

  it('Integer accepts whole numbers only', () => {
    expect([200, 0, -1].every((n) => Integer.is(n))).toBe(true);
    expect([200.5, NaN, '200', null].some((n) => Integer.is(n))).toBe(false);
  });

  it('nullable reports the inner codec paths, not a union of branches', () => {
    const codec = nullable(t.type({ name: t.string }));
    expect(codec.is(null)).toBe(true);
    const result = codec.decode({ name: 1 });
    expect(result._tag).toBe('Left');
    if (result._tag === 'Left') {
      expect(result.left).toHaveLength(1);
      expect(result.left[0]?.context.map((c) => c.key)).toEqual(['', 'name']);
    }
  });
});
