import { describe, expect, it } from 'vitest';
import { MAX_IDS, MAX_ID_LENGTH, escapeField, showAuditIDs } from '../../src/util/showAuditIDs.js';

describe('escapeField', () => {
  it('escapes control characters, DEL and the line separators as \\uXXXX', () => {
    expect(escapeField('a\nb\u001b[1m\u007f\u2028')).toBe('a\\u000ab\\u001b[1m\\u007f\\u2028');
  });

  it('cuts what it escaped, so the result is never longer than max', () => {
    const shown = escapeField('\n'.repeat(40));
    expect(shown.length).toBeLessThanOrEqual(MAX_ID_LENGTH);
    expect(shown.endsWith('…')).toBe(true);
  });

  it('never cuts in the middle of an escape', () => {
    for (let pad = 0; pad < 8; pad++) {
      const shown = escapeField(`${'x'.repeat(pad)}${'\u0001'.repeat(20)}`, 20);
      expect(shown).toMatch(/^x*(\\u0001)*…$/);
    }
  });

  it("keeps a backslash of the text's own at the cut, and never splits a surrogate pair", () => {
    expect(escapeField(`${'a'.repeat(62)}\\zz`)).toBe(`${'a'.repeat(62)}\\…`);
    expect(escapeField(`${'a'.repeat(61)}\\u00zz`)).toBe(`${'a'.repeat(61)}\\u…`);
    expect(escapeField(`${'a'.repeat(62)}𝄞zz`)).toBe(`${'a'.repeat(62)}…`);
    expect(escapeField(`${'a'.repeat(61)}𝄞zz`)).toBe(`${'a'.repeat(61)}𝄞…`);
  });

  it('leaves short plain text alone', () => {
    expect(escapeField('e-1')).toBe('e-1');
    expect(escapeField('x'.repeat(MAX_ID_LENGTH))).toBe('x'.repeat(MAX_ID_LENGTH));
  });
});

describe('showAuditIDs', () => {
  it('shows the first MAX_IDS audit IDs, and ? for one that is not a string', () => {
    const events = [
      { auditID: 'a' },
      { auditID: 7 },
      {},
      null,
      ...Array.from({ length: 20 }, (_, i) => ({ auditID: `e${i}` })),
    ];
    const ids = showAuditIDs(events);
    expect(ids).toHaveLength(MAX_IDS);
    expect(ids.slice(0, 5)).toEqual(['a', '?', '?', '?', 'e0']);
  });
});
