import type { AuditEvent } from '../events/Event.js';

/** How `serve` answered one request: what its summary, its metrics and `demo` count. */
export interface ServeOutcome {
  /** `POST`, `GET`, … */
  readonly method: string;
  /** The HTTP status answered. */
  readonly status: number;
  /** The events the POST held, when it decoded (counted as received only with a 2xx status). */
  readonly events: readonly AuditEvent[];
  /** Body bytes read from the wire (before decompression). */
  readonly bytes: number;
  /** Whether the answer was a `--fail-rate` failure. */
  readonly injected: boolean;
}
