import type { AuditPluginError } from '../contract/AuditBackend.js';
import type { AuditLogger } from './loggerReporter.js';
import { loggerReporter } from './loggerReporter.js';
import { reportToStderr } from './reportToStderr.js';
import { optionalFunction } from './validateOptions.js';

/**
 * The one place background failures go: `onError` when given, else `logger` (through {@link loggerReporter}),
 * else one stderr line ({@link reportToStderr}). A handler that throws is ignored — it must never break
 * delivery, nor crash the process through rxjs' unhandled-error reporting.
 * `prefix` names the options object in messages (`'log.'` gives `log.onError must be a function, …`).
 * @throws TypeError for a non-function `onError`, a logger without `warn`/`error`, or both given (they are
 * alternatives: `onError and logger are alternatives: pass one of them, not both`).
 */
export function routeFailure(
  onError: ((error: AuditPluginError) => void) | undefined,
  logger?: AuditLogger,
  prefix = '',
): (error: AuditPluginError) => void {
  optionalFunction(`${prefix}onError`, onError);
  if (onError !== undefined && logger !== undefined) {
    throw new TypeError(`${prefix}onError and ${prefix}logger are alternatives: pass one of them, not both`);
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
