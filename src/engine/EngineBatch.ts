/**
 * One accepted event inside the engine: its snapshot (the wire JSON that will be sent), the snapshot's UTF-8
 * bytes once measured, what the buffer room charged for it, and an opaque `key` a layer in front of the engine
 * (the spool) uses to find it again. `json` is replaced once, by the same text in a compacted batch (see
 * {@link compactSnapshots}).
 */
export interface EngineItem {
  json: string;
  /**
   * `Buffer.byteLength(json)`, or `undefined` until something needs the exact number (see {@link itemBytes}):
   * until then the byte bounds count the item by {@link itemBound}, and the body encoder measures it last.
   */
  bytes: number | undefined;
  /** The bytes the buffer room holds for the item (its bound, or its exact bytes once measured); 0 once freed. */
  charge: number;
  readonly key?: unknown;
}

/** A new item (nothing charged yet). */
export function engineItem(json: string, bytes: number | undefined, key?: unknown): EngineItem {
  return key === undefined ? { json, bytes, charge: 0 } : { json, bytes, charge: 0, key };
}

/**
 * An upper bound of the item's UTF-8 bytes, free to compute: its measure when known, else three bytes per
 * UTF-16 code unit (the most UTF-8 takes for one). Measuring (`Buffer.byteLength`) flattens the string that
 * `JSON.stringify` built in parts and scans it, about a quarter of the stringify, so the bounds measure only
 * what could come near a limit.
 */
export function itemBound(item: EngineItem): number {
  return item.bytes ?? 3 * item.json.length;
}

/** The item's exact UTF-8 bytes, measured once. */
export function itemBytes(item: EngineItem): number {
  return (item.bytes ??= Buffer.byteLength(item.json));
}

/** The byte measures the batch cut takes (see `batchEvents`' `byteLength` and `byteBound`). */
export const itemSizes = { byteLength: itemBytes, byteBound: itemBound } as const;

/** A `flush()` waiting for the batches alive when it was called. */
export interface FlushWaiter {
  left: number;
  readonly resolve: () => void;
}

/**
 * One batch on its way, the value that flows through the engine's pipeline from the cut to the settle: its
 * items, attempts, start time, the sender's own state for it (`payload`: the webhook's body, kept across
 * retries; the buffered backend's delegate call), the blocking caller's resolver and the flushes waiting for
 * it. No side table: each stage reads what it needs from it.
 */
export class EngineBatch {
  attempts = 0;
  startedAt = 0;
  payload: unknown = undefined;
  ended = false;
  #flushes: FlushWaiter[] | undefined;

  constructor(
    readonly items: EngineItem[],
    private readonly onEnd: ((delivered: boolean) => void) | undefined,
  ) {}

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

/** Resolves when every batch in `batches` (those alive at the call) has ended. */
export function whenEnded(batches: Iterable<EngineBatch>): Promise<void> {
  return new Promise<void>((resolve) => {
    const waiter: FlushWaiter = { left: 0, resolve };
    for (const batch of batches) batch.waitFor(waiter);
    if (waiter.left === 0) resolve();
  });
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
