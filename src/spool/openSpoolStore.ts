// Not public: the on-disk spool. Events are appended, in order, to segment files (`seg-<n>.log`, records as in
// spoolRecords.ts); a segment's ack file (`seg-<n>.ack`) lists the records that ended, so they are not sent again
// after a restart; a segment whose records have all ended is deleted. Reads go oldest first, in bounded chunks,
// and take the newest records from a small in-memory tail when the reader has caught up with the writer.
//
// Why segment files and not lmdb: see docs/spool.md ("Which store, and why") — lmdb aborts or segfaults the
// process on a damaged data file, and the spool must never crash on damage.
import type { SchedulerLike, Subscription } from 'rxjs';
import { asyncScheduler } from 'rxjs';
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from './crc32.js';
import { lockSpoolDir } from './lockSpoolDir.js';
import type { ResolvedSpoolOptions } from './SpoolOptions.js';
import { SpoolError } from './SpoolError.js';
import { RECORD_HEADER_BYTES, RecordEncoder, scanRecords } from './spoolRecords.js';

/** Where a spooled record is: what {@link SpoolStore.remove} takes back. Opaque to callers. */
export interface SpoolKey {
  readonly segment: number;
  readonly index: number;
  /** The record's size in bytes (header included). */
  readonly size: number;
}

/** A record read back from the spool. */
export interface SpoolRecord {
  readonly key: SpoolKey;
  /** The event's snapshot, as appended. */
  readonly json: string;
}

/** Damaged data found in the spool: to be reported as `invalid`. The message names the spool. */
export interface SpoolDamage {
  readonly message: string;
  /** Damaged bytes skipped. */
  readonly bytes: number;
}

/** The spool's counters. */
export interface SpoolStats {
  /** Events in the spool that have not ended (delivered or reported). */
  spooledEvents: number;
  /** Their bytes (JSON plus a 16-byte header each): what `maxBytes` bounds. */
  spooledBytes: number;
}

/** Options of {@link openSpoolStore}: the spool's options and the store's own knobs. */
export interface SpoolStoreOptions extends ResolvedSpoolOptions {
  /** Runs the `sync: 'interval'` timer. @default asyncScheduler */
  scheduler?: SchedulerLike;
  /** Bytes after which a new segment file is started. @default maxBytes / 8, within 64 KiB…16 MiB */
  segmentBytes?: number;
  /** Bytes of newly appended records kept in memory for the reader. @default 4 MiB */
  tailBytes?: number;
  /** Called after {@link SpoolStore.remove} freed room. */
  onRoom?: () => void;
  /**
   * Told of a failure that loses no event but weakens what the spool promises (the error names the spool and
   * what follows from it): an ack that could not be written (those events are sent again after a restart), a
   * `sync: 'interval'` or closing sync that failed (what it covered may be lost on a power loss). Each kind is
   * told once until it works again, so a full disk is one report, not one per batch.
   */
  onTrouble?: (error: SpoolError) => void;
}

/** The open spool of one folder. */
export interface SpoolStore {
  /** The folder, as configured. */
  readonly dir: string;
  /** Damage found when the spool was opened (each item once). */
  readonly damage: readonly SpoolDamage[];
  /** Bytes a record of `json` takes in the spool. */
  recordSize(json: string): number;
  /** Whether `bytes` more bytes of records fit under `maxBytes`. */
  fits(bytes: number): boolean;
  /**
   * Appends snapshots, in order, after everything appended before. Resolves once they are written (and on
   * stable storage with `sync: 'always'`); rejects with a {@link SpoolError} when the write fails (the disk is
   * full…) or they do not fit — then none of them is spooled. Appends written together (one turn of the event
   * loop) get the same promise.
   */
  append(jsons: readonly string[]): Promise<void>;
  /** Records appended (and resolved) or left from an earlier run, not yet read. */
  readonly unread: number;
  /** The next unread records, oldest first: at most `maxRecords`, and at most `maxBytes` bytes unless one record alone is larger. */
  read(maxRecords: number, maxBytes: number): SpoolRecord[];
  /** Takes ended records out of the spool (each key once; repeats are ignored). */
  remove(keys: readonly SpoolKey[]): void;
  stats(): SpoolStats;
  /** Syncs, closes the files, deletes what has ended and releases the folder. Idempotent. */
  close(): void;
}

