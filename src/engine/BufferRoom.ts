import type { AuditEvent } from '../events/Event.js';
import { boundBytes } from './EngineBatch.js';
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
 */
export class BufferRoom {
  held = 0;
  heldBytes = 0;
  readonly #waiters: RoomWaiter[] = [];
  #admitting = false;
  #closed = false;

  constructor(
    private readonly limits: Pick<ResolvedBatchOptions, 'bufferSize' | 'maxBufferBytes'>,
    private readonly place: (item: EngineItem) => void,
  ) {}

  #fits(item: EngineItem): boolean {
    return (
      !this.#closed &&
      this.held < this.limits.bufferSize &&
      this.heldBytes + boundBytes(item) <= this.limits.maxBufferBytes
    );
  }

  #take(item: EngineItem): void {
    this.held++;
    this.heldBytes += boundBytes(item);
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

  /** Holds items without a bound (blocking mode: each call is its own batch, the caller waits for it). */
  hold(count: number, bytes: number): void {
    this.held += count;
    this.heldBytes += bytes;
  }

  /** Frees the room of ended items (then call {@link admit}). */
  free(count: number, bytes: number): void {
    this.held -= count;
    this.heldBytes -= bytes;
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
