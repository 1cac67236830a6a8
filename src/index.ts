// rx-audit — the Kubernetes audit webhook backend on RxJS 7.
// Explicit named exports only, grouped by layer.

// ─── Audit types and codecs ──────────────────────────────────────────────────
export { Event, EventList, Level, Stage, UserInfo, ObjectReference, Status } from './events/Event.js';
export type { AuditEvent } from './events/Event.js';
export { decodeEvent } from './events/decodeEvent.js';
export { decodeEventList } from './events/decodeEventList.js';
export { encodeEvent } from './events/encodeEvent.js';
export { encodeEventList } from './events/encodeEventList.js';
export type { EventListWire } from './events/encodeEventList.js';
export { GROUP_VERSIONS, assertGroupVersion, isGroupVersion } from './events/GroupVersion.js';
export type { GroupVersion } from './events/GroupVersion.js';
export { AuditError, isAuditError } from './events/AuditError.js';
export type { AuditErrorOptions } from './events/AuditError.js';
export { AuditDecodeError, isAuditDecodeError } from './events/AuditDecodeError.js';
export { MAX_REPORTED_PROBLEMS, MAX_PROBLEM_LENGTH } from './events/ProblemList.js';
export { MAX_EVENT_DEPTH } from './events/tooDeepField.js';

// ─── Backends ────────────────────────────────────────────────────────────────
export type {
  AuditBackend,
  AuditErrorReason,
  AuditPluginError,
  AuditStats,
  DeliveryReport,
} from './contract/AuditBackend.js';
export { AUDIT_ERROR_REASONS, emptyStats } from './contract/AuditBackend.js';
export { createWebhookBackend } from './backends/createWebhookBackend.js';
export { createBufferedBackend } from './backends/createBufferedBackend.js';
export type { BufferedBackendOptions } from './backends/createBufferedBackend.js';
export { BATCH_DEFAULTS, RETRY_DEFAULTS, WEBHOOK_DEFAULTS } from './contract/options.js';
export type {
  BatchOptions,
  RetryOptions,
  SpoolOptions,
  ThrottleOptions,
  WebhookDeliveryOptions,
  WhenFull,
} from './contract/options.js';
export { KUBERNETES_DEFAULTS } from './backends/WebhookBackendOptions.js';
export type {
  BatchWebhookBackendOptions,
  BlockingWebhookBackendOptions,
  WebhookBackendOptions,
  WebhookMode,
} from './backends/WebhookBackendOptions.js';
export { createStderrReporter, formatAuditPluginError, reportToStderr } from './util/reportToStderr.js';
export type { StderrReporterOptions } from './util/reportToStderr.js';
export { loggerReporter } from './util/loggerReporter.js';
export type {
  AuditLogFields,
  AuditLogger,
  LoggerArgumentOrder,
  LoggerReporterOptions,
} from './util/loggerReporter.js';
export {
  createTruncatingBackend,
  TRUNCATE_DEFAULTS,
  TRUNCATED_ANNOTATION,
} from './backends/createTruncatingBackend.js';
export type { TruncatingBackendOptions } from './backends/createTruncatingBackend.js';
export { createLogBackend, LOG_DEFAULTS, LOG_FORMATS } from './backends/createLogBackend.js';
export type { LogBackendOptions, LogFormat } from './backends/createLogBackend.js';
export { formatLegacyEvent } from './backends/formatLegacyEvent.js';
export { union } from './backends/union.js';
export type { UnionBackendOptions } from './backends/union.js';
export { SPOOL_DEFAULTS } from './spool/SpoolOptions.js';
export { SpoolError, isSpoolError } from './spool/SpoolError.js';

// ─── RxJS operators ──────────────────────────────────────────────────────────
export { batchEvents } from './operators/batchEvents.js';
export type { BatchEventsConfig } from './operators/batchEvents.js';
export { deliverBatches } from './operators/deliverBatches.js';
export type { BatchSender, DeliverBatchesOptions, Delivery } from './operators/deliverBatches.js';
export { auditWebhook } from './operators/auditWebhook.js';
export type { AuditWebhookOptions } from './operators/auditWebhook.js';

// ─── Transport ───────────────────────────────────────────────────────────────
export type { AuditBatch, AuditSender } from './contract/AuditSender.js';
export { WebhookError, isWebhookError, isRetryable } from './transport/WebhookError.js';
export type { WebhookErrorOptions } from './transport/WebhookError.js';
export type { WebhookTarget, WebhookTargetOption } from './contract/WebhookTarget.js';
export { createHttpSender, GZIP_LEVEL, HTTP_SENDER_DEFAULTS } from './transport/httpSender.js';
export { COMPRESSIONS } from './transport/Compression.js';
export type { Compression } from './transport/Compression.js';
export type { HttpSender, HttpSenderOptions } from './transport/httpSender.js';
export { MAX_RESPONSE_BYTES } from './transport/readResponseBody.js';
export { loadWebhookTarget } from './transport/loadWebhookTarget.js';
export { KubeconfigError, isKubeconfigError } from './transport/KubeconfigError.js';
export type { KubeconfigErrorOptions } from './transport/KubeconfigError.js';

// ─── Metrics ─────────────────────────────────────────────────────────────────
export { registerMetrics, METRICS_DEFAULTS } from './metrics/registerMetrics.js';
export type { MetricsRegistry, RegisterMetricsOptions } from './metrics/registerMetrics.js';

// ─── Audit policy ────────────────────────────────────────────────────────────
export { Policy, PolicyRule, GroupResources, PolicyApiVersion } from './policy/Policy.js';
export { PolicyError, isPolicyError } from './policy/PolicyError.js';
export { decodePolicy } from './policy/decodePolicy.js';
export { loadPolicy } from './policy/loadPolicy.js';
export { evaluatePolicy } from './policy/evaluatePolicy.js';
export type { PolicyAttributes, PolicyDecision } from './policy/evaluatePolicy.js';
