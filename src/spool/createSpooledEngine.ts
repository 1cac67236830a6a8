// Not public: the delivery engine with a durable spool in front of it (batch mode with `spool`). processEvents
// snapshots the events and appends them to the spool (resolving once they are written, or synced); a feeder
// hands them, oldest first — what an earlier process left before anything new — to the engine through its
// `enqueue` hook as it has room; the engine's `ended` hook takes each event out of the spool when it ends. The
// engine's bufferSize/maxBufferBytes then bound only memory; the spool's maxBytes bounds what is accepted.
import type { Observable } from 'rxjs';
import { merge } from 'rxjs';
import type { AuditPluginError, AuditStats } from '../contract/AuditBackend.js';
import { PluginReports } from '../util/PluginReports.js';
import type { AuditEvent } from '../events/Event.js';
import { createDeliveryEngine } from '../engine/createDeliveryEngine.js';
import type { DeliveryEngine, DeliveryEngineConfig } from '../engine/DeliveryEngineConfig.js';
import { engineItem } from '../engine/EngineBatch.js';
import type { EngineItem } from '../engine/EngineBatch.js';
import { maxSnapshotBytes, reportLeftOut, snapshotItems } from '../engine/snapshotItems.js';
import { createSpoolFeeder } from './createSpoolFeeder.js';
import type { SpoolAppend } from './createSpoolFeeder.js';
import type { SpoolKey, SpoolRecord } from './openSpoolStore.js';
import { openSpoolStore } from './openSpoolStore.js';
import { RECORD_HEADER_BYTES } from './spoolRecords.js';
import type { ResolvedSpoolOptions } from './SpoolOptions.js';
import { SpoolError } from './SpoolError.js';

/** Bytes handed to the engine at a time at most (and `maxBatchSize` events). */
const CHUNK_BYTES = 1024 * 1024;

/** A {@link DeliveryEngine} whose `stats()` also has the spool's counters. */
export interface SpooledEngine extends DeliveryEngine {
  stats(): AuditStats & { spooledEvents: number; spooledBytes: number };
}

/**
 * Opens (and locks) the spool and builds the engine behind it. Throws `spool <dir> is in use (pid <pid>)`
 * while another backend holds the folder.
 */
