import { AuditError } from './AuditError.js';
import { boundProblems, joinProblems } from './ProblemList.js';

/**
 * Thrown by {@link decodeEvent} and {@link decodeEventList} when input is not a valid audit event or list.
 * The message lists the offending paths with what was expected and what was found — the first
 * {@link MAX_REPORTED_PROBLEMS}, then `…and N more` — and `problems` holds the same lines one by one
 * (`errors`, deprecated, too), so the message stays a few KB whatever the input (control characters in keys or
 * values are escaped).
 *
 * ## Example
 * ```ts
 * import { decodeEventList, isAuditDecodeError } from 'rx-audit';
 *
 * try {
 *   decodeEventList(JSON.parse(body));
 * } catch (err) {
 *   if (isAuditDecodeError(err)) console.error(err.problems); // ['items.3.stage: expected one of …, got "Halfway"']
 * }
 * ```
 */
export class AuditDecodeError extends AuditError {
  override name = 'AuditDecodeError' as const;

  /**
   * @param what What was being decoded, e.g. `audit event` or `audit EventList`.
   * @param problems One line per offending path (only the first {@link MAX_REPORTED_PROBLEMS} are kept).
   * @param omitted Problems found but already left out of `problems` (they are counted in `omitted`).
   * @default omitted `0`
   */
  constructor(what: string, problems: readonly string[], omitted = 0) {
    const bounded = boundProblems(problems, omitted);
    super(`invalid ${what}: ${joinProblems(bounded.lines, bounded.omitted)}`, {
      problems: bounded.lines,
      omitted: bounded.omitted,
    });
  }
}

/**
 * Tells whether a value is an {@link AuditDecodeError}, also across the ESM and CommonJS builds
 * (where `instanceof` fails) by checking `name`.
 *
 * @param error Anything caught.
 * @returns `true` for an `AuditDecodeError`.
 */
export function isAuditDecodeError(error: unknown): error is AuditDecodeError {
  return (
    error instanceof AuditDecodeError ||
    (error instanceof Error &&
      error.name === 'AuditDecodeError' &&
      Array.isArray((error as { problems?: unknown }).problems))
  );
}
