import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CliUsageError } from './CliUsageError.js';

/** A followed file was rotated: what follows is the start of a new file (offsets restart at 0). */
export interface LogRotation {
  readonly rotated: 'renamed' | 'truncated';
}

/** Options of {@link openLogInput}. */
export interface LogInputOptions {
  /** Keep reading at the end of the file as it grows, following rotation (like `tail -F`). @default false */
  follow?: boolean;
  /** Start at this byte offset (of the decompressed text for gzip). @default 0 */
  startOffset?: number;
  /** Aborting stops reading at once, even while waiting for input. */
  signal?: AbortSignal;
  /** How often a followed file is checked for growth and rotation, in ms. @default 200 */
  pollMs?: number;
  /** With `follow`, called once when the file does not exist yet and reading waits for it. */
  onWait?: () => void;
  /**
   * The file a checkpoint was taken from, since rotated away (see `findRotatedLog`): its rest, from `startOffset`,
   * is read first, then the file under `path` from its start (`startOffset` then applies to this file only). The
   * rotated file must still have `inode` when it is opened. @default none
   */
  rotated?: RotatedInput;
}

/** The rest of a rotated file, read before the file under the name (see {@link LogInputOptions.rotated}). */
export interface RotatedInput {
  /** The rotated file's path. */
  readonly path: string;
  /** Where its rest begins, in bytes. */
  readonly startOffset: number;
  /** Its inode, checked again when it is opened (it may have been rotated once more in between). */
  readonly inode: number;
}

