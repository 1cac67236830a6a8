import type { AuditPluginError } from '../backends/AuditBackend.js';
import type { AuditLogger } from './loggerReporter.js';
import { loggerReporter } from './loggerReporter.js';
import { reportToStderr } from './reportToStderr.js';

/**
 * The one place background failures go: `onError` when given, else `logger` (through {@link loggerReporter}),
 * else one stderr line ({@link reportToStderr}). A handler that throws is ignored — it must never break
 * delivery, nor crash the process through rxjs' unhandled-error reporting.
 * @throws TypeError when both `onError` and `logger` are given (they are alternatives), or for a bad logger.
 */
export function routeFailure(
  onError: ((error: AuditPluginError) => void) | undefined,
  logger?: AuditLogger,
): (error: AuditPluginError) => void {
  if (onError !== undefined && logger !== undefined) {
    throw new TypeError('onError and logger are alternatives: give one, got both');
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
