/**
 * `text` with each character that `isControl` accepts replaced by `escape(c)`, then cut to `max` characters,
 * the last being `…`. The cut falls between whole pieces of the text — a character, a surrogate pair or an
 * escape — so it never splits an escape, never drops a backslash the text itself has, and never leaves half
 * a surrogate pair. Only about `max` characters of a long text are read.
 */
export function escapeAndCut(
  text: string,
  max: number,
  isControl: RegExp,
  escape: (c: string) => string,
): string {
  let shown = '';
  let cut: string | undefined; // what is shown if the text turns out too long
  for (let i = 0; i < text.length; i++) {
    let piece = text[i] as string;
    const low = text.charCodeAt(i + 1); // NaN past the end
    if (isControl.test(piece)) piece = escape(piece);
    else if (HIGH_SURROGATE.test(piece) && low >= 0xdc00 && low <= 0xdfff) piece += text[++i];
    if (cut === undefined && shown.length + piece.length > max - 1) cut = shown;
    if (shown.length + piece.length > max) return `${cut ?? shown}…`;
    shown += piece;
  }
  return shown;
}

const HIGH_SURROGATE = /^[\ud800-\udbff]$/;
