import type { AuditPluginError } from '../contract/AuditBackend.js';
import type { AuditLogger } from './loggerReporter.js';
import { loggerReporter } from './loggerReporter.js';
import { reportToStderr } from './reportToStderr.js';
import { optionalFunction } from './validateOptions.js';

/**
 * The one place background failures go: `onError` when given, else `logger` (through {@link loggerReporter}),
 * else one stderr line ({@link reportToStderr}). A handler that throws is ignored — it must never break
 * delivery, nor crash the process through rxjs' unhandled-error reporting.
 * @throws TypeError for a non-function `onError`, a logger without `warn`/`error`, or both given (they are
 * alternatives: `onError and logger are alternatives: pass one of them, not both`).
 */
export function routeFailure(
  onError: ((error: AuditPluginError) => void) | undefined,
  logger?: AuditLogger,
): (error: AuditPluginError) => void {
  optionalFunction('onError', onError);
  if (onError !== undefined && logger !== undefined) {
    throw new TypeError('onError and logger are alternatives: pass one of them, not both');
  }
  const handler = onError ?? (logger === undefined ? reportToStderr : loggerReporter(logger));
  return (item) => {
    try {
      handler(item);
    } catch {
      /* ignored: see above */
    }
  };
}
