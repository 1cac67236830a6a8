import type { ReceivedRequest } from '../testing/receiver.js';

/** Counts of what `serve` received, by outcome, verb and stage. */
export interface ServeTotals {
  /** Events accepted (answered 2xx). */
  events: number;
  /** POSTs accepted. */
  posts: number;
  /** Bodies rejected with 400 (not a valid `EventList`). */
  rejected: number;
  /** Requests refused with 401 (wrong or missing token). */
  unauthorized: number;
  /** POSTs failed on purpose (`--fail-rate`). */
  injected: number;
  /** Other non-2xx answers (405, 413, 500). */
  otherErrors: number;
  /** Accepted events by verb. */
  verbs: Record<string, number>;
  /** Accepted events by stage. */
  stages: Record<string, number>;
}

/**
 * Tallies the requests `serve` answers, and turns them into its one-line summary
 * (events/s, totals by verb and stage, rejected bodies).
 */
export class ServeTally {
  readonly totals: ServeTotals = {
    events: 0,
    posts: 0,
    rejected: 0,
    unauthorized: 0,
    injected: 0,
    otherErrors: 0,
    verbs: {},
    stages: {},
  };
  private readonly started = Date.now();
  private samples: { at: number; events: number }[] = [];

  /**
   * @param injectedStatus The status `--fail-rate` failures are answered with.
   */
  constructor(private readonly injectedStatus: number) {}

  /** Counts one answered request. */
  add(request: ReceivedRequest): void {
    const t = this.totals;
    const reply = request.reply;
    if (typeof reply === 'number' && reply >= 200 && reply < 300) {
      t.posts++;
      t.events += request.events.length;
      for (const event of request.events) {
        t.verbs[event.verb] = (t.verbs[event.verb] ?? 0) + 1;
        t.stages[event.stage] = (t.stages[event.stage] ?? 0) + 1;
      }
    } else if (reply === 400) t.rejected++;
    else if (reply === 401) t.unauthorized++;
    else if (reply === this.injectedStatus && request.decodeError === undefined) t.injected++;
    else t.otherErrors++;
  }

  /** Events per second over the last few seconds (over the whole run until then). */
  rate(now = Date.now()): number {
    this.samples.push({ at: now, events: this.totals.events });
    this.samples = this.samples.filter((s) => now - s.at <= 5000);
    const oldest = this.samples[0];
    const since = oldest !== undefined && now - oldest.at >= 1000 ? oldest : { at: this.started, events: 0 };
    const seconds = (now - since.at) / 1000;
    return seconds > 0 ? (this.totals.events - since.events) / seconds : 0;
  }

  /** The one-line summary. */
  line(now = Date.now()): string {
    const t = this.totals;
    // The five most frequent keys, so the line stays short enough for a terminal.
    const top = (counts: Record<string, number>): string => {
      const sorted = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      const shown = sorted.slice(0, 5).map(([key, n]) => `${key} ${n}`);
      if (sorted.length > 5) shown.push('…');
      return shown.join(', ') || '-';
    };
    const errors = t.otherErrors > 0 ? ` | other errors ${t.otherErrors}` : '';
    return (
      `${t.events} events in ${t.posts} POSTs (${Math.round(this.rate(now))}/s)` +
      ` | verbs: ${top(t.verbs)} | stages: ${top(t.stages)}` +
      ` | rejected ${t.rejected} | unauthorized ${t.unauthorized} | failed on purpose ${t.injected}${errors}`
    );
  }
}
