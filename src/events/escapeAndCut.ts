// How text from input or from an event is shown on one line: control characters escaped, cut to a length.

/** C0 and C1 control characters, DEL and the Unicode line and paragraph separators (global: for `replace`). */
// eslint-disable-next-line no-control-regex -- escaping control characters is the point
export const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

// One character of CONTROL (not global: `test` keeps no state).
const CONTROL_CHAR = new RegExp(`^${CONTROL.source}$`);
const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff; // false for NaN, past the end

/** A control character as `\uXXXX`: how reports and error messages show one. */
export const unicodeEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * `text` with each {@link CONTROL} character replaced by `escape(c)`, then cut to `max` characters, the last
 * being `…`. The cut falls between whole pieces of the text — a character, a surrogate pair or an escape — so
 * it never splits an escape, never drops a backslash the text itself has, and never leaves half a surrogate
 * pair. Only about `max` characters of a long text are read.
 */
export function escapeAndCut(text: string, max: number, escape: (c: string) => string): string {
  let shown = '';
  let cut: string | undefined; // what is shown if the text turns out too long
  for (let i = 0; i < text.length; i++) {
    let piece = text[i] as string;
    if (CONTROL_CHAR.test(piece)) piece = escape(piece);
    else if (isHighSurrogate(text.charCodeAt(i)) && isLowSurrogate(text.charCodeAt(i + 1)))
      piece += text[++i];
    if (cut === undefined && shown.length + piece.length > max - 1) cut = shown;
    if (shown.length + piece.length > max) return `${cut ?? shown}…`;
    shown += piece;
  }
  return shown;
}
