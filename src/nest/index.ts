// rx-audit/nest — audit a NestJS application's requests: AuditModule, AuditInterceptor, @AuditLevel.
// Nest's decorators read and write metadata through the Reflect API.
import 'reflect-metadata';

export { AuditModule } from './AuditModule.js';
export type { AuditModuleAsyncOptions, AuditModuleOptions } from './AuditModuleOptions.js';
export { AuditInterceptor } from './AuditInterceptor.js';
export { AuditLevel } from './AuditLevel.js';
export {
  AUDIT_BACKEND,
  AUDIT_MODULE_OPTIONS,
  AUDIT_LEVEL_METADATA,
  AUDIT_CONTROLLER_ANNOTATION,
  AUDIT_HANDLER_ANNOTATION,
} from './tokens.js';
