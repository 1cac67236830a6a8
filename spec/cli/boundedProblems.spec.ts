import { describe, expect, it } from 'vitest';
import { boundedProblems, MAX_PROBLEM_BYTES } from '../../src/cli/boundedProblems.js';

describe('boundedProblems', () => {
  it('lists every problem when they fit', () => {
    expect(boundedProblems(['items.0.verb: required', 'items.1.stage: bad'])).toBe(
      'items.0.verb: required\nitems.1.stage: bad\n',
    );
  });

  it('stays within 4 KiB (multi-byte text included) and says how many were left out, of the total given', () => {
    const problems = Array.from(
      { length: 500 },
      (_, i) => `items.${i}.user.username: expected a string, got "ünïcødé ${'x'.repeat(40)}"`,
    );
    const text = boundedProblems(problems, 10_000);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_PROBLEM_BYTES);
    const lines = text.trimEnd().split('\n');
    const shown = lines.length - 1;
    expect(lines.at(-1)).toBe(`…and ${10_000 - shown} more problems`);
    expect(lines[0]).toBe(problems[0]);
  });

  it('cuts one huge problem instead of dropping the rest; a newline in a problem cannot add a line', () => {
    const text = boundedProblems([`a${'b'.repeat(100_000)}`, 'second\nforged']);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_PROBLEM_BYTES);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]?.endsWith('…')).toBe(true);
    expect(lines[1]).toBe('second forged');
  });

  it('says "1 more problem" in the singular', () => {
    expect(boundedProblems(['only one shown'], 2)).toBe('only one shown\n…and 1 more problem\n');
  });
});
