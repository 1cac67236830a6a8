import type { AuditEvent } from '../events/Event.js';
import { itemBound, itemBytes } from './EngineBatch.js';
import type { EngineItem } from './EngineBatch.js';
import type { ResolvedBatchOptions } from '../util/validateOptions.js';

/** A caller waiting for room (`whenFull: 'block'`, or the spool's `enqueue`). */
export interface RoomWaiter {
  readonly items: EngineItem[];
  /** Items placed so far (the waiter's own cursor: nothing about a call is kept on the room). */
  placed: number;
  /** processEvents: the caller's event of each item, reported from `placed` on at shutdown; enqueue: none. */
  readonly sources: readonly AuditEvent[] | undefined;
  /** `true` once every item is placed; `false` when shutdown came first. */
  readonly done: (placedAll: boolean) => void;
}

/**
 * The bounded buffer's room: events (`bufferSize`) and snapshot bytes (`maxBufferBytes`) held — queued plus in
 * flight — and the callers waiting for room, served first come first served. `place` hands an item on (the
 * engine accepts it); it may re-enter the room synchronously (a sender that ends at once frees room, a
 * callback that calls processEvents), so every loop re-checks the room after each item.
 *
 * Bytes are held by each item's bound ({@link itemBound}) until the bound could decide: an item that does not
 * fit by the bounds makes the room measure what it holds by bound (each item once), and then it decides on
 * exact bytes, as if every item had been measured on the way in.
 */
export class BufferRoom {
  held = 0;
  heldBytes = 0;
  readonly #waiters: RoomWaiter[] = [];
  /**
   * Items held by their bound, oldest first, from `#head` on. Freed ones are skipped; they are dropped from
   * the front as they are freed (batches end mostly in order), and all at once should they pile up behind an
   * item still held.
   */
  #byBound: (EngineItem | undefined)[] = [];
  #head = 0;
  #admitting = false;
  #closed = false;

  constructor(
    private readonly limits: Pick<ResolvedBatchOptions, 'bufferSize' | 'maxBufferBytes'>,
    private readonly place: (item: EngineItem) => void,
  ) {}

  #fits(item: EngineItem): boolean {
    if (this.#closed || this.held >= this.limits.bufferSize) return false;
    const max = this.limits.maxBufferBytes;
    if (max === Infinity || this.heldBytes + itemBound(item) <= max) return true;
    this.#measureHeld();
    return this.heldBytes + itemBytes(item) <= max;
  }

  /** Replaces the bound charged for each held, unmeasured item by its exact bytes. */
  #measureHeld(): void {
    const list = this.#byBound;
    for (let i = this.#head; i < list.length; i++) {
      const item = list[i] as EngineItem;
      if (item.charge === 0) continue; // freed
      const bytes = itemBytes(item);
      this.heldBytes += bytes - item.charge;
      item.charge = bytes;
    }
    this.#byBound = [];
    this.#head = 0;
  }

  /** Charges `item` (nothing without a byte bound). */
  #charge(item: EngineItem): void {
    this.held++;
    if (this.limits.maxBufferBytes === Infinity) return;
    item.charge = itemBound(item);
    this.heldBytes += item.charge;
    if (item.bytes !== undefined) return;
    this.#byBound.push(item);
    if (this.#byBound.length - this.#head > 2 * this.held + 1024) {
      this.#byBound = this.#byBound.slice(this.#head).filter((i) => (i as EngineItem).charge > 0);
      this.#head = 0;
    }
  }

  /** Drops freed items from the front of the by-bound list. */
  #trim(): void {
    const list = this.#byBound;
    let head = this.#head;
    while (head < list.length && (list[head] as EngineItem).charge === 0) list[head++] = undefined;
    if (head === list.length) {
      this.#byBound = [];
      head = 0;
    } else if (head > 1024 && 2 * head > list.length) {
      this.#byBound = list.slice(head);
      head = 0;
    }
    this.#head = head;
  }

  #take(item: EngineItem): void {
    this.#charge(item);
    this.place(item);
  }

  /**
   * Drop mode: places items while they fit and nobody waits; returns how many it placed (the rest is the
   * caller's to report). A throw from `place` (a subscriber, under rxjs' deprecated synchronous error
   * handling) stops it: `error` is set and `placed` counts what was placed before.
   */
  placeNow(items: readonly EngineItem[]): { placed: number; error?: unknown } {
    let i = 0;
    try {
      while (i < items.length && this.#waiters.length === 0 && this.#fits(items[i] as EngineItem)) {
        this.#take(items[i++] as EngineItem);
      }
    } catch (error) {
      return { placed: i, error };
    }
    return { placed: i };
  }

  /** Queues a waiter behind the others and places what fits now. */
  wait(waiter: RoomWaiter): void {
    this.#waiters.push(waiter);
    this.admit();
  }

  /**
   * Places `items` as room frees, behind the callers already waiting (the spool's `enqueue`); resolves with
   * the items not placed: none, or the rest when the room closed first.
   */
  placeWhenRoom(items: EngineItem[]): Promise<EngineItem[]> {
    return new Promise<EngineItem[]>((resolve) => {
      if (this.#closed) return resolve(items);
      const waiter: RoomWaiter = {
        items,
        placed: 0,
        sources: undefined,
        done: (all) => resolve(all ? [] : items.slice(waiter.placed)),
      };
      this.wait(waiter);
    });
  }

  /** Holds items without a bound (blocking mode: each call is its own batch, the caller waits for it). */
  hold(items: readonly EngineItem[]): void {
    for (const item of items) this.#charge(item);
  }

  /** Frees the room of ended items (then call {@link admit}). */
  free(items: readonly EngineItem[]): void {
    this.held -= items.length;
    for (const item of items) {
      this.heldBytes -= item.charge;
      item.charge = 0;
    }
    if (this.#byBound.length > 0) this.#trim();
  }

  /** Places what waiting callers can place now, in order. A re-entrant call leaves the work to the loop under way. */
  admit(): void {
    if (this.#admitting) return;
    this.#admitting = true;
    try {
      for (let w = this.#waiters[0]; w !== undefined; w = this.#waiters[0]) {
        while (w.placed < w.items.length && this.#fits(w.items[w.placed] as EngineItem)) {
          this.#take(w.items[w.placed++] as EngineItem);
        }
        if (w.placed < w.items.length) return;
        this.#waiters.shift();
        w.done(true);
      }
    } finally {
      this.#admitting = false;
    }
  }

  /**
   * Shutdown: nothing is placed any more — not even by a loop under way (a callback inside `place` may have
   * begun the shutdown). Returns every waiter; the caller reports their rest and calls `done(false)`.
   */
  close(): RoomWaiter[] {
    this.#closed = true;
    return this.#waiters.splice(0);
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }
}
