import type { AuditSender } from './types.js';
import type { WebhookTargetOption } from './target.js';

/** Options for {@link createHttpSender}. */
export interface HttpSenderOptions {
  /** Per-request timeout in milliseconds. @default 30000 */
  timeout?: number;
}

/** The HTTP transport: a sender plus a `close()` that frees its keep-alive sockets. */
export interface HttpSender {
  readonly send: AuditSender;
  close(): void;
}

/**
 * Creates the axios-based HTTP sender for a webhook target (STUB: implemented by the transport issue).
 */
export function createHttpSender(target: WebhookTargetOption, options: HttpSenderOptions = {}): HttpSender {
  void target;
  void options;
  throw new Error('createHttpSender is not implemented yet');
}
