import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import { describeCodec } from '../../src/events/describeCodec.js';
import { Integer, NullableTimestamp, nullable } from '../../src/events/primitives.js';
import { PolicyRule } from '../../src/policy/Policy.js';

describe('describeCodec', () => {
  it('words what a codec expects', () => {
    expect(describeCodec(t.keyof({ A: null, B: null }))).toBe('one of A|B');
    expect(describeCodec(t.string)).toBe('a string');
    expect(describeCodec(t.array(t.string))).toBe('an array');
    expect(describeCodec(t.record(t.string, t.string))).toBe('an object');
    expect(describeCodec(nullable(t.array(t.string)))).toBe('an array or null');
    expect(describeCodec(NullableTimestamp)).toBe('an RFC 3339 timestamp or null');
    expect(describeCodec(Integer)).toBe('an integer');
  });

  it('words literals, numbers, booleans, objects and null', () => {
    expect(describeCodec(t.literal('Policy'))).toBe('"Policy"');
    expect(describeCodec(t.number)).toBe('a number');
    expect(describeCodec(t.boolean)).toBe('a boolean');
    expect(describeCodec(t.null)).toBe('null');
    expect(describeCodec(t.undefined)).toBe('nothing');
    expect(describeCodec(t.type({ a: t.string }))).toBe('an object');
    expect(describeCodec(t.partial({ a: t.string }))).toBe('an object');
    expect(describeCodec(t.intersection([t.type({ a: t.string }), t.partial({})]))).toBe('an object');
    expect(describeCodec(t.UnknownRecord)).toBe('an object');
    expect(describeCodec(t.UnknownArray)).toBe('an array');
  });

  it('says each branch of a union once', () => {
    expect(describeCodec(t.union([t.string, t.null]))).toBe('a string or null');
    expect(describeCodec(t.union([t.literal('a'), t.literal('b'), t.number]))).toBe('"a" or "b" or a number');
    expect(describeCodec(t.union([t.type({ a: t.string }), t.type({ b: t.string })]))).toBe('an object');
  });

  it('prefers a description the codec carries, and falls back to the io-ts name', () => {
    const described = Object.assign(t.string.pipe(t.string, 'Custom'), { description: 'a custom thing' });
    expect(describeCodec(described)).toBe('a custom thing');
    const opaque = new t.Type<string>('Opaque', t.string.is, t.string.validate, t.identity);
    expect(describeCodec(opaque)).toBe('Opaque');
    // A policy list (null reads as []) says what it is, not `Array<string>`.
    expect(describeCodec(PolicyRule.types[1].props.verbs)).toBe('an array');
  });
});
