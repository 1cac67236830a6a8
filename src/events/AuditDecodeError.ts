/**
 * Thrown by {@link decodeEvent} and {@link decodeEventList} when input is not a valid audit event or list.
 * The message lists every offending path with what was expected and what was found; `errors` holds the
 * same lines one by one.
 *
 * ## Example
 * ```ts
 * import { decodeEventList, isAuditDecodeError } from 'rx-audit';
 *
 * try {
 *   decodeEventList(JSON.parse(body));
 * } catch (err) {
 *   if (isAuditDecodeError(err)) console.error(err.errors); // ['items.3.stage: expected one of …, got "Halfway"']
 * }
 * ```
 */
export class AuditDecodeError extends Error {
  override name = 'AuditDecodeError' as const;
  /** One line per offending path: `<path>: expected <what>, got <value>`. */
  readonly errors: readonly string[];

  /**
   * @param what What was being decoded, e.g. `audit event` or `audit EventList`.
   * @param errors One line per offending path.
   */
  constructor(what: string, errors: readonly string[]) {
    super(`invalid ${what}: ${errors.join('; ')}`);
    this.errors = errors;
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
      Array.isArray((error as { errors?: unknown }).errors))
  );
}
