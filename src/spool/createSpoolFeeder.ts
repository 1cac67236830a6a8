// Not public: what a batch backend with a spool puts between processEvents and the delivery engine. Accepted
// snapshots go to the spool; one pump reads them back, oldest first, in bounded chunks, and hands them to the
// engine as it has room — so the engine's memory bounds hold however much is spooled, and replayed events go
// before new ones. Ended events leave the spool.
import type { SpoolDamage, SpoolKey, SpoolRecord, SpoolStore } from './openSpoolStore.js';
import { recordBound } from './spoolRecords.js';

/** Where the feeder hands spooled records: the delivery engine. */
export interface SpoolFeederTarget {
  /**
   * Takes records into memory; resolves `true` once all are placed (waiting, in order, for room), `false` when
   * it stopped taking them (shutdown): the feeder then stops, and what was not placed stays in the spool.
   */
  enqueue(records: SpoolRecord[]): Promise<boolean>;
}

/** Options of {@link createSpoolFeeder}. */
export interface SpoolFeederOptions {
  readonly store: SpoolStore;
  /** Records per hand-over at most (the engine's batch size is a good value). */
  readonly chunkRecords: number;
  /** Bytes per hand-over at most (unless one record alone is larger). */
  readonly chunkBytes: number;
  /** Receives each damage the spool found, once (to be reported as `invalid`). */
  readonly onDamage: (damage: SpoolDamage) => void;
}

/** What {@link SpoolFeeder.append} took. */
export interface SpoolAppend {
  /** How many of the snapshots, from the first, fit under `maxBytes` and are being written. */
  readonly count: number;
  /** Resolves once they are written (synced with `sync: 'always'`); rejects with a SpoolError. */
  readonly written: Promise<void>;
}

/** See {@link createSpoolFeeder}. */
export interface SpoolFeeder {
  readonly store: SpoolStore;
  /** Spools the longest first part of `jsons` that fits (all of them, or fewer when the spool is full). */
  append(jsons: readonly string[]): SpoolAppend;
  /** Resolves when `bytes` more bytes fit (in call order), or at {@link stopWaiting}. */
  whenRoom(bytes: number): Promise<void>;
  /** Resolves every {@link whenRoom} waiter now (shutdown began). */
  stopWaiting(): void;
  /** Starts handing records to `target`: first what an earlier process left, then new ones. */
  start(target: SpoolFeederTarget): void;
  /** Resolves once every append started so far has been written or has failed. */
  written(): Promise<void>;
  /** Resolves once everything spooled before the call was handed to the target. */
  handedOver(): Promise<void>;
  /** Records ended (delivered or reported): they leave the spool. */
  ended(keys: readonly SpoolKey[]): void;
  /** Stops handing over; returns what is still in the spool and not handed over, in chunks, to `each`. */
  takeRest(each: (records: SpoolRecord[]) => void): void;
  /** Closes the store (what has not ended stays in it for the next process). */
  close(): void;
}

