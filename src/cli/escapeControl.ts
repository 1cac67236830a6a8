// Not public: what the CLI prints of a value that came from input (an auditID, a verb, a file name).
import { CONTROL, escapeAndCut } from '../events/escapeAndCut.js';

/** One control character's escape: `\n`, `\r`, `\t`, `\xNN`, or `\uNNNN` above 0xff. */
function escapeChar(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
}

/**
 * Escapes every control character of `text` (`\n` → `\\n`, `\u001b` → `\\x1b`, …), so a value taken from input
 * can never start a new line, move the cursor or forge a log line.
 *
 * @param text Text from input.
 * @returns The text without a single control character.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, escapeChar);
}

/**
 * {@link escapeControl} then cut to at most `max` characters (an ellipsis marks the cut), between whole
 * characters and escapes (see {@link escapeAndCut}).
 *
 * @param text Text from input.
 * @param max The longest result. @default 64
 * @returns Printable, bounded text.
 */
export function printable(text: string, max = 64): string {
  return escapeAndCut(text, max, escapeChar);
}
