import { crc32 } from '../spool/crc32.js';

/** Where reading resumes: a byte offset between two records, its line number and the detected format. */
export interface SplitterPosition {
  readonly offset: number;
  readonly line: number;
  readonly mode: 'detect' | 'lines' | 'documents';
  /** Inside a top-level array (its elements are the records). */
  readonly inArray: boolean;
  /**
   * The CRC-32 of the `bytes` bytes just before `offset` (the end of the record it follows), so that a reader can
   * tell the same file from one truncated and written again past `offset`.
   */
  readonly check?: { readonly bytes: number; readonly crc32: number } | undefined;
}

/** The most bytes a position's {@link SplitterPosition.check} covers. */
const CHECK_BYTES = 64;
const NEWLINE = Buffer.from('\n');

/** One record of an audit log: a line of JSON lines, or one JSON document (or one element of a top-level array). */
export type LogRecord = {
  /** The line the record starts on (1-based, as an editor numbers them). */
  readonly lineNumber: number;
  /** The byte offset just after the record. */
  readonly end: number;
  /** Where a reader resumes to read what follows this record (a checkpoint). */
  readonly resume: SplitterPosition;
} & (
  | { readonly value: unknown; readonly error?: undefined }
  | { readonly value?: undefined; readonly error: string }
);

const NL = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const COLON = 0x3a;
/** The bytes a pretty-printed document's first line ends with. */
const OPENS = new Set([OPEN_BRACE, OPEN_BRACKET, COMMA, COLON]);

const isSpace = (c: number): boolean => c === SPACE || c === NL || c === CR || c === TAB;

/**
 * Splits a byte stream into JSON records in one pass, in time linear in the input — each byte is looked at once,
 * however long a line is — and memory bounded by `maxRecordBytes` per record. The format is detected by itself:
 *
 * - **JSON lines** (the apiserver's log backend): the first value ends on its first line. Each line is a record,
 *   so a torn or invalid line costs only itself.
 * - **JSON documents**: the first value spans lines (pretty-printed: its first line ends with `{`, `[`, `,` or `:`
 *   outside a string), or the input starts with `[`. Each top-level value is a record (an `EventList`, an event,
 *   concatenated objects), and each element of a top-level array. A first line that ends otherwise — inside a
 *   string, or after a value — is a torn JSON line: an invalid record, and JSON lines from there on.
 *
 * A record over `maxRecordBytes` becomes an error record (its bytes are skipped, not held). `end` is the byte
 * offset just after the record (after its newline for JSON lines): where reading resumes after it.
 */
export class JsonRecordSplitter {
  private mode: 'detect' | 'lines' | 'documents' = 'detect';
  /** Absolute offset of the start of the chunk being scanned. */
  private offset = 0;
  private line = 1;
  private pieces: Buffer[] = [];
  private size = 0;
  private inRecord = false;
  private recordLine = 0;
  private tooLong = false;
  private garbage = false;
  private depth = 0;
  private inString = false;
  private escape = false;
  private inArray = false;
  private started = false;
  /** Where the record being read starts (the offset a checkpoint stays at while it is unfinished). */
  private recordStart = 0;
  /** Detecting: the last byte of the first value, outside its strings, that was not a space. */
  private lastStructural = 0;

  /**
   * @param maxRecordBytes The longest record (line or document) kept, in bytes.
   * @param resume Where a previous reader stopped (see {@link JsonRecordSplitter.position}), between two records.
   * @default the start of the input
   */
  constructor(
    private readonly maxRecordBytes: number,
    resume?: SplitterPosition,
  ) {
    if (resume !== undefined) {
      this.offset = resume.offset;
      this.line = resume.line;
      this.mode = resume.mode;
      this.inArray = resume.inArray;
      this.started = resume.offset > 0;
    }
  }

  /** Whether the input was detected as JSON documents (`false` while undecided or for JSON lines). */
  get documents(): boolean {
    return this.mode === 'documents';
  }

  /** Whether part of a record is held, waiting for more input. */
  get partial(): boolean {
    return this.inRecord || this.depth > 0;
  }

