import type { ServeOutcome } from './ServeOutcome.js';
import { printable } from './escapeControl.js';
import { plural } from './plural.js';

/** Counts of what `serve` received, by outcome, verb and stage. */
export interface ServeTotals {
  /** Events accepted (answered 2xx). */
  events: number;
  /** POSTs accepted. */
  posts: number;
  /** Bodies rejected with 400 (not a valid `EventList`, or an event that cannot be stored). */
  rejected: number;
  /** Requests refused with 401 (wrong or missing token). */
  unauthorized: number;
  /** POSTs failed on purpose (`--fail-rate`). */
  injected: number;
  /** Bodies refused with 413 (over `--max-body-bytes`) or 415 (an unknown `Content-Encoding`). */
  tooLarge: number;
  /** Other non-2xx answers to POSTs (405, 500, 503). */
  otherErrors: number;
  /** Accepted events by verb (a `Map`: any verb, `__proto__` included, is just a key). */
  verbs: Map<string, number>;
  /** Accepted events by stage. */
  stages: Map<string, number>;
}

/** At most this many distinct verbs (or stages) are counted by name; the rest go under `(other)`. */
export const MAX_TALLY_KEYS = 1000;

/**
 * Tallies the requests `serve` answers, and turns them into its one-line summary
 * (events/s, totals by verb and stage, rejected bodies). Keys come from input: they are counted in `Map`s
 * (bounded to {@link MAX_TALLY_KEYS}), and printed escaped and cut.
 */
export class ServeTally {
  readonly totals: ServeTotals = {
    events: 0,
    posts: 0,
    rejected: 0,
    unauthorized: 0,
    injected: 0,
    tooLarge: 0,
    otherErrors: 0,
    verbs: new Map(),
    stages: new Map(),
  };
  private readonly started = Date.now();
  private samples: { at: number; events: number }[] = [];

  /** Counts one answered request (`GET /healthz` and `/metrics` are not counted). */
  add(outcome: ServeOutcome): void {
    const t = this.totals;
    if (outcome.method !== 'POST') return;
    const status = outcome.status;
    if (status >= 200 && status < 300) {
      t.posts++;
      t.events += outcome.events.length;
      for (const event of outcome.events) {
        bump(t.verbs, String(event.verb));
        bump(t.stages, String(event.stage));
      }
    } else if (outcome.injected) t.injected++;
    else if (status === 400) t.rejected++;
    else if (status === 401) t.unauthorized++;
    else if (status === 413 || status === 415) t.tooLarge++;
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

  /** The one-line summary (no control character, whatever the events held). */
  line(now = Date.now()): string {
    const t = this.totals;
    // The five most frequent keys, so the line stays short enough for a terminal.
    const top = (counts: Map<string, number>): string => {
      const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      const shown = sorted.slice(0, 5).map(([key, n]) => `${printable(key, 40)} ${n}`);
      if (sorted.length > 5) shown.push('…');
      return shown.join(', ') || '-';
    };
    const tooLarge = t.tooLarge > 0 ? ` | too large ${t.tooLarge}` : '';
    const errors = t.otherErrors > 0 ? ` | other errors ${t.otherErrors}` : '';
    return (
      `${plural(t.events, 'event')} in ${plural(t.posts, 'POST')} (${Math.round(this.rate(now))}/s)` +
      ` | verbs: ${top(t.verbs)} | stages: ${top(t.stages)}` +
      ` | rejected ${t.rejected} | unauthorized ${t.unauthorized} | failed on purpose ${t.injected}${tooLarge}${errors}`
    );
  }
}

function bump(counts: Map<string, number>, key: string): void {
  const known = counts.get(key);
  if (known !== undefined) counts.set(key, known + 1);
  else if (counts.size < MAX_TALLY_KEYS) counts.set(key, 1);
  else counts.set('(other)', (counts.get('(other)') ?? 0) + 1);
}
