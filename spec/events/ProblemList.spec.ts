import { describe, expect, it } from 'vitest';
import {
  MAX_PROBLEM_LENGTH,
  MAX_REPORTED_PROBLEMS,
  ProblemList,
  boundProblem,
  boundProblems,
  joinProblems,
} from '../../src/events/ProblemList.js';

describe('ProblemList', () => {
  it('keeps the first MAX_REPORTED_PROBLEMS lines and counts the rest', () => {
    const list = new ProblemList();
    for (let i = 0; i < 1000; i++) list.push(`items.${i}: bad`);
    list.skip(5);
    expect(list.lines).toHaveLength(MAX_REPORTED_PROBLEMS);
    expect(list.lines[0]).toBe('items.0: bad');
    expect(list.count).toBe(1005);
    expect(list.omitted).toBe(1005 - MAX_REPORTED_PROBLEMS);
    expect(list.full).toBe(true);
  });

  it('is not full below its limit', () => {
    const list = new ProblemList(3);
    list.push('a');
    list.push('b');
    expect(list.full).toBe(false);
    expect(list.omitted).toBe(0);
  });
});

describe('boundProblem', () => {
  it('escapes control characters so a line from input cannot start another line', () => {
    expect(boundProblem('annotations.a\nb\r\u0000\u2028: expected a string, got 1')).toBe(
      'annotations.a\\u000ab\\u000d\\u0000\\u2028: expected a string, got 1',
    );
  });

  it('cuts a long line to MAX_PROBLEM_LENGTH characters ending in …', () => {
    const line = boundProblem(`x: ${'y'.repeat(1_000_000)}`);
    expect(line).toHaveLength(MAX_PROBLEM_LENGTH);
    expect(line.endsWith('…')).toBe(true);
  });

  it('cuts between whole escapes, never inside one', () => {
    const pad = 'a'.repeat(MAX_PROBLEM_LENGTH - 4);
    expect(boundProblem(`${pad}\n\n`)).toBe(`${pad}…`);
    expect(boundProblem(`${pad.slice(2)}\n`)).toBe(`${pad.slice(2)}\\u000a`);
  });
});

describe('boundProblems and joinProblems', () => {
  it('keep the first lines, count the rest, and say how many more', () => {
    const { lines, omitted } = boundProblems(['a', 'b', 'c', 'd'], 10, 2);
    expect(lines).toEqual(['a', 'b']);
    expect(omitted).toBe(12);
    expect(joinProblems(lines, omitted)).toBe('a; b; …and 12 more');
    expect(joinProblems(['a'], 0)).toBe('a');
    expect(joinProblems([], 3)).toBe('…and 3 more');
  });
});
