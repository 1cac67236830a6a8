// In a file of its own, without NATS: the CLI states `--publish-timeout`'s default from it without loading
// the optional peers.
import type { AuditEvent } from '../events/Event.js';

/** The defaults of `createJetStreamSender`. */
export const JETSTREAM_SENDER_DEFAULTS = Object.freeze({
  timeout: 10_000,
  msgId: (event: AuditEvent): string => `${event.auditID}/${event.stage}`,
} as const);
