// Not public: what the CLI prints of a value that came from input (an auditID, a verb, a file name).

// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Escapes every control character of `text` (`\n` → `\\n`, `\u001b` → `\\x1b`, …), so a value taken from input
 * can never start a new line, move the cursor or forge a log line.
 *
 * @param text Text from input.
 * @returns The text without a single control character.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}

/**
 * {@link escapeControl} then cut to at most `max` characters (an ellipsis marks the cut).
 *
 * @param text Text from input.
 * @param max The longest result. @default 64
 * @returns Printable, bounded text.
 */
export function printable(text: string, max = 64): string {
  const escaped = escapeControl(text.length > max * 4 ? text.slice(0, max * 4) : text);
  return escaped.length > max ? `${escaped.slice(0, max - 1)}…` : escaped;
}
