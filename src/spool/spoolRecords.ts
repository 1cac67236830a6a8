// Not public: the record format of spool segment files and its reader.
//
// A record is a 16-byte header and the event's JSON (UTF-8):
//   magic u32 'RXAS' | length u32 | index u32 | crc32 u32 over (length, index, JSON)     (little-endian)
// `index` numbers the records of one segment from 0; the segment's ack file names ended records by it. A record
// that is torn, has a bad checksum or is garbage is skipped up to the next record that checks out, so damage
// costs only the damaged bytes, and is reported as a range. The JSON is `JSON.stringify` output, with no byte
// below 0x20: so it never holds a header, which is what keeps a scan linear (see `holdsHeader`).
import { readSync } from 'node:fs';
import { crc32 } from './crc32.js';

/** Bytes of a record's header. */
export const RECORD_HEADER_BYTES = 16;
const MAGIC = 0x53415852; // 'RXAS' read as a little-endian u32
const MAGIC_BYTES = Buffer.from('RXAS', 'latin1');
/** A record longer than this is garbage (a string that long could not be an event anyway). */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;
/** Bytes read from a segment at a time (more when one record is longer). */
export const READ_CHUNK_BYTES = 1024 * 1024;
/** The least the search for a header reads past the main buffer at a time (see `holdsHeader`). */
const AHEAD_MIN_BYTES = 64 * 1024;

/**
 * An upper bound of a record's size for `json`, free to compute: the header and three bytes per UTF-16 code
 * unit (the most UTF-8 takes for one). The exact size needs the string measured.
 */
export function recordBound(json: string): number {
  return RECORD_HEADER_BYTES + 3 * json.length;
}

/** What a {@link RecordEncoder} starts with, and the most it keeps between groups. */
const ENCODER_INITIAL_BYTES = 64 * 1024;
const ENCODER_KEPT_BYTES = 4 * 1024 * 1024;

/**
 * Encodes records into one buffer, reused from one group of appends to the next. Each snapshot is written
 * where its bound ({@link recordBound}) fits, and the write tells its exact size, so no snapshot is measured
 * first (a measure flattens and scans the string, as much again as the write).
 */
export class RecordEncoder {
  #buffer = Buffer.allocUnsafe(ENCODER_INITIAL_BYTES);
  /** Bytes encoded since the last {@link reset}. */
  length = 0;

  /** Appends `jsons` as consecutive records numbered from `firstIndex`; returns each record's size. */
  encode(jsons: readonly string[], firstIndex: number): number[] {
    const sizes = new Array<number>(jsons.length);
    for (let i = 0; i < jsons.length; i++) {
      const json = jsons[i] as string;
      this.#reserve(recordBound(json));
      const buffer = this.#buffer;
      const at = this.length;
      const n = buffer.write(json, at + RECORD_HEADER_BYTES, 'utf8');
      buffer.writeUInt32LE(MAGIC, at);
      buffer.writeUInt32LE(n, at + 4);
      buffer.writeUInt32LE(firstIndex + i, at + 8);
      const crc = crc32(
        buffer.subarray(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + n),
        crc32(buffer.subarray(at + 4, at + 12)),
      );
      buffer.writeUInt32LE(crc, at + 12);
      sizes[i] = RECORD_HEADER_BYTES + n;
      this.length = at + RECORD_HEADER_BYTES + n;
    }
    return sizes;
  }

  /** The bytes encoded since the last {@link reset} (a view: valid until the next encode or reset). */
  get bytes(): Buffer {
    return this.#buffer.subarray(0, this.length);
  }

  /** Forgets what was encoded from `length` on. */
  truncate(length: number): void {
    this.length = Math.min(this.length, length);
  }

