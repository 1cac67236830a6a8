// rx-audit — the Kubernetes audit webhook backend on RxJS 7.
// Explicit named exports only, grouped by layer.

// ─── Audit types and codecs ──────────────────────────────────────────────────
export { Event, EventList, Level, Stage, UserInfo, ObjectReference, Status } from './events/Event.js';
export type { AuditEvent } from './events/Event.js';

// ─── Backends ────────────────────────────────────────────────────────────────
export type {
  AuditBackend,
  AuditErrorReason,
  AuditPluginError,
  AuditStats,
  DeliveryReport,
} from './backends/AuditBackend.js';

// ─── RxJS operators ──────────────────────────────────────────────────────────

// ─── Transport ───────────────────────────────────────────────────────────────
export type { AuditBatch, AuditSender } from './transport/types.js';
export { WebhookError, isWebhookError, isRetryable, isRetryableStatus } from './transport/WebhookError.js';
export type { WebhookErrorOptions } from './transport/WebhookError.js';

// ─── Metrics ─────────────────────────────────────────────────────────────────
