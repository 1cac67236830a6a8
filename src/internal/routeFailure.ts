import type { AuditPluginError } from '../backends/AuditBackend.js';
import { reportToStderr } from './reportToStderr.js';

/**
 * The one place background failures go: `onError` when given, else one stderr line ({@link reportToStderr}).
 * A handler that throws is ignored — it must never break delivery, nor crash the process through rxjs'
 * unhandled-error reporting.
 */
export function routeFailure(
  onError: ((error: AuditPluginError) => void) | undefined,
): (error: AuditPluginError) => void {
  const handler = onError ?? reportToStderr;
  return (item) => {
    try {
      handler(item);
    } catch {
      /* ignored: see above */
    }
  };
}
