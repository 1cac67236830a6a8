// Not public: the text of a 400 answer, bounded however many problems the input had.

/** The longest 400 answer `serve` writes, in bytes. */
export const MAX_PROBLEM_BYTES = 4096;

/**
 * Joins problems into one answer of at most `maxBytes` UTF-8 bytes: as many as fit, one per line, then
 * `…and N more problems` when some were left out (each problem is cut to a quarter of the room on its own).
 *
 * @param problems The problems, most important first.
 * @param total How many problems there were in all (more than `problems` when only the first were kept).
 * @default problems.length
 * @param maxBytes The room. @default MAX_PROBLEM_BYTES
 * @returns The answer text (ends with a newline).
 */
export function boundedProblems(
  problems: readonly string[],
  total = problems.length,
  maxBytes = MAX_PROBLEM_BYTES,
): string {
  const each = Math.floor(maxBytes / 4);
  const tail = (n: number): string => `…and ${n} more problem${n === 1 ? '' : 's'}\n`;
  const lines: string[] = [];
  let used = 0;
  for (let i = 0; i < problems.length; i++) {
    let line = (problems[i] ?? '').replace(/[\r\n]+/g, ' ');
    if (Buffer.byteLength(line) > each) line = `${cutToBytes(line, each - 3)}…`;
    const size = Buffer.byteLength(line) + 1;
    const rest = total - i - 1;
    const reserve = rest > 0 ? Buffer.byteLength(tail(rest)) : 0;
    if (used + size + reserve > maxBytes) {
      lines.push(tail(total - i).trimEnd());
      return `${lines.join('\n')}\n`;
    }
    lines.push(line);
    used += size;
  }
  if (total > problems.length) lines.push(tail(total - problems.length).trimEnd());
  return `${lines.join('\n')}\n`;
}

function cutToBytes(text: string, bytes: number): string {
  let cut = text.slice(0, bytes);
  while (Buffer.byteLength(cut) > bytes) cut = cut.slice(0, -1);
  return cut;
}
