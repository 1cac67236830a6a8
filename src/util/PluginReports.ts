import { Subject } from 'rxjs';
import type { AuditErrorReason, AuditPluginError, AuditStats } from '../contract/AuditBackend.js';
import { AUDIT_ERROR_REASONS, emptyStats } from '../contract/AuditBackend.js';
import type { AuditEvent } from '../events/Event.js';

/**
 * A backend's own reports, made the one way every backend makes them: each is counted in `failed` (by reason),
 * routed (see `routeFailure`: `onError`, a logger or one stderr line; never throws), then emitted on `errors$` —
 * once. The engine, the spool, the buffered, log and truncate backends and union all report through one.
 */
export class PluginReports {
  readonly errors$ = new Subject<AuditPluginError>();
  /** Events reported, by reason. */
  readonly failed: AuditStats['failed'] = emptyStats().failed;

  constructor(
    private readonly plugin: string,
    private readonly route: (item: AuditPluginError) => void,
  ) {}

  /** Reports `events` once, for `reason`: counted, routed, then on `errors$` (a bound function). */
  readonly report = (reason: AuditErrorReason, error: Error, events: readonly AuditEvent[]): void => {
    this.failed[reason] += events.length;
    const item: AuditPluginError = { plugin: this.plugin, reason, error, events: events as AuditEvent[] };
    this.route(item);
    this.errors$.next(item);
  };

  /** Adds the counts to `into` (a delegate's `failed`, say) and returns it. */
  addTo(into: AuditStats['failed']): AuditStats['failed'] {
    // A delegate of its own making may leave a reason out of its stats.
    for (const reason of AUDIT_ERROR_REASONS) into[reason] = (into[reason] ?? 0) + this.failed[reason];
    return into;
  }
}