  /**
   * Scans one chunk.
   *
   * @param chunk The next bytes.
   * @returns The records completed in it.
   */
  push(chunk: Buffer): LogRecord[] {
    const out: LogRecord[] = [];
    let from = 0;
    if (!this.started) {
      this.started = true;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) from = 3;
    }
    while (from < chunk.length) {
      from = this.mode === 'lines' ? this.scanLines(chunk, from, out) : this.scanDocuments(chunk, from, out);
    }
    this.offset += chunk.length;
    return out;
  }

  /**
   * Ends the input: a last line without a newline is a record; an unfinished document is an error record. An
   * unfinished record that is not valid JSON may still be being written, so its `resume` stays at its start: a
   * reader resumed from it reads the record again, whole by then.
   *
   * @returns The last records.
   */
  end(): LogRecord[] {
    if (!this.inRecord) return [];
    const out: LogRecord[] = [];
    const start: SplitterPosition = {
      offset: this.recordStart,
      line: this.recordLine,
      mode: this.mode === 'detect' ? 'lines' : this.mode,
      inArray: this.inArray,
    };
    if (this.mode === 'documents' && !this.garbage) {
      const lineNumber = this.recordLine;
      this.reset();
      out.push({
        lineNumber,
        end: this.offset,
        resume: start,
        error: 'the input ends inside a JSON document',
      });
    } else {
      this.finish(out, this.offset);
      const last = out[0];
      if (last?.error !== undefined) out[0] = { ...last, resume: start };
    }
    return out;
  }

  private scanLines(chunk: Buffer, from: number, out: LogRecord[]): number {
    const newline = chunk.indexOf(NL, from);
    if (!this.inRecord) {
      this.inRecord = true;
      this.recordLine = this.line;
      this.recordStart = this.offset + from;
    }
    this.take(chunk.subarray(from, newline === -1 ? chunk.length : newline));
    if (newline === -1) return chunk.length;
    this.finish(out, this.offset + newline + 1, this.line + 1, true);
    this.line++;
    return newline + 1;
  }

  private scanDocuments(chunk: Buffer, from: number, out: LogRecord[]): number {
    let sliceStart = this.inRecord ? from : -1;
    for (let i = from; i < chunk.length; i++) {
      const c = chunk[i] as number;
      if (!this.inRecord) {
        if (c === NL) this.line++;
        if (isSpace(c)) continue;
        if (this.inArray) {
          if (c === COMMA) continue;
          if (c === CLOSE_BRACKET) {
            this.inArray = false;
            continue;
          }
        }
        if (this.mode === 'detect') {
          if (c === OPEN_BRACKET) {
            this.mode = 'documents';
            this.inArray = true;
            continue;
          }
          if (c !== OPEN_BRACE) {
            // Not a document: JSON lines whose first line is not an object (an invalid line).
            this.mode = 'lines';
            return i;
          }
        }
        this.inRecord = true;
        this.recordLine = this.line;
        this.recordStart = this.offset + i;
        this.lastStructural = c;
        sliceStart = i;
        if (c === OPEN_BRACE || c === OPEN_BRACKET) {
          this.garbage = false;
          this.depth = 1;
        } else {
          this.garbage = true;
        }
        continue;
      }
      if (this.garbage) {
        // Not JSON structure: the record runs to the end of its line (or the array's next element).
        if (c === NL || (this.inArray && (c === COMMA || c === CLOSE_BRACKET))) {
          this.take(chunk.subarray(sliceStart, i));
          this.finish(out, this.offset + i);
          sliceStart = -1;
          i--; // the newline, comma or bracket is handled between records
        }
        continue;
      }
      if (c === NL) {
        if (this.mode === 'detect' && (this.inString || !OPENS.has(this.lastStructural))) {
          // The first value's first line ends inside a string or after a value: a torn JSON line, not a
          // pretty-printed document (whose first line ends with `{`, `[`, `,` or `:`). It is an invalid record.
          this.mode = 'lines';
          this.take(chunk.subarray(sliceStart, i));
          this.finish(out, this.offset + i + 1, this.line + 1, true);
          this.line++;
          return i + 1;
        }
        this.line++;
        if (this.mode === 'detect') this.mode = 'documents';
      }
      if (this.mode === 'detect' && !this.inString && !isSpace(c)) this.lastStructural = c;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === BACKSLASH) this.escape = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth === 0) {
          this.take(chunk.subarray(sliceStart, i + 1));
          sliceStart = -1;
          if (this.mode === 'detect') {
            // The first value ended on its first line: JSON lines from here on. Followed by its newline, it ends
            // after it, as every later line does (its checkpoint is then the next line's start).
            this.mode = 'lines';
            if (chunk[i + 1] === NL) {
              this.finish(out, this.offset + i + 2, this.line + 1, true);
              this.line++;
              return i + 2;
            }
            this.finish(out, this.offset + i + 1);
            return i + 1;
          }
          this.finish(out, this.offset + i + 1);
        }
      }
    }
    if (this.inRecord && sliceStart !== -1) this.take(chunk.subarray(sliceStart));
    return chunk.length;
  }

  private take(bytes: Buffer): void {
    if (this.tooLong || bytes.length === 0) return;
    this.size += bytes.length;
    if (this.size > this.maxRecordBytes) {
      this.tooLong = true;
      this.pieces = [];
      return;
    }
    this.pieces.push(bytes);
  }

  /** Ends the record at `end` (just after its newline when `newline`: the record's bytes run to `end - 1`). */
  private finish(out: LogRecord[], end: number, endLine = this.line, newline = false): void {
    const lineNumber = this.recordLine;
    const tooLong = this.tooLong;
    const raw = tooLong ? undefined : Buffer.concat(this.pieces, this.size);
    const text = raw === undefined ? '' : raw.toString('utf8');
    let check: SplitterPosition['check'];
    if (raw !== undefined) {
      const tail = raw.subarray(Math.max(0, raw.length - (CHECK_BYTES - (newline ? 1 : 0))));
      const crc = crc32(tail);
      check = newline
        ? { bytes: tail.length + 1, crc32: crc32(NEWLINE, crc) }
        : { bytes: tail.length, crc32: crc };
    }
    const resume: SplitterPosition = {
      offset: end,
      line: endLine,
      mode: this.mode === 'detect' ? 'lines' : this.mode,
      inArray: this.inArray,
      ...(check === undefined || check.bytes === 0 ? {} : { check }),
    };
    this.reset();
    if (tooLong) {
      out.push({ lineNumber, end, resume, error: `longer than --max-line-bytes ${this.maxRecordBytes}` });
      return;
    }
    const trimmed = text.trim();
    if (trimmed === '') return;
    try {
      out.push({ lineNumber, end, resume, value: JSON.parse(trimmed) as unknown });
    } catch (err) {
      // The engine's message quotes the offending text; keep only where it went wrong, never the content.
      const position = /at position (\d+)/.exec((err as Error).message)?.[1];
      const where =
        position === undefined || this.mode === 'documents'
          ? ''
          : ` at column ${Number(position) + 1 + text.length - text.trimStart().length}`;
      out.push({ lineNumber, end, resume, error: `not valid JSON${where}` });
    }
  }

  private reset(): void {
    this.inRecord = false;
    this.pieces = [];
    this.size = 0;
    this.tooLong = false;
    this.garbage = false;
    this.depth = 0;
    this.inString = false;
    this.escape = false;
  }
}
