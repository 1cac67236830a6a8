import { describe, expect, it } from 'vitest';
import { MAX_YAML_ALIASES, parseUntrustedYaml } from '../../src/util/parseUntrustedYaml.js';

describe('parseUntrustedYaml', () => {
  it('parses YAML and JSON, with aliases to anchors that exist and the core tags', () => {
    expect(parseUntrustedYaml('a: &x [1, 2]\nb: *x\nc: !!str 5\n')).toEqual({
      ok: true,
      value: { a: [1, 2], b: [1, 2], c: '5' },
    });
    expect(parseUntrustedYaml('{"a": [true, null]}')).toEqual({ ok: true, value: { a: [true, null] } });
  });

  it('names the field of an alias to a missing anchor and of a custom tag, never their text', () => {
    const result = parseUntrustedYaml('users:\n- user:\n    password: *S3CRET\n    token: !vault hunter2\n');
    expect(result).toEqual({
      ok: false,
      problems: [
        { path: ['users', 0, 'user', 'password'], reason: 'alias to an undefined anchor', syntax: false },
        { path: ['users', 0, 'user', 'token'], reason: 'custom YAML tags are not allowed', syntax: false },
      ],
    });
  });

  it('refuses tags outside the core schema (!!binary, !!set) too', () => {
    const result = parseUntrustedYaml('a: !!binary aGVsbG8=\nb: !!set {x}\n');
    expect(result.ok ? [] : result.problems.map((p) => p.path)).toEqual([['a'], ['b']]);
  });

  it('stops an alias bomb', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [prev, next] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
    ]) {
      levels.push(`${next}: &${next} [${new Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    expect(parseUntrustedYaml(levels.join('\n'))).toEqual({
      ok: false,
      problems: [
        {
          path: [],
          reason: `too many YAML aliases (more than ${MAX_YAML_ALIASES} expansions)`,
          syntax: false,
        },
      ],
    });
  });

  it('a syntax error gives the position and the reason, not the line', () => {
    const result = parseUntrustedYaml('token: "abc-s3cret\n');
    expect(result.ok).toBe(false);
    const [problem] = result.ok ? [] : result.problems;
    expect(problem?.syntax).toBe(true);
    expect(problem?.reason).toMatch(/^at line \d+, column \d+: [^:]+ \([A-Z_]+\)$/);
    expect(problem?.reason).not.toContain('s3cret');
  });

  it('duplicate keys and several documents are syntax errors', () => {
    expect(parseUntrustedYaml('a: 1\na: 2\n').ok).toBe(false);
    expect(parseUntrustedYaml('a: 1\n---\nb: 2\n').ok).toBe(false);
  });
});
