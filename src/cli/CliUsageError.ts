import { AuditError } from '../events/AuditError.js';
/**
 * A command-line mistake (unknown flag, missing file, bad value): `rx-audit` prints its message as one line on
 * stderr and exits with code 2.
 */
export class CliUsageError extends AuditError {
  override name = 'CliUsageError';
}

/**
 * Whether `err` is a {@link CliUsageError} (checks `.name` too, so it holds across the ESM and CJS builds).
 *
 * @param err Anything thrown.
 * @returns `true` for a usage error.
 */
export function isCliUsageError(err: unknown): err is CliUsageError {
  return err instanceof CliUsageError || (err instanceof Error && err.name === 'CliUsageError');
}
