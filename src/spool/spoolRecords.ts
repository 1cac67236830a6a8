// Not public: the record format of spool segment files and its reader.
//
// A record is a 16-byte header and the event's JSON (UTF-8):
//   magic u32 'RXAS' | length u32 | index u32 | crc32 u32 over (length, index, JSON)     (little-endian)
// `index` numbers the records of one segment from 0; the segment's ack file names ended records by it. A record
// that is torn, has a bad checksum or is garbage is skipped up to the next record that checks out, so damage
// costs only the damaged bytes, and is reported as a range.
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
  let buf = Buffer.alloc(0);
  let bufStart = from;
  let p = from;
  let damageStart = -1;
  let bytes = 0;

  /** Makes [p, p + need) available in `buf`, reading from the file; false when the file ends first. */
  const ensure = (need: number): boolean => {
    if (p + need > to) return false;
    if (p >= bufStart && p + need <= bufStart + buf.length) return true;
    const length = Math.min(Math.max(need, READ_CHUNK_BYTES), to - p);
    buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, p + got);
      if (n === 0) break;
      got += n;
    }
    buf = buf.subarray(0, got);
    bufStart = p;
    return got >= need;
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
    if (!ensure(size)) {
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
