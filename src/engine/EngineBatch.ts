/**
 * One accepted event inside the engine: its snapshot (the wire JSON that will be sent), the snapshot's UTF-8
 * bytes, and an opaque `key` a layer in front of the engine (the spool) uses to find it again.
 * `json` is replaced once, by the same text in a compacted batch (see {@link compactSnapshots}).
 */
export interface EngineItem {
  json: string;
  /**
   * `Buffer.byteLength(json)`; `undefined` only when no byte bound is set (`maxBufferBytes` and
   * `maxBatchBytes` both `Infinity`), so nothing on the caller's path needs it (see `snapshotItems`).
   */
  readonly bytes: number | undefined;
  readonly key?: unknown;
}

/** The bytes an item counts for in the byte bounds: its measure, or 0 when no byte bound is set. */
export function boundBytes(item: EngineItem): number {
  return item.bytes ?? 0;
}

/** A `flush()` waiting for the batches alive when it was called. */
export interface FlushWaiter {
  left: number;
  readonly resolve: () => void;
}

/**
 * One batch on its way, the value that flows through the engine's pipeline from the cut to the settle: its
 * items, attempts, start time, what the sender built for it (`payload`, kept across retries), the blocking
 * caller's resolver and the flushes waiting for it. No side table: each stage reads what it needs from it.
 */
export class EngineBatch {
  attempts = 0;
  startedAt = 0;
  payload: unknown = undefined;
  ended = false;
  readonly bytes: number;
  #flushes: FlushWaiter[] | undefined;

  constructor(
    readonly items: EngineItem[],
    private readonly onEnd: ((delivered: boolean) => void) | undefined,
  ) {
    let bytes = 0;
    for (let i = 0; i < items.length; i++) bytes += boundBytes(items[i] as EngineItem);
    this.bytes = bytes;
  }

  /** Makes `waiter` wait for this batch too. */
  waitFor(waiter: FlushWaiter): void {
    waiter.left++;
    (this.#flushes ??= []).push(waiter);
  }

  /** The batch has ended: tells the caller and the flushes waiting for it. */
  end(delivered: boolean): void {
    this.onEnd?.(delivered);
    const flushes = this.#flushes;
    if (flushes === undefined) return;
    this.#flushes = undefined;
    for (const waiter of flushes) if (--waiter.left === 0) waiter.resolve();
  }
}

/**
 * Moves a cut batch's snapshots into one string: each item's `json` becomes a slice of it (the same text).
 * A batch can wait in the buffer for many young-generation GCs; one large string (allocated outside the
 * young generation's copying space) plus small slices survive them at a fraction of the cost of copying
 * every event's JSON over and over.
 */
export function compactSnapshots(items: EngineItem[]): void {
  const n = items.length;
  if (n < 2) return;
  const parts = new Array<string>(n);
  for (let i = 0; i < n; i++) parts[i] = (items[i] as EngineItem).json;
  const joined = parts.join('');
  let at = 0;
  for (let i = 0; i < n; i++) {
    const item = items[i] as EngineItem;
    const end = at + item.json.length;
    item.json = joined.slice(at, end);
    at = end;
  }
}
