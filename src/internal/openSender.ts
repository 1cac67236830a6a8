// Not public: the sender behind the webhook backend and `auditWebhook` — the caller's `sender`, or the HTTP
// transport for `target`.
import { createHttpSender } from '../transport/httpSender.js';
import type { WebhookTargetOption } from '../transport/target.js';
import type { AuditSender } from '../transport/types.js';

/** The longest delay Node timers accept (~24.8 days): the HTTP client's timeout when attempts have none. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A sender and what frees it. */
export interface OpenSender {
  readonly send: AuditSender;
  close(): void;
}

/**
 * `sender` when given, else an HTTP sender for `target` (throws for a bad target). Who retries: the caller's
 * RxJS pipeline, on its scheduler; the HTTP sender makes one request per call, with `timeout` as its
 * socket-level backstop (`Infinity` is the pipeline's business; the HTTP client needs a finite number).
 */
export function openSender(
  sender: AuditSender | undefined,
  target: WebhookTargetOption | undefined,
  timeout: number,
): OpenSender {
  if (sender !== undefined) return { send: sender, close: () => {} };
  if (target === undefined || target === null) {
    throw new TypeError('target is required unless sender is given, got undefined');
  }
  const http = createHttpSender(target, { timeout: Number.isFinite(timeout) ? timeout : MAX_TIMER_MS });
  return { send: http.send, close: () => http.close() };
}
