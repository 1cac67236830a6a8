import { describe, expect, it } from 'vitest';
import { createCliLog } from '../../src/cli/CliLog.js';
import { escapeControl, printable } from '../../src/cli/escapeControl.js';
import { plural } from '../../src/cli/plural.js';

describe('escapeControl, printable, plural, createCliLog', () => {
  it('escapes every control character, the Unicode line separators included', () => {
    expect(escapeControl('a\nb\rc\td\u001b[2Je\u0000f\u007fg\u0085h\u2028i')).toBe(
      'a\\nb\\rc\\td\\x1b[2Je\\x00f\\x7fg\\x85h\\u2028i',
    );
    expect(printable('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('cuts printable text between whole escapes and characters', () => {
    expect(printable(`${'a'.repeat(8)}\n`, 10)).toBe(`${'a'.repeat(8)}\\n`);
    expect(printable(`${'a'.repeat(8)}\n\n\n`, 10)).toBe(`${'a'.repeat(8)}…`);
    expect(printable(`${'a'.repeat(6)}\u001b[1m`, 10)).toBe(`${'a'.repeat(6)}…`);
    expect(printable(`${'a'.repeat(8)}𝄞z`, 10)).toBe(`${'a'.repeat(8)}…`);
    expect(printable('\n'.repeat(1_000_000), 9)).toBe(`${'\\n'.repeat(4)}…`);
  });

  it('counts in the singular for exactly one', () => {
    expect([
      plural(0, 'event'),
      plural(1, 'event'),
      plural(1, 'batch'),
      plural(2, 'batch'),
      plural(1, 'POST'),
    ]).toEqual(['0 events', '1 event', '1 batch', '2 batches', '1 POST']);
  });

  it('json log lines are single JSON objects on stderr, whatever the message holds', () => {
    let out = '';
    let err = '';
    const log = createCliLog('json', 'ship', {
      stdout: { write: (t: string) => ((out += t), true) } as never,
      stderr: { write: (t: string) => ((err += t), true) } as never,
    });
    log.out('summary\nsecond line', { ok: true, read: 3, skipped: undefined });
    log.warn('bad \u2028 id');
    expect(out).toBe('');
    const lines = err.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(first).toMatchObject({
      level: 'info',
      command: 'ship',
      msg: 'summary\nsecond line',
      ok: true,
      read: 3,
    });
    expect(first).not.toHaveProperty('skipped');
    expect(lines[1]).toContain('\\u2028');
    expect((JSON.parse(lines[1] ?? '') as { level: string }).level).toBe('warn');
  });
});
