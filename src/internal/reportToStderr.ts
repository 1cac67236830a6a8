// The default error line of every backend. It lives here, below the backends, so the delivery engine can use
// it; `backends/reportToStderr.ts` re-exports it as public API.
import type { AuditPluginError } from '../backends/AuditBackend.js';
import { redactMessage } from './redactMessage.js';

const MAX_IDS = 10;

/**
 * Formats one `errors$` item as a single line: plugin, reason, event count, the first 10 audit IDs and the
 * error message. Never includes request/response bodies or credentials: the message is cut to 200
 * characters, every URL in it loses its user info, query string and fragment, and anything from the first
 * quoted JSON object on is replaced by `{…}` — a custom sender's message is treated as untrusted.
 *
 * ## Example
 *
 * ```ts
 * import { formatAuditPluginError } from 'rx-audit';
 *
 * backend.errors$.subscribe((e) => logger.warn(formatAuditPluginError(e)));
 * // audit plugin=webhook reason=send-failed events=3 ids=a1,b2,c3 error="HTTP 503 Service Unavailable"
 * ```
 *
 * @param item The reported failure.
 * @returns One line without a trailing newline.
 */
export function formatAuditPluginError(item: AuditPluginError): string {
  const ids: string[] = [];
  for (let i = 0; i < item.events.length && ids.length < MAX_IDS; i++) {
    const id = (item.events[i] as { auditID?: unknown } | undefined)?.auditID;
    ids.push(typeof id === 'string' ? id : '?');
  }
  const more = item.events.length > MAX_IDS ? ',…' : '';
  const message = redactMessage(String(item.error?.message ?? item.error));
  return (
    `audit plugin=${item.plugin} reason=${item.reason} events=${item.events.length}` +
    ` ids=${ids.join(',')}${more} error=${JSON.stringify(message)}`
  );
}

/**
 * The default `onError` of rx-audit's backends: writes {@link formatAuditPluginError}'s line to stderr.
 *
 * ## Example
 *
 * ```ts
 * import { createWebhookBackend, reportToStderr } from 'rx-audit';
 *
 * createWebhookBackend({ mode: 'batch', target, onError: (e) => { metrics.inc(e.reason); reportToStderr(e); } });
 * ```
 *
 * @param item The reported failure.
 */
export function reportToStderr(item: AuditPluginError): void {
  process.stderr.write(`${formatAuditPluginError(item)}\n`);
}
