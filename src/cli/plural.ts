// Not public: "1 event", "2 events" — every count the CLI prints.

/**
 * A count with its noun, singular for exactly 1.
 *
 * @param n The count.
 * @param noun The singular noun (`event`, `batch`, `POST`).
 * @param nouns The plural. @default noun + 's' (+ 'es' after s, x, ch, sh)
 * @returns `1 event`, `0 events`, `2 batches`.
 */
export function plural(
  n: number,
  noun: string,
  nouns = /(s|x|ch|sh)$/.test(noun) ? `${noun}es` : `${noun}s`,
): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}
