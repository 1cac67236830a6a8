import { escapeAndCut, unicodeEscape } from './escapeAndCut.js';

/**
 * How many problems an error message built from input lists at most (decode errors, kubeconfig and policy
 * errors); the rest are counted (`…and 3399980 more`). The CLI's `serve` bounds its 400 answers with it too.
 *
 * ## Example
 * ```ts
 * import { MAX_REPORTED_PROBLEMS, decodeEventList, isAuditDecodeError } from 'rx-audit';
 *
 * try {
 *   decodeEventList(JSON.parse(body));
 * } catch (err) {
 *   if (isAuditDecodeError(err)) console.log(err.problems.length <= MAX_REPORTED_PROBLEMS); // true
 * }
 * ```
 */
export const MAX_REPORTED_PROBLEMS = 20;

/** The longest one problem line may be, in characters; a longer one is cut and ends with `…`. */
export const MAX_PROBLEM_LENGTH = 200;

/**
 * One problem line made safe for a message: control characters escaped as `\uXXXX` (a key or value from
 * input cannot start a new line of a log), at most {@link MAX_PROBLEM_LENGTH} characters, cut between whole
 * characters and escapes (see {@link escapeAndCut}).
 */
export function boundProblem(line: string): string {
  return escapeAndCut(line, MAX_PROBLEM_LENGTH, unicodeEscape);
}

/**
 * The bounded form of a list of problems: the first `limit` lines (each through {@link boundProblem}), and
 * how many were left out.
 *
 * @param problems Every problem found (or the first ones).
 * @param omitted Problems already left out before these.
 * @param limit Lines kept at most.
 * @default omitted `0`
 * @default limit {@link MAX_REPORTED_PROBLEMS}
 */
export function boundProblems(
  problems: readonly string[],
  omitted = 0,
  limit = MAX_REPORTED_PROBLEMS,
): { readonly lines: string[]; readonly omitted: number } {
  const lines = problems.slice(0, limit).map(boundProblem);
  return { lines, omitted: omitted + problems.length - lines.length };
}

/**
 * The problems joined for a message: `a; b; …and 12 more` (no tail when nothing was left out).
 *
 * @param lines The problems kept.
 * @param omitted How many more there were.
 */
export function joinProblems(lines: readonly string[], omitted: number): string {
  const text = lines.join('; ');
  if (omitted <= 0) return text;
  return `${text}${text === '' ? '' : '; '}…and ${omitted} more`;
}

/**
 * Collects problem lines with a bounded memory: the first `limit` are kept (bounded, control characters
 * escaped), the rest only counted. Not public.
 */
export class ProblemList {
  /** The problems kept, at most `limit`. */
  readonly lines: string[] = [];
  /** Every problem pushed, kept or not. */
  count = 0;

  /** @param limit Lines kept at most. @default MAX_REPORTED_PROBLEMS */
  constructor(readonly limit: number = MAX_REPORTED_PROBLEMS) {}

  /** Records one problem. */
  push(line: string): void {
    this.count++;
    if (this.lines.length < this.limit) this.lines.push(boundProblem(line));
  }

  /** Records `n` problems that are only counted (a fast path found them once the list was full). */
  skip(n: number): void {
    this.count += n;
  }

  /** Whether no more lines will be kept: later problems are only counted. */
  get full(): boolean {
    return this.lines.length >= this.limit;
  }

  /** How many problems were counted but not kept. */
  get omitted(): number {
    return this.count - this.lines.length;
  }
}