/** An opened audit log: its text bytes, and how far through the raw input reading has got. */
export interface LogInput {
  /** The log's text bytes (gunzipped when the input starts with the gzip magic bytes); rotation markers with `follow`. */
  readonly chunks: AsyncIterable<Buffer | LogRotation>;
  /** The raw input's size in bytes, when known (a file); `undefined` for stdin. */
  readonly size: number | undefined;
  /** Raw (possibly compressed) bytes read so far — compare with `size` for progress. */
  bytesRead(): number;
  /** Whether the input is gzip-compressed. */
  gzipped(): boolean;
  /** The inode of the file being read (`undefined` for stdin), to tell a rotated file from the one checkpointed. */
  inode(): number | undefined;
  /** The device of the file being read (`undefined` for stdin), with {@link LogInput.inode}. */
  device(): number | undefined;
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;
const READ_SIZE = 64 * 1024;

/**
 * Opens an audit log for reading: a file path, or `-` for stdin; plain text or gzip (detected by the magic
 * bytes, not the file name). Reading is pull-based (a slow consumer pauses the file) and stops as soon as
 * `signal` aborts — also while stdin or a followed file is idle.
 *
 * @param path A file path or `-`.
 * @param stdin The stream `-` stands for.
 * @param options Follow, resume offset, abort signal.
 * @returns The opened input.
 * @throws CliUsageError when the file does not exist (with `follow`: it is waited for), is not a regular file, or is
 * gzip with `follow`.
 */
export async function openLogInput(
  path: string,
  stdin: Readable = process.stdin,
  options: LogInputOptions = {},
): Promise<LogInput> {
  const { signal } = options;
  let bytes = 0;
  if (path === '-') {
    const raw = streamChunks(stdin, signal, (n) => (bytes += n));
    // Peek until two bytes are in hand (stdin may deliver one byte at a time), then hand everything on unchanged.
    const head: Buffer[] = [];
    let headLength = 0;
    let done = false;
    while (headLength < GZIP_MAGIC.length) {
      const next = await raw.next();
      if (next.done === true) {
        done = true;
        break;
      }
      head.push(next.value);
      headLength += next.value.length;
    }
    const first = Buffer.concat(head);
    const gzip = first[0] === GZIP_MAGIC[0] && first[1] === GZIP_MAGIC[1];
    const replay = async function* (): AsyncGenerator<Buffer> {
      if (first.length > 0) yield first;
      if (!done) yield* raw;
    };
    let chunks: AsyncIterable<Buffer> = replay();
    if (gzip) {
      const compressed = Readable.from(replay(), { objectMode: false });
      const inflated = compressed.pipe(createGunzip());
      compressed.on('error', (err) => inflated.destroy(err));
      chunks = streamChunks(inflated, signal, () => undefined, compressed);
    }
    return {
      chunks: skipBytes(chunks, options.startOffset ?? 0),
      size: undefined,
      bytesRead: () => bytes,
      gzipped: () => gzip,
      inode: () => undefined,
      device: () => undefined,
    };
  }
  let info = await stat(path).catch((err: NodeJS.ErrnoException) => err);
  if (options.follow === true && info instanceof Error && info.code === 'ENOENT') {
    // A sidecar may start before the apiserver has written its first line: wait for the file, as tail -F does.
    options.onWait?.();
    while (info instanceof Error && info.code === 'ENOENT' && signal?.aborted !== true) {
      await sleep(options.pollMs ?? 200, signal);
      info = await stat(path).catch((err: NodeJS.ErrnoException) => err);
    }
    if (signal?.aborted === true) {
      return {
        chunks: (async function* (): AsyncGenerator<Buffer> {})(),
        size: undefined,
        bytesRead: () => 0,
        gzipped: () => false,
        inode: () => undefined,
        device: () => undefined,
      };
    }
  }
  if (info instanceof Error) {
    throw new CliUsageError(
      info.code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path}: ${info.code ?? info.message}`,
    );
  }
  if (!info.isFile()) throw new CliUsageError(`not a file: ${path}`);
  const head = Buffer.alloc(2);
  const probe = await open(path, 'r');
  const { bytesRead: headLength } = await probe.read(head, 0, 2, 0);
  await probe.close();
  const gzip = headLength === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  let inode: number | undefined = info.ino;
  let device: number | undefined = info.dev;

  if (gzip) {
    if (options.follow === true) throw new CliUsageError('--follow reads plain text files, not gzip');
    const raw = createReadStream(path);
    raw.on('data', (chunk: Buffer | string) => void (bytes += chunk.length));
    const inflated = raw.pipe(createGunzip());
    raw.on('error', (err) => inflated.destroy(err));
    return {
      chunks: skipBytes(
        streamChunks(inflated, signal, () => undefined, raw),
        options.startOffset ?? 0,
      ),
      size: info.size,
      bytesRead: () => bytes,
      gzipped: () => true,
      inode: () => inode,
      device: () => device,
    };
  }
  const { rotated } = options;
  let size: number | undefined = info.size;
  if (rotated !== undefined) {
    // Progress counts through both files: the rotated one's rest, then this one.
    const before = await stat(rotated.path).catch(() => undefined);
    size = before === undefined ? undefined : before.size + info.size;
    inode = rotated.inode;
    device = before?.dev;
  }
  bytes = rotated?.startOffset ?? options.startOffset ?? 0;
  let inRotated = rotated !== undefined;
  return {
    chunks: readFile(path, {
      follow: options.follow === true,
      start: options.startOffset ?? 0,
      rotated,
      pollMs: options.pollMs ?? 200,
      signal,
      onRead: (n) => (bytes += n),
      onOpen: (ino, dev) => {
        inode = ino;
        device = dev;
        // Leaving the rotated file for the one under the name goes on counting; a rotation while following restarts.
        if (inRotated) inRotated = false;
        else bytes = 0;
      },
    }),
    size: options.follow === true ? undefined : size,
    bytesRead: () => bytes,
    gzipped: () => false,
    inode: () => inode,
    device: () => device,
  };
}

/** A stream's chunks, ending quietly (no error) when `signal` aborts, even while the stream is idle. */
async function* streamChunks(
  stream: Readable,
  signal: AbortSignal | undefined,
  onRead: (n: number) => void,
  destroyAlso?: Readable,
): AsyncGenerator<Buffer> {
  const stop = (): void => {
    stream.destroy();
    destroyAlso?.destroy();
  };
  if (signal?.aborted) return;
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      if (signal?.aborted) return;
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      onRead(buffer.length);
      yield buffer;
    }
  } catch (err) {
    if (signal?.aborted) return;
    throw err;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

async function* skipBytes(source: AsyncIterable<Buffer>, skip: number): AsyncGenerator<Buffer> {
  let left = skip;
  for await (const chunk of source) {
    if (left >= chunk.length) {
      left -= chunk.length;
      continue;
    }
    yield left > 0 ? chunk.subarray(left) : chunk;
    left = 0;
  }
}

/**
 * A plain file's bytes from `start` — or, with `rotated`, first the rotated file's rest and then the file under the
 * name from its start; with `follow`, at the end it waits for more and follows rotation like `tail -F`: a new file
 * under the name (rename) is opened from its start after the old one is read to its end; a file that shrank
 * (truncate) is read again from its start. Each change of file is marked in the output.
 */
async function* readFile(
  path: string,
  options: {
    follow: boolean;
    start: number;
    rotated: RotatedInput | undefined;
    pollMs: number;
    signal: AbortSignal | undefined;
    onRead: (n: number) => void;
    onOpen: (ino: number, dev: number) => void;
  },
): AsyncGenerator<Buffer | LogRotation> {
  const { signal, rotated } = options;
  // The file under the name is opened before the rotated one is read: if it rotates again meanwhile, it is still
  // read to its end (and the next one followed) rather than skipped.
  let file: FileHandle = await open(path, 'r');
  let ino = (await file.stat()).ino;
  let position = options.start;
  let underName: FileHandle | undefined;
  if (rotated !== undefined) {
    underName = file;
    file = await openRotated(rotated).catch(async (err: unknown) => {
      await underName?.close();
      throw err;
    });
    position = rotated.startOffset;
  }
  try {
    while (!signal?.aborted) {
      const buffer = Buffer.allocUnsafe(READ_SIZE);
      const { bytesRead } = await file.read(buffer, 0, READ_SIZE, position);
      if (bytesRead > 0) {
        position += bytesRead;
        options.onRead(bytesRead);
        yield buffer.subarray(0, bytesRead);
        continue;
      }
      if (underName !== undefined) {
        // The rotated file's rest is read (nothing writes to it any more): go on with the file under the name.
        await file.close();
        file = underName;
        underName = undefined;
        const info = await file.stat();
        ino = info.ino;
        position = 0;
        options.onOpen(info.ino, info.dev);
        yield { rotated: 'renamed' };
        continue;
      }
      if (!options.follow) return;
      const now = await stat(path).catch(() => undefined);
      if (now !== undefined && now.ino !== ino) {
        // Renamed away and re-created: the old file is read to its end (above); go on with the new one.
        const next = await open(path, 'r').catch(() => undefined);
        if (next !== undefined) {
          await file.close();
          file = next;
          const info = await file.stat();
          ino = info.ino;
          position = 0;
          options.onOpen(ino, info.dev);
          yield { rotated: 'renamed' };
          continue;
        }
      } else if (now !== undefined && now.size < position) {
        position = 0;
        options.onOpen(ino, now.dev);
        yield { rotated: 'truncated' };
        continue;
      }
      await sleep(options.pollMs, signal);
    }
  } finally {
    await file.close();
    await underName?.close();
  }
}

/** Opens a rotated file, checking it still is the file with the checkpoint's inode. */
async function openRotated(rotated: RotatedInput): Promise<FileHandle> {
  const handle = await open(rotated.path, 'r');
  const { ino } = await handle.stat();
  if (ino !== rotated.inode) {
    await handle.close();
    throw new Error(`${rotated.path} was rotated again as ship started: run ship again`);
  }
  return handle;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