export function createSpooledEngine(
  config: DeliveryEngineConfig,
  spool: ResolvedSpoolOptions,
): SpooledEngine {
  const { batch: limits } = config;
  const reports = new PluginReports(config.plugin, config.report);
  // A lost ack or a failed sync loses no event (a lost ack sends them again): reported with no events, as damage.
  const onTrouble = (error: SpoolError) => reports.report('invalid', error, []);
  const store = openSpoolStore({ ...spool, scheduler: config.scheduler, onTrouble });
  let accepted = 0;
  let running = false;
  let shuttingDown = false;

  const { report } = reports;
  const refusal = (what: string): Error => new Error(`${config.subject} ${what}`);

  const feeder = createSpoolFeeder({
    store,
    chunkRecords: limits.maxBatchSize,
    chunkBytes: CHUNK_BYTES,
    // What is damaged cannot be read back: the report has the spool's message and no events.
    onDamage: (damage) => report('invalid', new SpoolError(spool.dir, damage.message), []),
  });
  const engine = createDeliveryEngine({
    ...config,
    ended: (items, delivered) => {
      config.ended?.(items, delivered);
      feeder.ended(items.map((item) => item.key as SpoolKey));
    },
  });

  const toItems = (records: SpoolRecord[]): EngineItem[] =>
    records.map((r) => engineItem(r.json, r.key.size - RECORD_HEADER_BYTES, r.key));

  /** `true` once the write of `sources[from, to)` ended well; else they are reported `queue-blocked`. */
  const accountWrite = (write: Promise<void>, sources: AuditEvent[], from: number, to: number) =>
    write.then(
      () => {
        accepted += to - from;
        return true;
      },
      (error: unknown) => {
        report('queue-blocked', error as Error, sources.slice(from, to));
        return false;
      },
    );

  /** Appends the call's snapshots from `done` on; `undefined` once shutdown began. */
  const appendFrom = (items: EngineItem[], done: number): SpoolAppend | undefined =>
    shuttingDown
      ? undefined
      : feeder.append((done === 0 ? items : items.slice(done)).map((item) => item.json));

  /** Spools `items` (the call's snapshots), waiting for room with `whenFull: 'block'`; `true` when all were. */
  const spoolAll = (items: EngineItem[], sources: AuditEvent[]): Promise<boolean> => {
    const first = appendFrom(items, 0);
    // The common case, all of them at once: one append, and one promise for the call.
    if (first?.count === items.length) return accountWrite(first.written, sources, 0, items.length);
    return spoolRest(items, sources, first);
  };

  /** {@link spoolAll} for a call that did not fit at once; `append` is what its first append took. */
  const spoolRest = async (
    items: EngineItem[],
    sources: AuditEvent[],
    append: SpoolAppend | undefined,
  ): Promise<boolean> => {
    const writes: Promise<boolean>[] = [];
    let done = 0;
    for (; append !== undefined; append = appendFrom(items, done)) {
      if (append.count > 0) {
        writes.push(accountWrite(append.written, sources, done, done + append.count));
        done += append.count;
        if (done === items.length) break;
        continue;
      }
      const size = store.recordSize((items[done] as EngineItem).json);
      // Drop mode, or an event that could never fit (larger than spool.maxBytes alone): the rest is refused.
      if (limits.whenFull === 'drop' || size > spool.maxBytes) {
        report('queue-blocked', refusal('queue blocked'), sources.slice(done));
        break;
      }
      await feeder.whenRoom(size);
    }
    // A call waiting for room when shutdown began: its rest is refused.
    if (append === undefined) report('shut-down', refusal('shut down'), sources.slice(done));
    const written = await Promise.all(writes);
    return done === items.length && written.every(Boolean);
  };

  const maxItemBytes = maxSnapshotBytes(limits, config.envelopeBytes);

  const processEvents = (events: AuditEvent[]): Promise<boolean> => {
    if (events.length === 0) return Promise.resolve(true);
    if (shuttingDown) {
      report('shut-down', refusal('shut down'), events);
      return Promise.resolve(false);
    }
    const snapshots = snapshotItems(events, config.snapshot, maxItemBytes);
    const { items, sources } = snapshots;
    const whole = reportLeftOut(snapshots, config.subject, maxItemBytes, report);
    if (items.length === 0) return Promise.resolve(whole);
    return whole ? spoolAll(items, sources) : spoolAll(items, sources).then(() => false);
  };

  const shutdown = async (timeout: number | undefined): Promise<void> => {
    shuttingDown = true;
    feeder.stopWaiting();
    const start = config.scheduler.now();
    // Everything spooled goes to the engine before it drains: wait for the writes and the hand-over, up to
    // the deadline. What is still only on disk then stays there for the next backend on the folder (also
    // when the backend never ran).
    await feeder.written();
    const handed = feeder.handedOver();
    if (!running) {
      /* nothing is handed over before run() */
    } else if (timeout === undefined || timeout === Infinity) await handed;
    else {
      await new Promise<void>((resolve) => {
        const timer = config.scheduler.schedule(
          resolve,
          Math.max(0, timeout - (config.scheduler.now() - start)),
        );
        void handed.then(() => {
          timer.unsubscribe();
          resolve();
        });
      });
    }
    const left = timeout === undefined ? undefined : Math.max(0, timeout - (config.scheduler.now() - start));
    try {
      await engine.shutdown(left);
    } finally {
      feeder.close();
    }
  };

  return {
    run: () => {
      if (running || shuttingDown) return;
      running = true;
      engine.run();
      feeder.start({
        enqueue: (records) => engine.enqueue(toItems(records)).then((rest) => rest.length === 0),
      });
    },
    processEvents,
    enqueue: (items) => engine.enqueue(items),
    flush: async () => {
      await feeder.written();
      await feeder.handedOver();
      await engine.flush();
    },
    shutdown,
    errors$: merge(engine.errors$, reports.errors$) as Observable<AuditPluginError>,
    deliveries$: engine.deliveries$,
    stats: () => {
      const stats = engine.stats();
      reports.addTo(stats.failed);
      const { spooledEvents, spooledBytes } = store.stats();
      return {
        ...stats,
        // Accepted: spooled by processEvents in this process (the engine's count includes replayed events).
        accepted,
        queued: stats.queued + store.unread,
        spooledEvents,
        spooledBytes,
      };
    },
  };
}
