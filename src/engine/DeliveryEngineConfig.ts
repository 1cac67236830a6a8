import type { Observable, ObservableInput, SchedulerLike } from 'rxjs';
import type { AuditPluginError, AuditStats, DeliveryReport } from '../contract/AuditBackend.js';
import type { AuditEvent } from '../events/Event.js';
import type { RetryOptions } from '../contract/options.js';
import type { EngineBatch, EngineItem } from './EngineBatch.js';
import type { ResolvedBatchOptions } from '../util/validateOptions.js';

/**
 * What is behind the engine's sends. A delegate backend (the buffered backend's) reports its own failures, and
 * its own shutdown ends the calls it holds — the engine neither aborts nor reports those; a batch between two
 * calls (waiting for a retry) is the engine's to end at a deadline. A sender (the webhook's, {@link SENDER})
 * reports nothing itself, holds nothing and is aborted at the deadline.
 */
export interface DelegateStrategy {
  /** Whether the shutdown deadline aborts the sends in flight (a sender's can be; a delegate call cannot). */
  readonly abortsAtDeadline: boolean;
  /** Whether a send error is a failure the delegate already reported (a call that resolved `false`). */
  isReported(error: unknown): boolean;
  /** Whether a call of `batch` is with the delegate now (made and not settled). */
  holds(batch: EngineBatch): boolean;
  /**
   * The delegate's shutdown, given the time left and the batches whose calls it holds now (see `holds`);
   * resolves once the calls it ended have settled, `false` if it failed (reported). After a clean one the
   * engine forgets the calls it still holds.
   */
  shutdown(timeLeft: number | undefined, held: readonly EngineBatch[]): Promise<boolean>;
}

/** How a concrete backend plugs into the engine. */
export interface DeliveryEngineConfig {
  /** `batch`: events are batched within the buffer bounds; `blocking`: one batch per call, in call order. */
  readonly mode: 'batch' | 'blocking';
  readonly batch: ResolvedBatchOptions;
  readonly retry: Required<RetryOptions>;
  readonly timeout: number;
  readonly scheduler: SchedulerLike;
  /** `plugin` of every report. */
  readonly plugin: string;
  /** Start of messages: `audit webhook` gives `audit webhook queue blocked`. */
  readonly subject: string;
  /** Bytes of the encoded body of a batch with no items (the `EventList` envelope), for `maxBatchBytes`. */
  readonly envelopeBytes: number;
  /** The snapshot of an event: the JSON to send. Throws for an event that cannot be sent. */
  readonly snapshot: (event: AuditEvent) => string;
  /** Events back from snapshots (for reports). */
  readonly restore: (items: readonly EngineItem[]) => AuditEvent[];
  /**
   * Sends one attempt of a batch; `batch.payload` keeps what the first attempt built (the body) for retries.
   * Marked `CANCELS_ON_UNSUBSCRIBE` (`markCancelsOnUnsubscribe`) when unsubscribing from its result cancels
   * the attempt, as the HTTP sender's does: its attempts then get no `AbortController` of their own.
   */
  readonly send: (batch: EngineBatch, signal: AbortSignal) => ObservableInput<unknown>;
  /** Receives every report (already routed: onError or stderr, never throws). */
  readonly report: (error: AuditPluginError) => void;
  /** @default {@link SENDER} */
  readonly delegate?: DelegateStrategy;
  /**
   * Engine hook for a layer in front of it (the spool): told exactly once per accepted item when it ends —
   * delivered (`true`) or reported, for any reason (`false`).
   */
  readonly ended?: (items: readonly EngineItem[], delivered: boolean) => void;
}

/** The strategy of a backend that sends itself (the webhook's): see {@link DelegateStrategy}. */
export const SENDER: DelegateStrategy = Object.freeze({
  abortsAtDeadline: true,
  isReported: () => false,
  holds: () => false,
  shutdown: () => Promise.resolve(true),
});

/** What a backend gets from {@link createDeliveryEngine}. */
export interface DeliveryEngine {
  run(): void;
  processEvents(events: AuditEvent[]): Promise<boolean>;
  /**
   * Engine hook for the spool (batch mode): hands over items already snapshotted (each with its opaque
   * `key`), waiting first-come-first-served for room whatever `whenFull` says. Resolves with the items it did
   * not place — none, unless `shutdown()` began first: those are neither reported nor `ended` (they are still
   * the caller's, e.g. on disk for the next run). Placed items end through the pipeline (`ended` tells when).
   */
  enqueue(items: EngineItem[]): Promise<EngineItem[]>;
  flush(): Promise<void>;
  /** Drains (or stops at the deadline) and resolves; call once (the backend's shutdownOnce validates it). */
  shutdown(timeout: number | undefined): Promise<void>;
  readonly errors$: Observable<AuditPluginError>;
  readonly deliveries$: Observable<DeliveryReport>;
  stats(): AuditStats;
}
