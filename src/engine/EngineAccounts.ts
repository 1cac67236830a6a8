import { Subject } from 'rxjs';
import type { AuditPluginError, AuditStats, DeliveryReport } from '../contract/AuditBackend.js';
import { emptyStats } from '../contract/AuditBackend.js';
import { PluginReports } from '../util/PluginReports.js';

/**
 * The engine's books, shared by batch and blocking mode: the `stats()` counters, the reports (`errors$`, and
 * each one routed to onError or stderr), and `deliveries$`. Every event moves through them once: accepted
 * (queued), started (in flight), then ended — delivered, or failed with one report.
 */
export class EngineAccounts {
  readonly errors$: Subject<AuditPluginError>;
  readonly deliveries$ = new Subject<DeliveryReport>();
  readonly #counters: Omit<AuditStats, 'failed'>;
  readonly #reports: PluginReports;

  constructor(
    plugin: string,
    /** Receives every report (already routed: onError or stderr, never throws). */
    route: (error: AuditPluginError) => void,
  ) {
    const { failed: _failed, ...counters } = emptyStats();
    this.#counters = counters;
    this.#reports = new PluginReports(plugin, route);
    this.errors$ = this.#reports.errors$;
    this.report = this.#reports.report;
  }

  /** `count` events accepted: queued until a batch of them starts. */
  accept(count: number): void {
    this.#counters.accepted += count;
    this.#counters.queued += count;
  }

  /** A batch of `count` events made its first attempt (`retry: false`) or one more (`retry: true`). */
  attempted(count: number, retry: boolean): void {
    if (retry) {
      this.#counters.retries++;
      return;
    }
    this.#counters.queued -= count;
    this.#counters.inFlight += count;
  }

  /** A batch of `count` events ended, after `attempts` attempts; `delivered` adds them to what was delivered. */
  ended(count: number, attempts: number, delivered: boolean): void {
    if (attempts > 0) {
      this.#counters.inFlight -= count;
      this.#counters.batches++;
    } else this.#counters.queued -= count;
    if (delivered) this.#counters.delivered += count;
  }

  /** Reports `events` once, for `reason`: counted, routed, then on `errors$` (a bound function). */
  readonly report: PluginReports['report'];

  /** A copy of the counters. */
  stats(): AuditStats {
    return { ...this.#counters, failed: { ...this.#reports.failed } };
  }
}