interface Segment {
  readonly seq: number;
  readonly path: string;
  readonly ackPath: string;
  fd: number;
  ackFd: number | undefined;
  /** Bytes of whole entries in the ack file: a failed append is cut back to it, so entries stay aligned. */
  ackBytes: number;
  /** Records numbered in this segment (the next index). */
  count: number;
  /** Records not ended. */
  live: number;
  /** Ended records, one bit per index. */
  acked: Uint8Array;
  /** Bytes written. */
  end: number;
  /** Bytes the reader may read (written, and synced for `sync: 'always'`). */
  readable: number;
  /** Where the reader goes on. */
  readPos: number;
  /** Written in this run (its damage is reported when read; an old one's was reported at open). */
  readonly fresh: boolean;
}

interface TailRecord {
  readonly record: SpoolRecord;
  readonly offset: number;
}

const SEGMENT_FILE = /^seg-(\d{12})\.(log|ack)$/;
const ACK_ENTRY_BYTES = 12;

function segmentName(seq: number): string {
  return `seg-${String(seq).padStart(12, '0')}`;
}

function isAcked(segment: Segment, index: number): boolean {
  return ((segment.acked[index >>> 3] ?? 0) & (1 << (index & 7))) !== 0;
}

function setAcked(segment: Segment, index: number): void {
  const byte = index >>> 3;
  if (byte >= segment.acked.length) {
    const grown = new Uint8Array(Math.max(byte + 1, segment.acked.length * 2, 64));
    grown.set(segment.acked);
    segment.acked = grown;
  }
  segment.acked[byte] = (segment.acked[byte] as number) | (1 << (index & 7));
}

/** Marks indexes `start` to `end` (exclusive) as ended, a byte at a time where it can. */
function setAckedRange(segment: Segment, start: number, end: number): void {
  let i = start;
  for (; i < end && (i & 7) !== 0; i++) setAcked(segment, i);
  if (i + 8 <= end) {
    setAcked(segment, end - 1); // grows the bitmap once
    const whole = (end - i) >>> 3;
    segment.acked.fill(0xff, i >>> 3, (i >>> 3) + whole);
    i += whole * 8;
  }
  for (; i < end; i++) setAcked(segment, i);
}

function describeError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code !== undefined ? `${e.code}` : String(e.message ?? error).slice(0, 200);
}

/**
 * Reads a segment's ack file: its intact entries mark records as ended. Only indexes the scan found (below
 * `segment.count`) are marked: a run past them is damage (or a crafted file) and is cut, so an entry can neither
 * wrap onto real records nor cost more than the segment holds. A torn last entry (a crash during an append) is
 * cut off the file, so the entries appended after it stay aligned.
 */
function loadAcks(segment: Segment): void {
  let data: Buffer;
  try {
    data = readFileSync(segment.ackPath);
  } catch {
    return;
  }
  const whole = data.length - (data.length % ACK_ENTRY_BYTES);
  if (whole < data.length) truncateSync(segment.ackPath, whole);
  segment.ackBytes = whole;
  for (let at = 0; at + ACK_ENTRY_BYTES <= whole; at += ACK_ENTRY_BYTES) {
    if (crc32(data.subarray(at, at + 8)) !== data.readUInt32LE(at + 8)) continue;
    const start = data.readUInt32LE(at);
    const end = Math.min(start + data.readUInt32LE(at + 4), segment.count);
    if (start < end) setAckedRange(segment, start, end);
  }
}

/**
 * Opens (creating it if needed) and locks the spool in `options.dir`, scanning what an earlier run left:
 * intact records not yet ended are served first; damaged bytes are listed in `damage`.
 * Throws `spool <dir> is in use (pid <pid>)` while another live backend holds the folder.
 */
