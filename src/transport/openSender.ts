// Not public: the sender behind the webhook backend and `auditWebhook` — the caller's `sender`, or the HTTP
// transport for `target`.
import { resolveCompression } from './Compression.js';
import { createHttpSender } from './httpSender.js';
import type { WebhookTargetOption } from '../contract/WebhookTarget.js';
import type { AuditSender } from '../contract/AuditSender.js';
import { showValue } from '../events/showValue.js';

/** The longest delay Node timers accept (~24.8 days): the HTTP client's timeout when attempts have none. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A sender and what frees it. */
export interface OpenSender {
  readonly send: AuditSender;
  close(): void;
}

/** Every webhook's check for a target, made when no `sender` is given: a `TypeError` without one. */
export function requireTarget(
  target: WebhookTargetOption | undefined,
): asserts target is WebhookTargetOption {
  if (target === undefined || target === null) {
    throw new TypeError(`target is required unless sender is given, got ${showValue(target)}`);
  }
}

/**
 * `sender` when given, else an HTTP sender for `target` with `compression` (throws for a bad target or
 * compression). Who retries: the caller's
 * RxJS pipeline, on its scheduler; the HTTP sender makes one request per call, with `timeout` as its
 * socket-level backstop (`Infinity` is the pipeline's business; the HTTP client needs a finite number).
 */
export function openSender(
  sender: AuditSender | undefined,
  target: WebhookTargetOption | undefined,
  timeout: number,
  compression?: unknown,
): OpenSender {
  // Checked even with a custom sender (which ignores it): a typo should not pass silently.
  const gzip = resolveCompression(compression);
  if (sender !== undefined) return { send: sender, close: () => {} };
  requireTarget(target);
  const http = createHttpSender(target, {
    timeout: Number.isFinite(timeout) ? timeout : MAX_TIMER_MS,
    compression: gzip,
  });
  return { send: http.send, close: () => http.close() };
}
