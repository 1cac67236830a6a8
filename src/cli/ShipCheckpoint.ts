import { open, readFile, rename } from 'node:fs/promises';
import { crc32 } from '../spool/crc32.js';
import type { AuditEvent } from '../events/Event.js';
import { CliUsageError } from './CliUsageError.js';
import type { SplitterPosition } from './JsonRecordSplitter.js';
import type { ShipRecord } from './readLogRecords.js';

/** What `--checkpoint FILE` holds: where in which file reading resumes. */
export interface CheckpointState extends SplitterPosition {
  /** The inode of the file the offset belongs to (a rotated file has another). */
  readonly inode?: number | undefined;
  /** The device of that file (with the inode, it names the file a rotated copy is looked for by). */
  readonly dev?: number | undefined;
}

const key = (event: AuditEvent): string => `${String(event.auditID)}/${String(event.stage)}`;

/**
 * Tracks which events of a log have ended — delivered, or reported as failed — and turns that into a checkpoint:
 * the position after the last record all of whose events, and all events before them, have ended. Events end in
 * any order (batches are sent concurrently); the checkpoint only moves over a contiguous prefix, so a restart
 * from it sends no ended event again and skips none that had not ended.
 */
export class ShipCheckpoint {
  private nextSeq = 0;
  private watermark = 0;
  private readonly endedAhead = new Set<number>();
  private readonly seqsByKey = new Map<string, number[]>();
  private records: { endSeq: number; state: CheckpointState }[] = [];
  private head = 0;
  private frozen = false;
  private current: CheckpointState | undefined;

  /**
   * @param onAdvance Called each time the checkpoint moves.
   */
  constructor(private readonly onAdvance: (state: CheckpointState) => void) {}

  /** The last position reached, if any. */
  get state(): CheckpointState | undefined {
    return this.current;
  }

  /** Registers a record read, in input order, with the events it holds (none for an invalid record). */
  record(record: ShipRecord, events: readonly AuditEvent[]): void {
    for (const event of events) {
      const k = key(event);
      const seqs = this.seqsByKey.get(k);
      if (seqs === undefined) this.seqsByKey.set(k, [this.nextSeq]);
      else seqs.push(this.nextSeq);
      this.nextSeq++;
    }
    this.records.push({
      endSeq: this.nextSeq,
      state: { ...record.resume, inode: record.inode, dev: record.dev },
    });
    this.advance();
  }

  /**
   * Marks events as ended.
   *
   * @param events Events delivered or reported (snapshots are fine: events are matched by auditID and stage).
   * @param delivered Whether they were delivered; after {@link ShipCheckpoint.freeze} only delivered ones count.
   */
  ended(events: readonly AuditEvent[], delivered: boolean): void {
    if (this.frozen && !delivered) return;
    for (const event of events) {
      const seqs = this.seqsByKey.get(key(event));
      const seq = seqs?.shift();
      if (seq === undefined) continue;
      if (seqs?.length === 0) this.seqsByKey.delete(key(event));
      this.endedAhead.add(seq);
    }
    this.advance();
  }

  /** From now on, failures (a drain cut short by a signal) do not move the checkpoint: those events are read again. */
  freeze(): void {
    this.frozen = true;
  }

  private advance(): void {
    while (this.endedAhead.delete(this.watermark)) this.watermark++;
    let moved: CheckpointState | undefined;
    while (
      this.head < this.records.length &&
      (this.records[this.head]?.endSeq ?? Infinity) <= this.watermark
    ) {
      moved = this.records[this.head]?.state;
      this.head++;
    }
    if (this.head > 1024) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
    if (moved !== undefined) {
      this.current = moved;
      this.onAdvance(moved);
    }
  }
}

/**
 * Reads a checkpoint file.
 *
 * @param file The `--checkpoint` path.
 * @returns The saved state, or `undefined` when the file does not exist yet.
 * @throws CliUsageError when it exists but is not a checkpoint.
 */
export async function loadCheckpoint(file: string): Promise<CheckpointState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliUsageError(
      `cannot read --checkpoint ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  let value: Partial<CheckpointState>;
  try {
    value = JSON.parse(text) as Partial<CheckpointState>;
  } catch {
    throw new CliUsageError(`--checkpoint ${file} is not a checkpoint (not JSON)`);
  }
  const integer = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  if (
    typeof value !== 'object' ||
    value === null ||
    !integer(value.offset) ||
    !integer(value.line) ||
    (value.mode !== 'lines' && value.mode !== 'documents' && value.mode !== 'detect') ||
    typeof value.inArray !== 'boolean' ||
    (value.inode !== undefined && !integer(value.inode)) ||
    // Device numbers can pass 2^53 (a JSON number keeps them as the same double stat() gives).
    (value.dev !== undefined &&
      (typeof value.dev !== 'number' || !Number.isInteger(value.dev) || value.dev < 0)) ||
    (value.check !== undefined &&
      (typeof value.check !== 'object' ||
        value.check === null ||
        !integer(value.check.bytes) ||
        value.check.bytes > value.offset ||
        !integer(value.check.crc32) ||
        value.check.crc32 > 0xffffffff))
  ) {
    throw new CliUsageError(`--checkpoint ${file} is not a checkpoint (needs offset, line, mode, inArray)`);
  }
  return value as CheckpointState;
}

/**
 * Whether the file at `path` still holds, just before the checkpoint's offset, the bytes the checkpoint was taken
 * after (its `check`): `false` for a file truncated and written again past the offset. A checkpoint without a
 * check (an older one) matches.
 */
export async function matchesCheckpoint(path: string, state: CheckpointState): Promise<boolean> {
  const { check } = state;
  if (check === undefined) return true;
  try {
    const handle = await open(path, 'r');
    try {
      const bytes = Buffer.alloc(check.bytes);
      const { bytesRead } = await handle.read(bytes, 0, check.bytes, state.offset - check.bytes);
      return bytesRead === check.bytes && crc32(bytes) === check.crc32;
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}

/**
 * Writes checkpoints to `file` atomically (a temporary file, fsynced, renamed over it), one write at a time; a
 * newer state asked for during a write is written right after it (states in between are skipped).
 */
export class CheckpointWriter {
  private writing: Promise<void> | undefined;
  private wanted: CheckpointState | undefined;
  private written: CheckpointState | undefined;
  private failure: string | undefined;

  /** @param onFailure Called once, at the first write that fails, with its error code. */
  constructor(
    private readonly file: string,
    private readonly onFailure?: (code: string) => void,
  ) {}

  /** The last write error (code), if any. */
  get error(): string | undefined {
    return this.failure;
  }

  /** Asks for `state` to be written. */
  save(state: CheckpointState): void {
    this.wanted = state;
    this.writing ??= this.loop().finally(() => (this.writing = undefined));
  }

  /** Resolves when every state asked for is written. */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  private async loop(): Promise<void> {
    while (this.wanted !== undefined && this.wanted !== this.written) {
      const state = this.wanted;
      try {
        const tmp = `${this.file}.tmp`;
        const handle = await open(tmp, 'w');
        try {
          await handle.writeFile(`${JSON.stringify(state)}\n`);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(tmp, this.file);
        this.written = state;
      } catch (err) {
        const first = this.failure === undefined;
        this.failure = (err as NodeJS.ErrnoException).code ?? 'error';
        if (first) this.onFailure?.(this.failure);
        return;
      }
    }
  }
}
