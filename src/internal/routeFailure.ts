import type { AuditPluginError } from '../backends/AuditBackend.js';
import { reportToStderr } from './reportToStderr.js';

/**
 * The one place background failures go: the backend's handler (`onError`, or a `logger` through
 * `resolveErrorHandler`), else one stderr line ({@link reportToStderr}). A handler that throws is ignored — it
 * must never break delivery, nor crash the process through rxjs' unhandled-error reporting.
 */
export function routeFailure(
  handler: ((error: AuditPluginError) => void) | undefined,
): (error: AuditPluginError) => void {
  const route = handler ?? reportToStderr;
  return (item) => {
    try {
      route(item);
    } catch {
      /* ignored: see above */
    }
  };
}
