// How reports show text that comes from an event or a plugin (audit IDs, plugin names): one line, bounded.
// The stderr line and the logger fields both use it.
import { escapeAndCut, unicodeEscape } from '../events/escapeAndCut.js';

/** The most audit IDs a report shows. */
export const MAX_IDS = 10;

/** The longest audit ID (or plugin name) a report shows: an ID comes from the event, so from anyone. */
export const MAX_ID_LENGTH = 64;

/**
 * `text` made safe for one line: control characters escaped as `\uXXXX`, then cut to `max` characters, the
 * last being `…`, between whole characters and escapes (see {@link escapeAndCut}).
 */
export function escapeField(text: string, max: number = MAX_ID_LENGTH): string {
  return escapeAndCut(text, max, unicodeEscape);
}

/** The first {@link MAX_IDS} events' audit IDs as a report shows them: escaped and cut, `?` for one that is not a string. */
export function showAuditIDs(events: readonly unknown[]): string[] {
  const ids: string[] = [];
  for (let i = 0; i < events.length && i < MAX_IDS; i++) {
    const id = (events[i] as { auditID?: unknown } | null | undefined)?.auditID;
    ids.push(typeof id === 'string' ? escapeField(id) : '?');
  }
  return ids;
}
