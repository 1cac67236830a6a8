import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import { ProblemList } from '../../src/events/ProblemList.js';
import type { ReportErrorsOptions } from '../../src/events/reportErrors.js';
import { MAX_KEY_LENGTH, expectedLine, reportErrors } from '../../src/events/reportErrors.js';
import { Timestamp } from '../../src/events/primitives.js';

function report(codec: t.Mixed, value: unknown, options?: ReportErrorsOptions): string[] {
  const result = codec.validate(value, [{ key: '', type: codec, actual: value }]);
  const out: string[] = [];
  if (result._tag === 'Left') reportErrors(result.left, out, options);
  return out;
}

describe('reportErrors', () => {
  const codec = t.intersection([
    t.type({ a: t.string }),
    t.partial({ list: t.array(t.number), map: t.record(t.string, t.string) }),
  ]);

  it('joins object keys and array indexes with dots, skipping intersection members', () => {
    expect(report(codec, { a: 1, list: [1, 'x'], map: { 'k.v': 2 } })).toEqual([
      'a: expected a string, got 1',
      'list.1: expected a number, got "x"',
      'map.k.v: expected a string, got 2',
    ]);
  });

  it('prefixes a base path and names the root when it is the root that fails', () => {
    expect(report(codec, { list: [] }, { base: 'items.4' })).toEqual([
      'items.4.a: expected a string, got nothing',
    ]);
    // Both intersection members reject a number at the root: one line, not two.
    expect(report(codec, 5)).toEqual(['(root): expected an object, got 5']);
    expect(report(codec, 5, { base: 'target' })).toEqual(['target: expected an object, got 5']);
  });

  it('reports a union once per path, naming every branch', () => {
    const union = t.type({ ca: t.union([t.string, t.null]) });
    expect(report(union, { ca: 3 })).toEqual(['ca: expected a string or null, got 3']);
  });

  it("shows only kinds with values: 'kind', so a secret never reaches a message", () => {
    const config = t.type({ users: t.array(t.type({ user: t.type({ token: t.number }) })) });
    const lines = report(config, { users: [{ user: { token: 's3cr3t' } }] }, { values: 'kind' });
    expect(lines).toEqual(['users.0.user.token: expected a number, got a string']);
    expect(lines.join()).not.toContain('s3cr3t');
  });

  it("adds the codec's reason when it gives one", () => {
    expect(report(t.type({ at: Timestamp }), { at: '2024-13-01T00:00:00Z' })).toEqual([
      'at: expected an RFC 3339 timestamp, got "2024-13-01T00:00:00Z" (month out of range)',
    ]);
  });

  it('cuts a key from input at MAX_KEY_LENGTH characters', () => {
    const key = 'k'.repeat(500);
    const [line] = report(t.record(t.string, t.string), { [key]: 1 });
    expect(line).toBe(`${'k'.repeat(MAX_KEY_LENGTH - 1)}…: expected a string, got 1`);
  });

  it('feeds a ProblemList, which keeps the first lines and counts the rest', () => {
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, i]));
    const out = new ProblemList(3);
    const result = t.record(t.string, t.string).decode(many);
    if (result._tag === 'Left') reportErrors(result.left, out);
    expect(out.lines).toEqual([
      'f0: expected a string, got 0',
      'f1: expected a string, got 1',
      'f2: expected a string, got 2',
    ]);
    expect(out.omitted).toBe(47);
  });
});

describe('expectedLine', () => {
  it('writes a hand-made check in the same shape', () => {
    expect(expectedLine('kind', '"EventList"', 'Pod')).toBe('kind: expected "EventList", got "Pod"');
    expect(expectedLine('', 'an object', [])).toBe('(root): expected an object, got an array');
    expect(expectedLine('kind', '"Config"', 'Pod', 'kind')).toBe('kind: expected "Config", got a string');
  });
});
