import { AuditError } from '../events/AuditError.js';

/**
 * A spool failure: the folder is in use, a write failed (the disk is full, …), or its data is damaged.
 * The message names the spool's folder and never contains an event.
 *
 * ## Example
 * ```ts
 * import { isSpoolError } from 'rx-audit';
 *
 * backend.errors$.subscribe(({ error }) => {
 *   if (isSpoolError(error)) console.error('spool problem in', error.dir);
 * });
 * ```
 */
export class SpoolError extends AuditError {
  override name = 'SpoolError';
  /** The spool's folder, as configured. */
  readonly dir: string;

  constructor(dir: string, message: string, options?: { cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.dir = dir;
  }
}

/** Whether `error` is a {@link SpoolError} (also across a dual ESM/CJS install, by `name`). */
export function isSpoolError(error: unknown): error is SpoolError {
  return (
    error instanceof SpoolError ||
    (error instanceof Error && error.name === 'SpoolError' && typeof (error as SpoolError).dir === 'string')
  );
}
