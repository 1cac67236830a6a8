// Not public: the one io-ts error reporter — `path: expected X, got Y` lines for events, kubeconfigs, policies.
import type * as t from 'io-ts';
import { describeCodec } from './describeCodec.js';
import { showValue, type ValueDisplay } from './showValue.js';

/** Codecs whose children are not object keys (`t.intersection` members, `t.union` branches). */
const TRANSPARENT = new Set(['IntersectionType', 'UnionType']);

/** The longest object key shown in a path; a key from input may be any length. */
export const MAX_KEY_LENGTH = 40;

/** A path segment from input, shortened (`ab…`) when longer than {@link MAX_KEY_LENGTH}. */
function showKey(key: string): string {
  return key.length > MAX_KEY_LENGTH ? `${key.slice(0, MAX_KEY_LENGTH - 1)}…` : key;
}

/** Options for {@link reportErrors}. */
export interface ReportErrorsOptions {
  /**
   * The path of the validated value, prefixed to every line (`items.3`, `target`).
   * @default `''` (the root, shown as `(root)` when it is the root that fails)
   */
  readonly base?: string;
  /**
   * Whether lines show the offending value or only its kind (see {@link ValueDisplay}); `'kind'` for input
   * that may hold secrets (kubeconfigs, webhook targets).
   * @default `'value'`
   */
  readonly values?: ValueDisplay;
}

/**
 * One problem line in the reporter's shape: `path: expected X, got Y`, or `(root): …` for an empty path.
 * Hand-written checks (an EventList's `kind`, a list's `items`) use it so every line reads the same.
 *
 * @param path The dotted path (`items.3.stage`), `''` for the root.
 * @param expected What was expected, in words ({@link describeCodec}'s style).
 * @param value The offending value, rendered by {@link showValue}.
 * @param values Whether the value or only its kind is shown.
 * @default values `'value'`
 */
export function expectedLine(
  path: string,
  expected: string,
  value: unknown,
  values: ValueDisplay = 'value',
): string {
  return `${path === '' ? '(root)' : path}: expected ${expected}, got ${showValue(value, values)}`;
}

/**
 * Appends one line per offending path to `out`, e.g. `items.3.stage: expected one of RequestReceived|…, got
 * "Done"`: the dotted path from `base` (object keys cut at {@link MAX_KEY_LENGTH}, array indexes as numbers,
 * intersection and union members adding nothing), what the codec there expected (a union says each
 * branch: `a string or null`), the offending value or its kind, and the codec's reason when it gave one
 * (`…, got "2024-13-01T00:00:00Z" (month out of range)`). A path is reported once (a union's branches and
 * an intersection's members fail at the same path). `out` is usually a `ProblemList`, which keeps the first
 * lines, bounded, and counts the rest.
 *
 * @param errors The `Left` of a `codec.validate` or `codec.decode`.
 * @param out Where the lines go.
 * @param options The base path and whether values are shown.
 */
export function reportErrors(
  errors: t.Errors,
  out: { push(line: string): unknown },
  options: ReportErrorsOptions = {},
): void {
  const { base = '', values = 'value' } = options;
  const seen = new Set<string>();
  for (const error of errors) {
    const ctx = error.context;
    let path = base;
    let expected: t.Decoder<unknown, unknown> | undefined = ctx[0]?.type;
    for (let i = 1; i < ctx.length; i++) {
      const parent = ctx[i - 1]?.type as { _tag?: string } | undefined;
      if (parent?._tag !== undefined && TRANSPARENT.has(parent._tag)) continue;
      const key = showKey(ctx[i]?.key ?? '');
      path = path === '' ? key : `${path}.${key}`;
      expected = ctx[i]?.type;
    }
    if (seen.has(path)) continue;
    seen.add(path);
    const why = error.message === undefined ? '' : ` (${error.message})`;
    out.push(
      `${expectedLine(path, expected === undefined ? 'a value' : describeCodec(expected), error.value, values)}${why}`,
    );
  }
}
