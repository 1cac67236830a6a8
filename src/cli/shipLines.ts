import { firstValueFrom, merge, timer } from 'rxjs';
import type { AuditBackend } from '../backends/AuditBackend.js';
import type { AuditEvent } from '../events/Event.js';
import type { JsonLine } from './readJsonLines.js';

/** Options of {@link shipLines}. */
export interface ShipLinesOptions {
  /** The backend to ship through; `shipLines` calls `run()` and, at the end, `shutdown()`. */
  backend: AuditBackend;
  /** `batch`: offer events as fast as the buffer has room; `blocking`: one awaited call (one POST) per chunk. */
  mode: 'batch' | 'blocking';
  /** The backend's `batch.bufferSize`: in batch mode, reading pauses while queued + in-flight events reach it. */
  bufferSize: number;
  /** Events per `processEvents` call (in blocking mode, events per POST). */
  chunkSize: number;
  /** Turns one parsed line into events (an `Event`, or an `EventList`'s items); throws when it is not valid. */
  decode: (value: unknown) => AuditEvent[];
  /** Called for each line skipped as invalid. */
  onInvalid: (lineNumber: number, message: string) => void;
  /** Aborting stops reading; what was already accepted is still drained. */
  signal?: AbortSignal;
  /** Called after each line, e.g. to refresh a progress display. */
  onProgress?: (counts: { read: number; invalid: number }) => void;
}

/** What {@link shipLines} did. */
export interface ShipLinesResult {
  /** Valid events read. */
  read: number;
  /** Invalid lines skipped. */
  invalid: number;
  /** Whether reading stopped early because `signal` was aborted. */
  interrupted: boolean;
}

/**
 * Ships a stream of JSON lines through an audit backend with backpressure: in batch mode, no more is read while
 * the backend's buffer (queued plus in-flight events) is full, so a log of any size is shipped whole rather than
 * dropped as `queue-blocked`. Invalid lines are reported through `onInvalid` and skipped. Resolves after the
 * backend has shut down (drained), so `backend.stats()` then holds the final counts.
 *
 * @param lines Parsed JSON lines (see `readJsonLines`).
 * @param options How to ship.
 * @returns Counts of what was read.
 */
export async function shipLines(
  lines: AsyncIterable<JsonLine>,
  options: ShipLinesOptions,
): Promise<ShipLinesResult> {
  const { backend, mode, bufferSize, chunkSize, decode, onInvalid, signal, onProgress } = options;
  let read = 0;
  let invalid = 0;
  let pending: AuditEvent[] = [];

  const free = (): number => {
    const { queued, inFlight } = backend.stats();
    return bufferSize - queued - inFlight;
  };
  // Space frees up when a send finishes (delivered or failed); the short timer is only a safety net.
  const spaceChanged = (): Promise<unknown> =>
    firstValueFrom(merge(backend.deliveries$, backend.errors$, timer(25)));

  const offer = async (events: AuditEvent[]): Promise<void> => {
    if (mode === 'blocking') {
      for (let start = 0; start < events.length; start += chunkSize) {
        await backend.processEvents(...events.slice(start, start + chunkSize));
      }
      return;
    }
    let rest = events;
    while (rest.length > 0) {
      let room = free();
      while (room <= 0) {
        await spaceChanged();
        room = free();
      }
      const part = rest.length <= room ? rest : rest.slice(0, room);
      rest = rest.length <= room ? [] : rest.slice(room);
      await backend.processEvents(...part);
    }
  };

  backend.run();
  let interrupted = false;
  try {
    for await (const line of lines) {
      if (signal?.aborted) {
        interrupted = true;
        break;
      }
      if (line.error !== undefined) {
        invalid++;
        onInvalid(line.lineNumber, line.error);
      } else {
        try {
          const events = decode(line.value);
          read += events.length;
          pending.push(...events);
        } catch (err) {
          invalid++;
          onInvalid(line.lineNumber, err instanceof Error ? err.message : String(err));
        }
      }
      if (pending.length >= chunkSize) {
        const chunk = pending;
        pending = [];
        await offer(chunk);
      }
      onProgress?.({ read, invalid });
    }
    if (signal?.aborted) interrupted = true;
    if (pending.length > 0) await offer(pending);
    onProgress?.({ read, invalid });
  } finally {
    await backend.shutdown();
  }
  return { read, invalid, interrupted };
}
