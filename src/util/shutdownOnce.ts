import { showValue } from '../events/showValue.js';
import { resolveShutdownTimeout } from './validateOptions.js';

/** What {@link shutdownOnce} returns: the backend's `shutdown()` and whether it has begun. */
export interface ShutdownOnce {
  /** The backend's `shutdown(options)`: validates `timeout`, runs the shutdown once, returns that one promise. */
  readonly shutdown: (options?: { timeout?: number }) => Promise<void>;
  /** Whether `shutdown()` has begun (a call with a bad timeout does not begin it). */
  readonly started: () => boolean;
}

/**
 * The one "shutdown once" of every backend (as OpenTelemetry's `BindOnceFuture`): the first valid call runs
 * `run(timeout)`; every later call returns the same promise. A bad timeout, or options that are not an object
 * (`shutdown(5000)`), reject with a TypeError naming them and start nothing, so a corrected call still works.
 */
export function shutdownOnce(run: (timeout: number | undefined) => Promise<void>): ShutdownOnce {
  let promise: Promise<void> | undefined;
  return {
    shutdown: (options) => {
      if (promise !== undefined) return promise;
      // `shutdown(5000)` would read no timeout and drain without a deadline: refuse it instead.
      if (options !== undefined && (typeof options !== 'object' || options === null)) {
        return Promise.reject(
          new TypeError(`shutdown options must be an object ({ timeout }), got ${showValue(options)}`),
        );
      }
      let timeout: number | undefined;
      try {
        timeout = resolveShutdownTimeout(options?.timeout);
      } catch (error) {
        return Promise.reject(error as TypeError);
      }
      // Set before running (run starts synchronously: a call made right after shutdown() is refused), so a
      // re-entrant call from inside `run` gets this promise, not a second run.
      let settle!: (result: Promise<void>) => void;
      promise = new Promise<void>((resolve) => (settle = resolve));
      try {
        settle(run(timeout));
      } catch (error) {
        settle(Promise.reject(error));
      }
      return promise;
    },
    started: () => promise !== undefined,
  };
}
