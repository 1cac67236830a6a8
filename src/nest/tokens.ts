/** Injection token of the resolved `AuditModule` options. */
export const AUDIT_MODULE_OPTIONS = Symbol.for('rx-audit:AUDIT_MODULE_OPTIONS');

/**
 * Injection token of the `AuditBackend` given to `AuditModule`, for services that record events of
 * their own: `constructor(@Inject(AUDIT_BACKEND) private readonly backend: AuditBackend) {}`.
 */
export const AUDIT_BACKEND = Symbol.for('rx-audit:AUDIT_BACKEND');

/** Injection token of the request recorder the interceptor uses (internal). */
export const AUDIT_REQUEST_AUDITOR = Symbol.for('rx-audit:AUDIT_REQUEST_AUDITOR');

/** Metadata key under which `@AuditLevel` stores its level. */
export const AUDIT_LEVEL_METADATA = 'rx-audit:level';

/** Annotation naming the controller class that handled the request. */
export const AUDIT_CONTROLLER_ANNOTATION = 'nestjs.rx-audit/controller';

/** Annotation naming the handler method that handled the request. */
export const AUDIT_HANDLER_ANNOTATION = 'nestjs.rx-audit/handler';
