// Not public: turns io-ts validation errors into `path: expected X, got Y` lines.
import type * as t from 'io-ts';
import { describeCodec } from './primitives.js';
import { showValue } from './showValue.js';

/** Codecs whose children are not object keys (`t.intersection` members, `t.union` branches). */
const TRANSPARENT = new Set(['IntersectionType', 'UnionType']);

/** The longest object key shown in a path; a key from input may be any length. */
const MAX_KEY_LENGTH = 40;

/** A path segment from input, shortened (`ab…`) when longer than {@link MAX_KEY_LENGTH}. */
function showKey(key: string): string {
  return key.length > MAX_KEY_LENGTH ? `${key.slice(0, MAX_KEY_LENGTH - 1)}…` : key;
}

/**
 * Appends one line per io-ts error to `out`, each naming the path from `base` (e.g. `items.3`), what the
 * codec expected (and, when the codec said why, the reason: `…, got "2024-13-01T00:00:00Z" (month out of range)`) and what it got.
 * Duplicate lines (an intersection checks an object twice) are dropped. `out` is usually a
 * `ProblemList`, which keeps the first lines and counts the rest.
 *
 * @param errors The `Left` of a `codec.validate`.
 * @param base The path of the validated value, `''` for the root.
 * @param out Where the lines go.
 */
export function reportErrors(errors: t.Errors, base: string, out: { push(line: string): unknown }): void {
  const seen = new Set<string>();
  for (const error of errors) {
    const ctx = error.context;
    let path = base;
    for (let i = 1; i < ctx.length; i++) {
      const parent = ctx[i - 1]?.type as { _tag?: string } | undefined;
      if (parent?._tag !== undefined && TRANSPARENT.has(parent._tag)) continue;
      const key = ctx[i]?.key ?? '';
      path = path === '' ? showKey(key) : `${path}.${showKey(key)}`;
    }
    const last = ctx[ctx.length - 1];
    const expected = last === undefined ? 'a value' : describeCodec(last.type);
    const why = error.message === undefined ? '' : ` (${error.message})`;
    const line = `${path === '' ? '(root)' : path}: expected ${expected}, got ${showValue(error.value)}${why}`;
    if (!seen.has(line)) {
      seen.add(line);
      out.push(line);
    }
  }
}
