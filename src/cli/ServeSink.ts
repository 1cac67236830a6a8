import type { AuditEvent } from '../events/Event.js';

/** One accepted event, ready to store: the decoded event and its `audit.k8s.io/v1` JSON (one line). */
export interface StoredEvent {
  readonly event: AuditEvent;
  readonly json: string;
}

/**
 * Where `serve` puts the events of an accepted POST: appended to a file (`--out`), only counted, or (with
 * another strategy) published. `serve` answers 200 only after `store` resolved.
 */
export interface ServeSink {
  /**
   * Stores one POST's events, all or nothing. A rejection with a numeric `status` (e.g. 503) and optional
   * `retryAfter` (seconds) is answered with them, any other with 500 — both make the sender retry.
   */
  store(events: readonly StoredEvent[]): Promise<void>;
  /** Finishes pending stores and frees the sink. Idempotent. */
  close(): Promise<void>;
}

/** A sink that stores nothing (`serve` without `--out`: events are only counted). */
export const COUNT_ONLY_SINK: ServeSink = {
  store: () => Promise.resolve(),
  close: () => Promise.resolve(),
};
