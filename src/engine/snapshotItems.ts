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

// Shared and frozen: returned only as an empty list, which nobody reports.
const NONE = Object.freeze([]) as unknown as AuditEvent[];

/**
 * Snapshots each event (`snapshot` gives its wire JSON; a throw or a non-string marks it invalid) and measures
 * its UTF-8 bytes, once: the buffer and batch byte bounds and the body encoder all use that number. With no
 * byte bound (`maxItemBytes` is `Infinity`: `maxBufferBytes` and `maxBatchBytes` both are) nothing reads the
 * number on the caller's path, so it is left for the body encoder to measure. (Measuring is not free: it
 * flattens the string `JSON.stringify` built in parts and scans it, about a quarter of the stringify.) On the
 * common path (every event fine) it allocates only the items: `sources` is then the call's own array.
 */
export function snapshotItems(
  events: AuditEvent[],
  snapshot: (event: AuditEvent) => string,
  maxItemBytes: number,
): Snapshots {
  const items: EngineItem[] = [];
  let sources: AuditEvent[] | undefined;
  let invalid: AuditEvent[] | undefined;
  let tooLarge: AuditEvent[] | undefined;
  const measure = maxItemBytes !== Infinity;
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as AuditEvent;
    let json: unknown;
    try {
      json = snapshot(event);
    } catch {
      json = undefined;
    }
    const bytes = typeof json !== 'string' ? -1 : measure ? Buffer.byteLength(json) : 0;
    if (bytes >= 0 && bytes <= maxItemBytes) {
      items.push({ json: json as string, bytes: measure ? bytes : undefined });
      sources?.push(event);
      continue;
    }
    // The first event left out: from now on the sources are listed one by one.
    sources ??= events.slice(0, i);
    if (bytes < 0) (invalid ??= []).push(event);
    else (tooLarge ??= []).push(event);
  }
  return { items, sources: sources ?? events, invalid: invalid ?? NONE, tooLarge: tooLarge ?? NONE };
}
