// Public home of the default error line; the implementation sits in internal/ so the delivery engine (a
// lower layer) can use it without importing from backends/.
export { formatAuditPluginError, reportToStderr } from '../internal/reportToStderr.js';
