import { BATCH_DEFAULTS } from '../contract/options.js';
import { firstValueFrom, merge, timer } from 'rxjs';
import type { AuditBackend } from '../contract/AuditBackend.js';
import type { AuditEvent } from '../events/Event.js';
import type { ShipRecord } from './readLogRecords.js';
import { errorMessage } from '../util/toError.js';

/** Options of {@link shipLines}. */
export interface ShipLinesOptions {
  /** The backend to ship through; `shipLines` calls `run()` and, at the end, `shutdown()`. */
  backend: AuditBackend;
  /** `batch`: offer events as fast as the buffer has room; `blocking`: one awaited call (one POST) per chunk. */
  mode: 'batch' | 'blocking';
  /** The backend's `batch.bufferSize`: in batch mode, reading pauses while queued + in-flight events reach it. */
  bufferSize: number;
  /** Events per `processEvents` call in blocking mode (events per POST). */
  chunkSize: number;
  /**
   * Blocking mode: a partial chunk is sent after input was idle this long, in ms (batch mode: the backend's own
   * `maxBatchWait` does it). @default BATCH_DEFAULTS.maxBatchWait
   */
  maxBatchWait?: number;
  /** Turns one parsed record into events (an `Event`, or an `EventList`'s items); throws when it is not valid. */
  decode: (value: unknown) => AuditEvent[];
  /** Called for each record skipped as invalid. */
  onInvalid: (lineNumber: number, message: string) => void;
  /** Called for each record, in input order, with the events it held once they are accepted (none if invalid). */
  onRecord?: (record: ShipRecord, events: readonly AuditEvent[]) => void;
  /**
   * Aborting stops reading at once (the input should stop too) and begins the drain: what was accepted is still
   * sent, for at most `drainTimeout`.
   */
  signal?: AbortSignal;
  /** After `signal` aborted, the longest the drain may take, in ms. @default no limit */
  drainTimeout?: number;
  /** Called after each record, e.g. to refresh a progress display. */
  onProgress?: (counts: { read: number; invalid: number }) => void;
}

/** What {@link shipLines} did. */
export interface ShipLinesResult {
  /** Valid events read. */
  read: number;
  /** Invalid records skipped. */
  invalid: number;
  /** Whether reading stopped early because `signal` was aborted. */
  interrupted: boolean;
}

/**
 * Ships a stream of log records through an audit backend with backpressure: in batch mode, no more is read while
 * the backend's buffer (queued plus in-flight events) is full, so a log of any size is shipped whole rather than
 * dropped as `queue-blocked`. Each record's events are offered as soon as it is read — the backend's
 * `maxBatchWait` sends a partial batch while the input is idle. Invalid records are reported through
 * `onInvalid` and skipped. Resolves after the backend has shut down (drained), so `backend.stats()` then holds
 * the final counts.
 *
 * @param records Log records (see `readLogRecords`).
 * @param options How to ship.
 * @returns Counts of what was read.
 */
export async function shipLines(
  records: AsyncIterable<ShipRecord>,
  options: ShipLinesOptions,
): Promise<ShipLinesResult> {
  const { backend, mode, bufferSize, chunkSize, decode, onInvalid, signal, onProgress, onRecord } = options;
  const maxBatchWait = options.maxBatchWait ?? BATCH_DEFAULTS.maxBatchWait;
  let read = 0;
  let invalid = 0;
  let pending: { record: ShipRecord; events: AuditEvent[] }[] = [];
  let pendingEvents = 0;

  let drain: Promise<void> | undefined;
  const startDrain = (): Promise<void> =>
    (drain ??= backend.shutdown(
      signal?.aborted === true && options.drainTimeout !== undefined
        ? { timeout: options.drainTimeout }
        : undefined,
    ));
  const aborted = new Promise<'aborted'>((resolve) => {
    if (signal?.aborted) resolve('aborted');
    signal?.addEventListener(
      'abort',
      () => {
        resolve('aborted');
        // Stop accepting and start the drain now: a blocking POST in flight gets the drain deadline too.
        void startDrain();
      },
      { once: true },
    );
  });

  const free = (): number => {
    const { queued, inFlight } = backend.stats();
    return bufferSize - queued - inFlight;
  };
  // Space frees up when a send finishes (delivered or failed); the short timer is only a safety net.
  const spaceChanged = (): Promise<unknown> =>
    firstValueFrom(merge(backend.deliveries$, backend.errors$, timer(25)));

  const offerBatch = async (record: ShipRecord, events: AuditEvent[]): Promise<void> => {
    // Announced before they are offered: a sent event may end before processEvents resolves.
    onRecord?.(record, events);
    let rest = events;
    while (rest.length > 0) {
      let room = free();
      while (room <= 0) {
        if ((await Promise.race([spaceChanged(), aborted])) === 'aborted') return;
        room = free();
      }
      if (signal?.aborted) return;
      const part = rest.length <= room ? rest : rest.slice(0, room);
      rest = rest.length <= room ? [] : rest.slice(room);
      await backend.processEvents(...part);
    }
  };

  const flushBlocking = async (): Promise<void> => {
    const chunk = pending;
    pending = [];
    pendingEvents = 0;
    const events = chunk.flatMap((p) => p.events);
    for (const p of chunk) onRecord?.(p.record, p.events);
    for (let start = 0; start < events.length; start += chunkSize) {
      if (signal?.aborted) return;
      await backend.processEvents(...events.slice(start, start + chunkSize));
    }
  };

  backend.run();
  let interrupted = false;
  const iterator = records[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = iterator.next();
      let result: IteratorResult<ShipRecord> | 'aborted' | 'idle';
      for (;;) {
        const idle =
          mode === 'blocking' && pendingEvents > 0
            ? new Promise<'idle'>((resolve) => setTimeout(() => resolve('idle'), maxBatchWait).unref())
            : undefined;
        result = await Promise.race(idle === undefined ? [next, aborted] : [next, aborted, idle]);
        if (result !== 'idle') break;
        await flushBlocking();
      }
      if (result === 'aborted') {
        interrupted = true;
        // The input stops on the same signal; let its generator finish before leaving.
        void next.catch(() => undefined);
        break;
      }
      if (result.done === true) break;
      const record = result.value;
      let events: AuditEvent[] = [];
      if (record.error !== undefined) {
        invalid++;
        onInvalid(record.lineNumber, record.error);
      } else {
        try {
          events = decode(record.value);
          read += events.length;
        } catch (err) {
          invalid++;
          onInvalid(record.lineNumber, errorMessage(err));
        }
      }
      if (mode === 'batch') {
        if (events.length > 0) await offerBatch(record, events);
        else onRecord?.(record, events);
      } else {
        pending.push({ record, events });
        pendingEvents += events.length;
        if (pendingEvents >= chunkSize) await flushBlocking();
      }
      onProgress?.({ read, invalid });
      if (signal?.aborted) {
        interrupted = true;
        break;
      }
    }
    if (!interrupted && pending.length > 0) await flushBlocking();
    if (signal?.aborted) interrupted = true;
    onProgress?.({ read, invalid });
  } finally {
    // At the end of the input, what was accepted is sent without a deadline: until a signal sets one, so the
    // drain it begins meanwhile has its `drainTimeout` (a drain begun now would have none).
    if (!interrupted && signal?.aborted !== true) await Promise.race([backend.flush(), aborted]);
    await startDrain();
  }
  return { read, invalid, interrupted };
}
