import { AuditError } from '../events/AuditError.js';
import { boundProblems, joinProblems } from '../events/ProblemList.js';

/**
 * Thrown by `decodePolicy` and `loadPolicy` when an audit policy is malformed. The message lists the
 * offending paths (the first `MAX_REPORTED_PROBLEMS`, then how many more), e.g.
 * `rules.2.level: expected one of None|Metadata|Request|RequestResponse, got "Everything"`.
 */
export class PolicyError extends AuditError {
  override name = 'PolicyError' as const;
  /** The file the policy came from, when it came from one. */
  readonly source: string | undefined;

  constructor(problems: readonly string[], options: { source?: string | undefined; cause?: unknown } = {}) {
    const where =
      options.source === undefined ? 'invalid audit policy' : `invalid audit policy ${options.source}`;
    const bounded = boundProblems(problems);
    super(`${where}: ${joinProblems(bounded.lines, bounded.omitted)}`, {
      problems: bounded.lines,
      omitted: bounded.omitted,
      cause: options.cause,
    });
    this.source = options.source;
  }
}

/**
 * Whether `error` is a `PolicyError` (checks `.name` too, so it works across ESM/CJS copies).
 *
 * @param error Anything caught.
 * @returns `true` for a `PolicyError`.
 */
export function isPolicyError(error: unknown): error is PolicyError {
  return error instanceof PolicyError || (error instanceof Error && error.name === 'PolicyError');
}
