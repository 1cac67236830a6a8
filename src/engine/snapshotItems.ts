import type { AuditEvent } from '../events/Event.js';
import type { ResolvedBatchOptions } from '../util/validateOptions.js';
import { engineItem } from './EngineBatch.js';
import type { EngineItem } from './EngineBatch.js';

/** A call's events as engine items, and the events that cannot become one. */
export interface Snapshots {
  readonly items: EngineItem[];
  /** The caller's event of each item (same index), for reports of the call's rest. */
  readonly sources: AuditEvent[];
  /** Events that cannot be serialized. */
  readonly invalid: AuditEvent[];
  /** Why the first of them could not be (what `snapshot` threw), the `cause` of their report. */
  readonly invalidCause?: unknown;
  /** Events whose snapshot alone is over `maxItemBytes`. */
  readonly tooLarge: AuditEvent[];
}

// Shared and frozen: returned only as an empty list, which nobody reports.
const NONE = Object.freeze([]) as unknown as AuditEvent[];

/**
 * Snapshots each event (`snapshot` gives its wire JSON; a throw or a non-string marks it invalid) and checks it
 * against `maxItemBytes` by its bound (`itemBound`, three bytes per UTF-16 code unit): only a snapshot
 * whose bound passes the limit is measured here. The byte bounds measure the rest when they come near a limit,
 * and the body encoder last. On the common path (every event fine) it allocates only the items: `sources` is
 * then the call's own array.
 */
export function snapshotItems(
  events: AuditEvent[],
  snapshot: (event: AuditEvent) => string,
  maxItemBytes: number,
): Snapshots {
  // Sized once (a push would grow the array on every one-event call), and cut to what was kept.
  const items = new Array<EngineItem>(events.length);
  let kept = 0;
  let sources: AuditEvent[] | undefined;
  let invalid: AuditEvent[] | undefined;
  let tooLarge: AuditEvent[] | undefined;
  let invalidCause: unknown;
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as AuditEvent;
    let json: unknown;
    try {
      json = snapshot(event);
    } catch (error) {
      json = undefined;
      invalidCause ??= error;
    }
    let bytes: number | undefined;
    if (typeof json === 'string' && 3 * json.length > maxItemBytes) bytes = Buffer.byteLength(json);
    if (typeof json === 'string' && (bytes === undefined || bytes <= maxItemBytes)) {
      items[kept++] = engineItem(json, bytes);
      sources?.push(event);
      continue;
    }
    // The first event left out: from now on the sources are listed one by one.
    sources ??= events.slice(0, i);
    if (typeof json !== 'string') (invalid ??= []).push(event);
    else (tooLarge ??= []).push(event);
  }
  if (kept < items.length) items.length = kept;
  const left = { items, sources: sources ?? events, invalid: invalid ?? NONE, tooLarge: tooLarge ?? NONE };
  return invalidCause === undefined ? left : { ...left, invalidCause };
}

/** The most bytes one snapshot may have: it must fit the buffer and, inside the `EventList` envelope, a batch. */
export function maxSnapshotBytes(
  limits: Pick<ResolvedBatchOptions, 'maxBufferBytes' | 'maxBatchBytes'>,
  envelopeBytes: number,
): number {
  return Math.min(limits.maxBufferBytes, limits.maxBatchBytes - envelopeBytes);
}

/**
 * Reports the call's events that did not become items — `invalid` and `too-large`, each group once — with
 * messages starting with `subject`; `true` when every event became an item.
 */
export function reportLeftOut(
  { invalid, invalidCause, tooLarge }: Snapshots,
  subject: string,
  maxItemBytes: number,
  report: (reason: 'invalid' | 'too-large', error: Error, events: AuditEvent[]) => void,
): boolean {
  if (invalid.length > 0) {
    const cause = invalidCause === undefined ? undefined : { cause: invalidCause };
    report('invalid', new TypeError(`${subject}: event is not a JSON-serializable object`, cause), invalid);
  }
  if (tooLarge.length > 0) {
    const error = new Error(`${subject} event is over ${maxItemBytes} bytes (maxBufferBytes/maxBatchBytes)`);
    report('too-large', error, tooLarge);
  }
  return invalid.length === 0 && tooLarge.length === 0;
}