export function openSpoolStore(options: SpoolStoreOptions): SpoolStore {
  const { dir: name, maxBytes, sync, syncIntervalMs } = options;
  const dir = name;
  const scheduler = options.scheduler ?? asyncScheduler;
  const segmentBytes =
    options.segmentBytes ?? Math.min(16 * 1024 * 1024, Math.max(64 * 1024, Math.floor(maxBytes / 8)));
  const tailLimit = options.tailBytes ?? 4 * 1024 * 1024;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new SpoolError(name, `spool ${name} cannot be created: ${describeError(error)}`, { cause: error });
  }
  const unlock = lockSpoolDir(dir, name);

  const segments: Segment[] = [];
  const bySeq = new Map<number, Segment>();
  const damage: SpoolDamage[] = [];
  let highestSeq = 0;
  let liveEvents = 0;
  let liveBytes = 0;
  let unread = 0;
  // Records written (or left by an earlier run) and not yet read, synced or not: 0 means the reader's next
  // records are the next ones appended.
  let unreadWritten = 0;
  let closed = false;

  try {
    // What an earlier run left, oldest first. An ack file without its data file is what a crash between the
    // two deletes of an ended segment leaves: it is removed, and its number is never used again.
    const files = readdirSync(dir)
      .map((file) => SEGMENT_FILE.exec(file))
      .filter((m): m is RegExpExecArray => m !== null);
    const logs = new Set(files.filter((m) => m[2] === 'log').map((m) => Number(m[1])));
    for (const m of files) {
      highestSeq = Math.max(highestSeq, Number(m[1]));
      if (m[2] === 'ack' && !logs.has(Number(m[1]))) rmSync(join(dir, m[0]), { force: true });
    }
    for (const seq of [...logs].sort((a, b) => a - b)) {
      const segment = openSegment(dir, seq, false);
      const size = fstatSync(segment.fd).size;
      let damaged = 0;
      let ranges = 0;
      const sizes = new Map<number, number>();
      for (let at = 0; at < size;) {
        const scan = scanRecords(segment.fd, at, size, 4096);
        for (const r of scan.records) {
          // A repeated index can only be damage that happens to check out: serve the first.
          if (sizes.has(r.index)) continue;
          sizes.set(r.index, r.size);
          if (r.index >= segment.count) segment.count = r.index + 1;
        }
        for (const d of scan.damage) {
          damaged += d.length;
          ranges++;
        }
        at = scan.next;
      }
      loadAcks(segment);
      for (const [index, bytes] of sizes) {
        if (isAcked(segment, index)) continue;
        segment.live++;
        liveBytes += bytes;
      }
      segment.end = segment.readable = size;
      if (damaged > 0) {
        damage.push({
          message:
            `spool ${name} is damaged: ${damaged} bytes of ${segmentName(seq)}.log in ${ranges} ` +
            `range${ranges === 1 ? '' : 's'} skipped (torn write, bad checksum or garbage)`,
          bytes: damaged,
        });
      }
      if (segment.live === 0) {
        closeSync(segment.fd);
        removeFiles(segment);
        continue;
      }
      liveEvents += segment.live;
      unread += segment.live;
      unreadWritten += segment.live;
      segments.push(segment);
      bySeq.set(seq, segment);
    }
  } catch (error) {
    for (const s of segments) closeQuietly(s);
    unlock();
    throw new SpoolError(name, `spool ${name} cannot be read: ${describeError(error)}`, { cause: error });
  }

  // Appends always go to a new segment (an old last segment may end in a torn record), numbered past every file
  // seen: a number is never used twice, so no old ack can be taken for one of a new segment's.
  let nextSeq = highestSeq + 1;
  let active: Segment | undefined;
  let reader = 0;
  let tail: TailRecord[] = [];
  let tailBytes = 0;
  const dirty = new Set<Segment>();

  // The kinds of trouble told and not yet over (see onTrouble).
  const troubled = new Set<'ack' | 'sync'>();
  function trouble(kind: 'ack' | 'sync', error: unknown, what: string, consequence: string): void {
    if (troubled.has(kind)) return;
    troubled.add(kind);
    const message = `spool ${name} ${what} (${describeError(error)}): ${consequence}`;
    options.onTrouble?.(new SpoolError(name, message, { cause: error }));
  }

  let syncTimer: Subscription | undefined;
  if (sync === 'interval') {
    syncTimer = scheduler.schedule(function tick() {
      syncDirty();
      this.schedule(undefined, syncIntervalMs);
    }, syncIntervalMs);
  }

  function closeQuietly(segment: Segment): void {
    try {
      closeSync(segment.fd);
    } catch {
      /* already closed */
    }
    if (segment.ackFd !== undefined) {
      try {
        closeSync(segment.ackFd);
      } catch {
        /* already closed */
      }
      segment.ackFd = undefined;
    }
  }

  function removeFiles(segment: Segment): void {
    // The data first: a crash in between leaves an ack file without its data, which the next open removes
    // (and whose number it never reuses). Acks first left a delivered segment without acks, and a kill there
    // sent the whole segment again: duplicates beyond what was in flight.
    rmSync(segment.path, { force: true });
    rmSync(segment.ackPath, { force: true });
  }

  function syncDirty(): void {
    for (const segment of dirty) {
      dirty.delete(segment);
      const done = (error: NodeJS.ErrnoException | null) => synced(segment, error);
      fdatasync(segment.fd, done);
      if (segment.ackFd !== undefined) fdatasync(segment.ackFd, done);
    }
  }

  function synced(segment: Segment, error: NodeJS.ErrnoException | null): void {
    if (error === null) troubled.delete('sync');
    // A segment closed meanwhile (it ended, or the store closed) has nothing left to lose: not a failure.
    else if (!closed && bySeq.get(segment.seq) === segment) {
      trouble(
        'sync',
        error,
        'cannot be synced',
        'what was written since the last sync may be lost on a power loss',
      );
    }
  }

  function newSegment(): Segment {
    const segment = openSegment(dir, nextSeq++, true);
    if (sync === 'always') {
      // The new file's directory entry must be on stable storage too.
      const dirFd = openSync(dir, 'r');
      try {
        fsyncSync(dirFd);
      } finally {
        closeSync(dirFd);
      }
    }
    segments.push(segment);
    bySeq.set(segment.seq, segment);
    return segment;
  }

  // `sync: 'always'`: one fdatasync at a time, each covering every write made before it started.
  let syncing = false;
  let syncWaiters: {
    segment: Segment;
    end: number;
    records: readonly TailRecord[];
    resolve: () => void;
    reject: (e: Error) => void;
  }[] = [];
  function syncThen(segment: Segment, end: number, records: readonly TailRecord[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      syncWaiters.push({ segment, end, records, resolve, reject });
      if (!syncing) startSync();
    });
  }
  function startSync(): void {
    const batch = syncWaiters;
    syncWaiters = [];
    syncing = true;
    const fds = new Set(batch.map((w) => w.segment.fd));
    let left = fds.size;
    let failure: unknown;
    for (const fd of fds) {
      fdatasync(fd, (error) => {
        if (error) failure = error;
        if (--left > 0) return;
        syncing = false;
        for (const w of batch) {
          if (failure !== undefined) {
            // Refused (the caller reports them), so they must never be read: they end here, like delivered
            // ones — even though a later sync may make their bytes readable.
            unreadWritten = Math.max(0, unreadWritten - w.records.length);
            remove(w.records.map((r) => r.record.key));
            w.reject(
              new SpoolError(name, `spool ${name} cannot be synced: ${describeError(failure)}`, {
                cause: failure,
              }),
            );
          } else {
            // Readable and counted as unread together, before anyone can read them.
            makeReadable(w.segment, w.end);
            unread += w.records.length;
            w.resolve();
          }
        }
        if (syncWaiters.length > 0) startSync();
      });
    }
  }

  function makeReadable(segment: Segment, end: number): void {
    if (end > segment.readable) segment.readable = end;
  }

  const fail = (message: string, cause?: unknown): Promise<never> =>
    Promise.reject(new SpoolError(name, message, cause === undefined ? undefined : { cause }));

  // Appends made in one turn of the event loop are written together, with one write() (calls of one event
  // each would otherwise pay a system call apiece); they share the group's promise, which resolves once the
  // group is written (a promise per call cost more than the write itself for calls of one event).
  interface PendingGroup {
    readonly segment: Segment;
    readonly start: number;
    bytes: number;
    count: number;
    readonly records: TailRecord[];
    readonly written: Promise<void>;
    readonly resolve: () => void;
    readonly reject: (error: Error) => void;
  }
  function newGroup(segment: Segment): PendingGroup {
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const written = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return {
      segment,
      start: segment.end,
      bytes: 0,
      count: 0,
      records: [],
      written,
      resolve,
      reject,
    };
  }
  let pending: PendingGroup | undefined;
  let writeScheduled = false;
  // The pending group's records, encoded (empty while there is none).
  const encoder = new RecordEncoder();

  function append(jsons: readonly string[]): Promise<void> {
    if (closed) return fail(`spool ${name} is closed`);
    if (jsons.length === 0) return Promise.resolve();
    try {
      if (active === undefined || (active.end + (pending?.bytes ?? 0) >= segmentBytes && active.count > 0)) {
        writePending();
        const old = active;
        active = newSegment();
        if (old !== undefined && old.live === 0) dropSegment(old);
      }
    } catch (error) {
      return fail(`spool ${name} cannot be written: ${describeError(error)}`, error);
    }
    const segment = active;
    const from = encoder.length;
    const sizes = encoder.encode(jsons, segment.count);
    const length = encoder.length - from;
    if (!fits(length)) {
      encoder.truncate(from);
      return fail(`spool ${name} is full (maxBytes ${maxBytes})`);
    }
    const group = (pending ??= newGroup(segment));
    let offset = group.start + group.bytes;
    const firstIndex = segment.count;
    for (let i = 0; i < jsons.length; i++) {
      const size = sizes[i] as number;
      group.records.push({
        record: { key: { segment: segment.seq, index: firstIndex + i, size }, json: jsons[i] as string },
        offset,
      });
      offset += size;
    }
    group.bytes += length;
    group.count += jsons.length;
    // Reserved now, so that fits() sees it; given back if the write fails.
    segment.count += jsons.length;
    segment.live += jsons.length;
    liveEvents += jsons.length;
    liveBytes += length;
    if (!writeScheduled) {
      writeScheduled = true;
      queueMicrotask(() => {
        writeScheduled = false;
        writePending();
      });
    }
    return group.written;
  }

  function writePending(): void {
    const group = pending;
    if (group === undefined) return;
    pending = undefined;
    const { segment, start, bytes, count } = group;
    // The encoder holds exactly this group's records; it is free again once the (synchronous) write returns.
    const buffer = encoder.bytes;
    try {
      for (let done = 0; done < buffer.length;) {
        done += writeSync(segment.fd, buffer, done, buffer.length - done, start + done);
      }
    } catch (error) {
      encoder.reset();
      // Leave no torn record behind (truncating needs no space); the group is the segment's tail, so its
      // numbers and bytes can be given back.
      try {
        ftruncateSync(segment.fd, start);
      } catch {
        /* the next open reports what is left as damage */
      }
      segment.count -= count;
      segment.live -= count;
      liveEvents -= count;
      liveBytes -= bytes;
      const failure = new SpoolError(name, `spool ${name} cannot be written: ${describeError(error)}`, {
        cause: error,
      });
      group.reject(failure);
      return;
    }
    encoder.reset();
    segment.end = start + bytes;
    dirty.add(segment);
    // Keep the new records in memory for the reader when they follow on from what it will read next.
    const last = tail.at(-1);
    const continues =
      last !== undefined
        ? last.record.key.segment === segment.seq && last.offset + last.record.key.size === start
        : unreadWritten === 0;
    unreadWritten += count;
    if (continues && tailBytes + bytes <= tailLimit) {
      for (const r of group.records) tail.push(r);
      tailBytes += bytes;
    }
    if (sync === 'always') {
      syncThen(segment, segment.end, group.records).then(group.resolve, group.reject);
      return;
    }
    makeReadable(segment, segment.end);
    unread += count;
    group.resolve();
  }

  function fits(bytes: number): boolean {
    return liveBytes + bytes <= maxBytes;
  }

  function read(maxRecords: number, maxReadBytes: number): SpoolRecord[] {
    const out: SpoolRecord[] = [];
    let bytes = 0;
    while (out.length < maxRecords && reader < segments.length) {
      const segment = segments[reader] as Segment;
      if (segment.readPos >= segment.readable) {
        // Move on only from a segment that is done: not written to any more, and all of it readable (with
        // sync 'always' its last writes become readable when their sync ends, maybe after a newer segment's).
        if (segment === active || reader === segments.length - 1 || segment.readable < segment.end) break;
        reader++;
        continue;
      }
      // From memory when the tail starts where the reader is.
      while (tail.length > 0) {
        const t = tail[0] as TailRecord;
        if (
          t.record.key.segment < segment.seq ||
          (t.record.key.segment === segment.seq && t.offset < segment.readPos)
        ) {
          tail.shift();
          tailBytes -= t.record.key.size;
        } else break;
      }
      const head = tail[0];
      if (head !== undefined && head.record.key.segment === segment.seq && head.offset === segment.readPos) {
        let taken = 0;
        while (taken < tail.length && out.length < maxRecords) {
          const t = tail[taken] as TailRecord;
          if (t.offset + t.record.key.size > segment.readable) break;
          if (isAcked(segment, t.record.key.index)) {
            // Ended before it was read (its sync failed): skipped, as the scan below skips it.
            segment.readPos = t.offset + t.record.key.size;
            tailBytes -= t.record.key.size;
            taken++;
            continue;
          }
          if (out.length > 0 && bytes + t.record.key.size > maxReadBytes) break;
          out.push(t.record);
          bytes += t.record.key.size;
          segment.readPos = t.offset + t.record.key.size;
          tailBytes -= t.record.key.size;
          taken++;
        }
        tail = taken === tail.length ? [] : tail.slice(taken);
        if (out.length >= maxRecords || bytes >= maxReadBytes || taken === 0) break;
        continue;
      }
      const scan = scanRecords(
        segment.fd,
        segment.readPos,
        segment.readable,
        maxRecords - out.length,
        out.length > 0 ? maxReadBytes - bytes : maxReadBytes,
      );
      if (scan.records.length === 0 && scan.next === segment.readPos) break;
      segment.readPos = scan.next;
      for (const r of scan.records) {
        if (r.index >= segment.count || isAcked(segment, r.index)) continue;
        out.push({
          key: { segment: segment.seq, index: r.index, size: r.size },
          json: r.payload.toString('utf8'),
        });
        bytes += r.size;
      }
      if (segment.fresh && scan.damage.length > 0) {
        let damaged = 0;
        for (const d of scan.damage) damaged += d.length;
        damage.push({
          message: `spool ${name} is damaged: ${damaged} bytes of ${segmentName(segment.seq)}.log skipped (bad checksum or garbage)`,
          bytes: damaged,
        });
      }
      if (bytes >= maxReadBytes) break;
    }
    unread = Math.max(0, unread - out.length);
    unreadWritten = Math.max(0, unreadWritten - out.length);
    return out;
  }

  function remove(keys: readonly SpoolKey[]): void {
    if (closed || keys.length === 0) return;
    const bySegment = new Map<Segment, number[]>();
    for (const key of keys) {
      const segment = bySeq.get(key.segment);
      if (segment === undefined || key.index >= segment.count || isAcked(segment, key.index)) continue;
      setAcked(segment, key.index);
      segment.live--;
      liveEvents--;
      liveBytes -= key.size;
      let list = bySegment.get(segment);
      if (list === undefined) bySegment.set(segment, (list = []));
      list.push(key.index);
    }
    for (const [segment, indexes] of bySegment) {
      if (segment.live === 0 && segment !== active) {
        dropSegment(segment);
        continue;
      }
      writeAcks(segment, indexes);
    }
    if (bySegment.size > 0) options.onRoom?.();
  }

  function writeAcks(segment: Segment, indexes: number[]): void {
    indexes.sort((a, b) => a - b);
    const runs: [number, number][] = [];
    for (const i of indexes) {
      const run = runs.at(-1);
      if (run !== undefined && run[0] + run[1] === i) run[1]++;
      else runs.push([i, 1]);
    }
    const buf = Buffer.allocUnsafe(runs.length * ACK_ENTRY_BYTES);
    runs.forEach(([start, count], k) => {
      const at = k * ACK_ENTRY_BYTES;
      buf.writeUInt32LE(start, at);
      buf.writeUInt32LE(count, at + 4);
      buf.writeUInt32LE(crc32(buf.subarray(at, at + 8)), at + 8);
    });
    try {
      segment.ackFd ??= openSync(segment.ackPath, 'a');
      for (let done = 0; done < buf.length;) done += writeSync(segment.ackFd, buf, done);
      segment.ackBytes += buf.length;
      dirty.add(segment);
      troubled.delete('ack');
    } catch (error) {
      // A lost ack only means the event is sent again after a restart (at-least-once), never lost. A torn one
      // is cut back, so that the entries appended after it stay aligned.
      const n = indexes.length;
      const what = `cannot record in ${segmentName(segment.seq)}.ack that ${n} event${n === 1 ? '' : 's'} ended`;
      trouble('ack', error, what, `${n === 1 ? 'it is' : 'they are'} sent again after a restart`);
      try {
        if (segment.ackFd !== undefined) ftruncateSync(segment.ackFd, segment.ackBytes);
      } catch {
        /* the next open cuts a torn last entry */
      }
    }
  }

  function dropSegment(segment: Segment): void {
    const at = segments.indexOf(segment);
    if (at >= 0) {
      segments.splice(at, 1);
      if (at < reader) reader--;
    }
    bySeq.delete(segment.seq);
    dirty.delete(segment);
    closeQuietly(segment);
    try {
      removeFiles(segment);
    } catch {
      /* left for the next open, which finds it fully acked */
    }
  }

  function close(): void {
    if (closed) return;
    writePending();
    closed = true;
    syncTimer?.unsubscribe();
    for (const segment of [...segments]) {
      if (segment.live === 0) {
        dropSegment(segment);
        continue;
      }
      try {
        fdatasyncSync(segment.fd);
        if (segment.ackFd !== undefined) fdatasyncSync(segment.ackFd);
      } catch (error) {
        // The data was written: only a power loss now could lose it.
        trouble('sync', error, 'cannot be synced at close', 'what was written may be lost on a power loss');
      }
      closeQuietly(segment);
    }
    tail = [];
    unlock();
  }

  return {
    dir: name,
    damage,
    recordSize: (json) => RECORD_HEADER_BYTES + Buffer.byteLength(json, 'utf8'),
    fits,
    append,
    get unread() {
      return unread;
    },
    read,
    remove,
    stats: () => ({ spooledEvents: liveEvents, spooledBytes: liveBytes }),
    close,
  };
}

/**
 * A segment's in-memory state with its data file opened: `fresh` creates it (it must not exist yet), otherwise
 * an existing one left by an earlier run is opened for reading.
 */
function openSegment(dir: string, seq: number, fresh: boolean): Segment {
  const base = join(dir, segmentName(seq));
  return {
    seq,
    path: `${base}.log`,
    ackPath: `${base}.ack`,
    fd: openSync(`${base}.log`, fresh ? 'wx+' : 'r'),
    ackFd: undefined,
    ackBytes: 0,
    count: 0,
    live: 0,
    acked: new Uint8Array(0),
    end: 0,
    readable: 0,
    readPos: 0,
    fresh,
  };
}
