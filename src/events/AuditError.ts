/** Options of {@link AuditError}. */
export interface AuditErrorOptions {
  /** The problems found, one line each, already bounded (see `boundProblems`). @default [] */
  problems?: readonly string[];
  /** How many more problems were found than `problems` lists. @default 0 */
  omitted?: number;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * The base of rx-audit's error classes (`AuditDecodeError`, `KubeconfigError`, `PolicyError`, `WebhookError`,
 * `SpoolError`, `rx-audit/nats`' `JetStreamPublishError` and `JetStreamGatewayError`, and the internal ones a
 * user meets as a `cause` or a CLI message): one field name,
 * `problems`, for the list of what was wrong (empty when the error is not about input), and `omitted` for how
 * many more there were.
 *
 * ## Example
 * ```ts
 * import { decodeEvent, isAuditError } from 'rx-audit';
 *
 * try {
 *   decodeEvent({ level: 'Loud' });
 * } catch (err) {
 *   if (isAuditError(err)) for (const problem of err.problems) console.error(problem);
 * }
 * ```
 */
export class AuditError extends Error {
  override name: string = 'AuditError';
  /** What was wrong, one line each (the first `MAX_REPORTED_PROBLEMS`). */
  readonly problems: readonly string[];
  /** How many more problems were found than `problems` lists. */
  readonly omitted: number;

  constructor(message: string, options: AuditErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.problems = options.problems ?? [];
    this.omitted = options.omitted ?? 0;
  }
}

/**
 * Whether `value` is an {@link AuditError} (any of rx-audit's error classes). Also checks the shape, since a dual
 * ESM/CJS build can break `instanceof`.
 */
export function isAuditError(value: unknown): value is AuditError {
  return (
    value instanceof AuditError ||
    (value instanceof Error && Array.isArray((value as { problems?: unknown }).problems))
  );
}
