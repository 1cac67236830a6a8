// rx-audit/express — record an Express (or Angular SSR) server's requests as audit events.

export { auditMiddleware, STRICT_REFUSAL_MESSAGE } from './auditMiddleware.js';
export type { AuditMiddleware, AuditMiddlewareOptions } from './auditMiddleware.js';
export { ANONYMOUS_USER, AUDIT_REQUEST_DEFAULTS } from './AuditRequestOptions.js';
export type { AuditRequestOptions } from './AuditRequestOptions.js';
export { AUDIT_ID_HEADER } from './createRequestAuditor.js';
export { parseRequestInfo } from './parseRequestInfo.js';
export type { RequestInfo } from './parseRequestInfo.js';
export { sourceIPs } from './sourceIPs.js';
