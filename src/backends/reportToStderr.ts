// Public home of the default error line; the implementation sits in internal/ so the delivery engine (a
// lower layer) can use it without importing from backends/.
export { createStderrReporter, formatAuditPluginError, reportToStderr } from '../internal/reportToStderr.js';
export type { StderrReporterOptions } from '../internal/reportToStderr.js';