  /** Starts over (a group was written); a buffer grown large for one group is not kept. */
  reset(): void {
    this.length = 0;
    if (this.#buffer.length > ENCODER_KEPT_BYTES) this.#buffer = Buffer.allocUnsafe(ENCODER_INITIAL_BYTES);
  }

  #reserve(more: number): void {
    const needed = this.length + more;
    if (needed <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.#buffer.length));
    this.#buffer.copy(grown, 0, 0, this.length);
    this.#buffer = grown;
  }
}

/** One intact record read back. */
export interface ScannedRecord {
  /** Where it starts in the segment file. */
  readonly offset: number;
  readonly index: number;
  /** Its size in bytes, header included. */
  readonly size: number;
  /** The JSON bytes (a view into the read buffer: decode or copy before the next scan). */
  readonly payload: Buffer;
}

/** A damaged byte range of a segment. */
export interface DamagedRange {
  readonly offset: number;
  readonly length: number;
}

/** What one {@link scanRecords} call found. */
export interface ScanResult {
  readonly records: ScannedRecord[];
  readonly damage: DamagedRange[];
  /** Where the next scan starts (`to` when the range is done). */
  readonly next: number;
}

/**
 * Reads the records of segment file `fd` between byte offsets `from` and `to`, oldest first, stopping after
 * `maxRecords` records or once `maxBytes` bytes of records are collected (at least one record is returned
 * when there is one). Damaged bytes are skipped and returned as ranges; this never throws for bad data.
 * The work is linear in `to - from`, whatever the bytes (see `holdsHeader`).
 */
export function scanRecords(
  fd: number,
  from: number,
  to: number,
  maxRecords = Infinity,
  maxBytes = Infinity,
): ScanResult {
  const records: ScannedRecord[] = [];
  const damage: DamagedRange[] = [];
  let buf: Buffer = Buffer.alloc(0);
  let bufStart = from;
  let p = from;
  let damageStart = -1;
  let bytes = 0;

  /** Up to `length` bytes of the file from `at` (fewer when the file ends first). */
  const readAt = (at: number, length: number): Buffer => {
    const out = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, out, got, length - got, at + got);
      if (n === 0) break;
      got += n;
    }
    return out.subarray(0, got);
  };

  /** Makes [p, p + need) available in `buf`, reading from the file; false when the file ends first. */
  const ensure = (need: number): boolean => {
    if (p + need > to) return false;
    if (p >= bufStart && p + need <= bufStart + buf.length) return true;
    buf = readAt(p, Math.min(Math.max(need, READ_CHUNK_BYTES), to - p));
    bufStart = p;
    return buf.length >= need;
  };

  // A candidate record is checksummed only when its JSON holds no header, a magic and a length up to
  // MAX_RECORD_BYTES: that length's high byte is at most 0x10, and the JSON the store writes has no byte below
  // 0x20, so a record it wrote never holds one and is never passed over. Without this, a crafted file (a magic
  // every few bytes, each with a length reaching near the end) costs a checksum of the whole rest per
  // candidate: quadratic. With it, of two checksummed candidates the later one starts within the first's
  // header, or less than 8 bytes before the first's end (or after it), so the checksummed bytes overlap only
  // where candidates start within 16 bytes of each other (at most 4, magics do not overlap): a few times
  // `to - from` in all.
  // The search is kept from one candidate to the next (`scanned` only grows, as candidates start later and
  // later), so it looks at each byte once, reading past `buf` on its own (`ahead`) so that `buf` is read only
  // for a candidate that is checksummed.
  let scanned = from;
  let header = -1;
  let ahead: Buffer = Buffer.alloc(0);
  let aheadStart = from;

  /** The file's bytes from `at` on, at least 8 of them unless the file ends first, up to about `end`. */
  const bytesFrom = (at: number, end: number): Buffer => {
    if (at >= bufStart && at + 8 <= bufStart + buf.length) return buf.subarray(at - bufStart);
    if (at < aheadStart || at + 8 > aheadStart + ahead.length) {
      ahead = readAt(at, Math.min(READ_CHUNK_BYTES, to - at, Math.max(end - at, AHEAD_MIN_BYTES)));
      aheadStart = at;
    }
    return ahead.subarray(at - aheadStart);
  };

  /** Whether a header starts in [start, end - 8]; `start` never decreases from one call to the next. */
  const holdsHeader = (start: number, end: number): boolean => {
    // Every header start in [start, scanned) has been seen, and `header` is the last one found.
    if (header >= start) return header + 8 <= end;
    let at = Math.max(start, scanned);
    while (at + 8 <= end) {
      const view = bytesFrom(at, end);
      const span = Math.min(view.length, end - at);
      if (span < 8) break; // the file is shorter than `to`: the checksum read fails anyway
      const rel = view.subarray(0, span).indexOf(MAGIC_BYTES);
      if (rel < 0 || rel + 8 > span) {
        // Go on from the last 7 bytes (a header may straddle the end of the view).
        at += span - 7;
        continue;
      }
      if (view.readUInt32LE(rel + 4) <= MAX_RECORD_BYTES) {
        header = at + rel;
        scanned = header + 1;
        return true;
      }
      at += rel + 1;
    }
    scanned = Math.max(scanned, at);
    return false;
  };

  /** Moves `p` to the next possible record start after a bad one. */
  const resync = (): void => {
    if (damageStart < 0) damageStart = p;
    let searchFrom = p + 1;
    for (;;) {
      const rel = buf.indexOf(MAGIC_BYTES, searchFrom - bufStart);
      if (rel >= 0) {
        p = bufStart + rel;
        return;
      }
      const bufEnd = bufStart + buf.length;
      if (bufEnd >= to) {
        p = to;
        return;
      }
      // Not in this chunk: go on from its last 3 bytes (a magic may straddle the boundary).
      p = Math.max(searchFrom, bufEnd - 3);
      searchFrom = p;
      if (!ensure(Math.min(READ_CHUNK_BYTES, to - p))) {
        p = to;
        return;
      }
    }
  };

  while (p < to && records.length < maxRecords) {
    if (!ensure(RECORD_HEADER_BYTES)) {
      // A torn header at the end of the file.
      if (damageStart < 0) damageStart = p;
      p = to;
      break;
    }
    const at = p - bufStart;
    const length = buf.readUInt32LE(at + 4);
    if (
      buf.readUInt32LE(at) !== MAGIC ||
      length > MAX_RECORD_BYTES ||
      p + RECORD_HEADER_BYTES + length > to
    ) {
      resync();
      continue;
    }
    const size = RECORD_HEADER_BYTES + length;
    if (records.length > 0 && bytes + size > maxBytes) break;
    if (holdsHeader(p + RECORD_HEADER_BYTES, p + size) || !ensure(size)) {
      resync();
      continue;
    }
    const rel = p - bufStart;
    const payload = buf.subarray(rel + RECORD_HEADER_BYTES, rel + size);
    const crc = crc32(payload, crc32(buf.subarray(rel + 4, rel + 12)));
    if (crc !== buf.readUInt32LE(rel + 12)) {
      resync();
      continue;
    }
    if (damageStart >= 0) {
      damage.push({ offset: damageStart, length: p - damageStart });
      damageStart = -1;
    }
    records.push({ offset: p, index: buf.readUInt32LE(rel + 8), size, payload });
    bytes += size;
    p += size;
  }
  if (damageStart >= 0) damage.push({ offset: damageStart, length: p - damageStart });
  return { records, damage, next: p };
}
