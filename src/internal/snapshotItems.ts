import type { AuditEvent } from '../events/Event.js';
import type { EngineItem } from './EngineBatch.js';

/** A call's events as engine items, and the events that cannot become one. */
export interface Snapshots {
  readonly items: EngineItem[];
  /** The caller's event of each item (same index), for reports of the call's rest. */
  readonly sources: AuditEvent[];
  /** Events that cannot be serialized. */
  readonly invalid: AuditEvent[];
  /** Events whose snapshot alone is over `maxItemBytes`. */
  readonly tooLarge: AuditEvent[];
}

/**
 * Snapshots each event (`snapshot` gives its wire JSON; a throw or a non-string marks it invalid) and measures
 * its UTF-8 bytes, once: the buffer and the batch byte bounds, and the body encoder, all use that number.
 */
export function snapshotItems(
  events: readonly AuditEvent[],
  snapshot: (event: AuditEvent) => string,
  maxItemBytes: number,
): Snapshots {
  const items: EngineItem[] = [];
  const sources: AuditEvent[] = [];
  const invalid: AuditEvent[] = [];
  const tooLarge: AuditEvent[] = [];
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as AuditEvent;
    let json: unknown;
    try {
      json = snapshot(event);
    } catch {
      json = undefined;
    }
    if (typeof json !== 'string') {
      invalid.push(event);
      continue;
    }
    const bytes = Buffer.byteLength(json);
    if (bytes > maxItemBytes) tooLarge.push(event);
    else {
      items.push({ json, bytes });
      sources.push(event);
    }
  }
  return { items, sources, invalid, tooLarge };
}
