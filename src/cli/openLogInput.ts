import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CliUsageError } from './CliUsageError.js';

/** An opened audit log: its decoded bytes, and how far through the raw input reading has got. */
export interface LogInput {
  /** The log's text bytes (gunzipped when the input starts with the gzip magic bytes). */
  readonly stream: Readable;
  /** The raw input's size in bytes, when known (a file); `undefined` for stdin. */
  readonly size: number | undefined;
  /** Raw (possibly compressed) bytes read so far — compare with `size` for progress. */
  bytesRead(): number;
  /** Whether the input was gzip-compressed (known once the first bytes are read). */
  gzipped(): boolean;
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;

/**
 * Opens an audit log for reading: a file path, or `-` for stdin; plain text or gzip (detected by the magic
 * bytes, not the file name). Reading is pull-based, so a slow consumer pauses the file (backpressure).
 *
 * @param path A file path or `-`.
 * @param stdin The stream `-` stands for.
 * @returns The opened input.
 * @throws CliUsageError when the file does not exist or is not a regular file.
 */
export async function openLogInput(path: string, stdin: Readable = process.stdin): Promise<LogInput> {
  let raw: Readable;
  let size: number | undefined;
  if (path === '-') {
    raw = stdin;
  } else {
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
      throw new CliUsageError(
        err.code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path}: ${err.code ?? err.message}`,
      );
    });
    if (!info.isFile()) throw new CliUsageError(`not a file: ${path}`);
    size = info.size;
    raw = createReadStream(path);
  }

  let bytes = 0;
  let isGzip = false;
  const counted = (async function* () {
    for await (const chunk of raw as AsyncIterable<Buffer | string>) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      bytes += buffer.length;
      yield buffer;
    }
  })();

  // Peek until two bytes are in hand (stdin may deliver one byte at a time), then hand everything on unchanged.
  const head: Buffer[] = [];
  let headLength = 0;
  let done = false;
  while (headLength < GZIP_MAGIC.length) {
    const next = await counted.next();
    if (next.done) {
      done = true;
      break;
    }
    head.push(next.value);
    headLength += next.value.length;
  }
  const first = Buffer.concat(head);
  isGzip = first[0] === GZIP_MAGIC[0] && first[1] === GZIP_MAGIC[1];
  const replay = Readable.from(
    (async function* () {
      if (first.length > 0) yield first;
      if (!done) yield* counted;
    })(),
    { objectMode: false },
  );
  const stream = isGzip ? replay.pipe(createGunzip()) : replay;
  if (isGzip) replay.on('error', (err) => stream.destroy(err));

  return { stream, size, bytesRead: () => bytes, gzipped: () => isGzip };
}
