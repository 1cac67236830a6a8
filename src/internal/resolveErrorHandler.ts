// Not public: the one place that turns a backend's `onError` / `logger` options into its errors$ handler.
import type { AuditPluginError } from '../backends/AuditBackend.js';
import type { AuditLogger } from './loggerReporter.js';
import { loggerReporter } from './loggerReporter.js';
import { optionalFunction } from './validateOptions.js';

/** The `onError` and `logger` options as a backend receives them. */
export interface ErrorHandlerOptions {
  readonly onError?: ((error: AuditPluginError) => void) | undefined;
  readonly logger?: AuditLogger | undefined;
}

/**
 * The handler for a backend's `errors$` items: `onError` when given, else {@link loggerReporter} over `logger`,
 * else `undefined` (the caller's default, the stderr reporter). `onError` and `logger` are alternatives.
 *
 * @param options The backend's options.
 * @param prefix Prefix of the option names in messages (`'truncate.'` gives `truncate.onError`).
 * @throws TypeError naming the option: a non-function `onError`, a logger without `warn`/`error`, or both given
 * (`onError and logger are alternatives: pass one of them, not both`).
 */
export function resolveErrorHandler(
  options: ErrorHandlerOptions,
  prefix = '',
): ((error: AuditPluginError) => void) | undefined {
  const onError = optionalFunction(`${prefix}onError`, options.onError);
  if (options.logger === undefined) return onError;
  if (onError !== undefined) {
    throw new TypeError(`${prefix}onError and ${prefix}logger are alternatives: pass one of them, not both`);
  }
  try {
    return loggerReporter(options.logger);
  } catch (error) {
    // loggerReporter names its parameter `logger`; name the option as the caller spells it.
    throw prefix === '' ? error : new TypeError(`${prefix}${(error as Error).message}`);
  }
}
