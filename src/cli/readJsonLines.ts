import { StringDecoder } from 'node:string_decoder';

/** One line of a JSON-lines log: its parsed value, or why it could not be parsed. */
export type JsonLine =
  | { readonly lineNumber: number; readonly value: unknown; readonly error?: undefined }
  | { readonly lineNumber: number; readonly value?: undefined; readonly error: string };

/**
 * Reads JSON lines from a byte stream, one item per non-blank line, numbered from 1 as an editor numbers them.
 * Pull-based: nothing more is read from `source` until the consumer asks for the next line, so a slow consumer
 * applies backpressure all the way to the file. A UTF-8 BOM and `\r\n` line ends are accepted.
 *
 * @param source Text bytes (an async iterable such as a `Readable`).
 * @returns The parsed lines; a line that is not JSON carries `error` instead of `value`.
 */
export async function* readJsonLines(source: AsyncIterable<Buffer | string>): AsyncGenerator<JsonLine> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let lineNumber = 0;
  let first = true;

  const parse = (text: string): JsonLine | undefined => {
    lineNumber++;
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const trimmed = text.trim();
    if (trimmed === '') return undefined;
    try {
      return { lineNumber, value: JSON.parse(trimmed) as unknown };
    } catch (err) {
      // Node's message quotes the offending text; keep only where it went wrong, never the content.
      const position = /at position (\d+)/.exec((err as Error).message)?.[1];
      const where =
        position === undefined
          ? ''
          : ` at column ${Number(position) + 1 + text.length - text.trimStart().length}`;
      return { lineNumber, error: `not valid JSON${where}` };
    }
  };

  for await (const chunk of source) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let newline = pending.indexOf('\n');
    let start = 0;
    while (newline !== -1) {
      const line = parse(pending.slice(start, newline));
      if (line) yield line;
      start = newline + 1;
      newline = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
  }
  pending += decoder.end();
  if (pending !== '') {
    const line = parse(pending);
    if (line) yield line;
  }
}
