import type { LogRecord, SplitterPosition } from './JsonRecordSplitter.js';
import { JsonRecordSplitter } from './JsonRecordSplitter.js';
import type { LogRotation } from './openLogInput.js';

/** Options of {@link readLogRecords}. */
export interface ReadLogRecordsOptions {
  /** The longest line or document, in bytes (`--max-line-bytes`). @default 16777216 (16 MiB) */
  maxRecordBytes?: number;
  /** Where a previous run stopped (a checkpoint). @default the start */
  resume?: SplitterPosition;
  /** The inode of the file being read, stamped on each record (for a checkpoint). @default none */
  inode?: () => number | undefined;
  /** The device of the file being read, stamped on each record with the inode. @default none */
  device?: () => number | undefined;
}

/** A log record, with the inode and device of the file it came from (when read from a file). */
export type ShipRecord = LogRecord & {
  readonly inode?: number | undefined;
  readonly dev?: number | undefined;
};

/** The default `--max-line-bytes`: 16 MiB. */
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

/**
 * Reads an audit log's records — JSON lines, or JSON documents (an `EventList`, an array of events,
 * pretty-printed or not, concatenated objects), detected by itself — in time linear in the input and memory
 * bounded by `maxRecordBytes` per record. Pull-based: nothing more is read from `source` until the consumer asks
 * for the next record, so a slow consumer applies backpressure all the way to the file. A rotation marker (from
 * a followed file) ends the old file's last record and starts afresh.
 *
 * @param source Text bytes (an async iterable such as a `Readable`), with rotation markers.
 * @param options The record size bound, a resume position.
 * @returns The records; one that is not JSON (or too long) carries `error` instead of `value`.
 */
export async function* readLogRecords(
  source: AsyncIterable<Buffer | string | LogRotation>,
  options: ReadLogRecordsOptions = {},
): AsyncGenerator<ShipRecord> {
  const max = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  let splitter = new JsonRecordSplitter(max, options.resume);
  let inode = options.inode?.();
  let dev = options.device?.();
  const stamp = (records: LogRecord[]): ShipRecord[] =>
    inode === undefined ? records : records.map((r) => ({ ...r, inode, dev }));
  for await (const chunk of source) {
    if (typeof chunk === 'object' && !Buffer.isBuffer(chunk)) {
      yield* stamp(splitter.end());
      splitter = new JsonRecordSplitter(max);
      inode = options.inode?.();
      dev = options.device?.();
      continue;
    }
    yield* stamp(splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
  }
  yield* stamp(splitter.end());
}