/** Builds the feeder over an open store. */
export function createSpoolFeeder(options: SpoolFeederOptions): SpoolFeeder {
  const { store, chunkRecords, chunkBytes } = options;
  let target: SpoolFeederTarget | undefined;
  let pumping = false;
  let stopped = false;
  // Records that became readable (or were left by an earlier run) and records handed over, for handedOver().
  let readable = store.unread;
  let handed = 0;
  const handWaiters: { until: number; resolve: () => void }[] = [];
  const roomWaiters: { bytes: number; resolve: () => void }[] = [];
  let damageReported = 0;
  // Appends not yet written (or failed), and who waits for them all.
  let writing = 0;
  let writtenWaiters: (() => void)[] = [];
  const writeEnded = (): void => {
    if (--writing > 0) return;
    const waiters = writtenWaiters;
    writtenWaiters = [];
    for (const resolve of waiters) resolve();
  };

  // The appends the store writes together share its promise, so they share one handler too: per group, not
  // per call, the records become readable and the pump runs.
  interface WriteGroup {
    readonly stored: Promise<void>;
    readonly written: Promise<void>;
    count: number;
  }
  let group: WriteGroup | undefined;
  const watchWrite = (stored: Promise<void>): WriteGroup => {
    writing++;
    const watched: WriteGroup = {
      stored,
      written: stored.then(
        () => {
          readable += watched.count;
          writeEnded();
          void pump();
        },
        (error: unknown) => {
          writeEnded();
          throw error;
        },
      ),
      count: 0,
    };
    return watched;
  };

  const reportDamage = (): void => {
    // The store adds damage as it finds it (at open, or when reading a segment of this run).
    while (damageReported < store.damage.length)
      options.onDamage(store.damage[damageReported++] as SpoolDamage);
  };

  const checkHanded = (): void => {
    for (let i = 0; i < handWaiters.length;) {
      const w = handWaiters[i] as { until: number; resolve: () => void };
      if (handed >= w.until || stopped) {
        handWaiters.splice(i, 1);
        w.resolve();
      } else i++;
    }
  };

  const pump = async (): Promise<void> => {
    if (pumping || target === undefined || stopped) return;
    pumping = true;
    let progress = false;
    try {
      while (!stopped && store.unread > 0) {
        const records = store.read(chunkRecords, chunkBytes);
        reportDamage();
        if (records.length === 0) break;
        progress = true;
        if (!(await target.enqueue(records))) {
          stopped = true;
          break;
        }
        handed += records.length;
        checkHanded();
      }
    } finally {
      pumping = false;
      // Damaged records are never handed over: count what the store skipped as handed.
      if (store.unread === 0) handed = Math.max(handed, readable);
      checkHanded();
    }
    // An append may have become readable while the last enqueue waited (never again without progress: a
    // later append starts the pump anyway).
    if (progress && !stopped && store.unread > 0) void pump();
  };

  const checkRoom = (): void => {
    while (roomWaiters.length > 0) {
      const w = roomWaiters[0] as { bytes: number; resolve: () => void };
      if (!stopped && !store.fits(w.bytes)) return;
      roomWaiters.shift();
      w.resolve();
    }
  };

  return {
    store,
    append(jsons) {
      // Counted by their bound while that fits, and exactly from the first that might not: measuring flattens
      // and scans a snapshot (the store encodes it anyway), about a tenth of the spooled path when done for all.
      let bytes = 0;
      let exact = false;
      let count = 0;
      for (const json of jsons) {
        let size = recordBound(json);
        if (!exact && !store.fits(bytes + size)) {
          exact = true;
          bytes = 0;
          for (let i = 0; i < count; i++) bytes += store.recordSize(jsons[i] as string);
        }
        if (exact) size = store.recordSize(json);
        if (!store.fits(bytes + size)) break;
        bytes += size;
        count++;
      }
      if (count === 0) return { count, written: Promise.resolve() };
      const stored = store.append(count === jsons.length ? jsons : jsons.slice(0, count));
      if (group?.stored !== stored) group = watchWrite(stored);
      group.count += count;
      return { count, written: group.written };
    },
    whenRoom(bytes) {
      if (roomWaiters.length === 0 && (stopped || store.fits(bytes))) return Promise.resolve();
      return new Promise<void>((resolve) => roomWaiters.push({ bytes, resolve }));
    },
    stopWaiting() {
      for (const w of roomWaiters.splice(0)) w.resolve();
    },
    start(t) {
      if (target !== undefined) return;
      target = t;
      reportDamage();
      void pump();
    },
    written() {
      if (writing === 0) return Promise.resolve();
      return new Promise<void>((resolve) => writtenWaiters.push(resolve));
    },
    handedOver() {
      if (handed >= readable || stopped) return Promise.resolve();
      return new Promise<void>((resolve) => handWaiters.push({ until: readable, resolve }));
    },
    ended(keys) {
      store.remove(keys);
      checkRoom();
    },
    takeRest(each) {
      stopped = true;
      for (;;) {
        const records = store.read(chunkRecords, chunkBytes);
        if (records.length === 0) break;
        each(records);
      }
      reportDamage();
      checkHanded();
      checkRoom();
    },
    close() {
      stopped = true;
      checkHanded();
      checkRoom();
      store.close();
    },
  };
}
