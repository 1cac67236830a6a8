import type { FileHandle } from 'node:fs/promises';
import { open, rename, rm, stat } from 'node:fs/promises';
import { CliUsageError } from './CliUsageError.js';
import type { ServeSink, StoredEvent } from './ServeSink.js';

/** Options of {@link openFileSink} (`--out`, `--out-max-bytes`, `--out-keep`). */
export interface FileSinkOptions {
  /** The JSON-lines file events are appended to. */
  path: string;
  /** Rotate before the file would pass this many bytes. @default no rotation */
  maxBytes?: number;
  /** Rotated files kept (`out.1` newest … `out.N` oldest); older ones are deleted. @default 5 */
  keep?: number;
}

/**
 * A {@link ServeSink} that appends each POST's events to a file as JSON lines (as the apiserver's log backend
 * writes them), one POST at a time so lines never interleave. With `maxBytes`, before an append would take the
 * file past it, the file is rotated like logrotate: `out.(N-1)` → `out.N`, …, `out` → `out.1`, the oldest
 * beyond `keep` deleted, and a fresh `out` opened. A POST is never split across two files.
 *
 * @param options Where and how much.
 * @returns The sink; `close()` fsyncs and closes the file.
 * @throws CliUsageError when the file cannot be opened.
 */
export async function openFileSink(options: FileSinkOptions): Promise<ServeSink> {
  const { path, maxBytes } = options;
  const keep = options.keep ?? 5;
  const openOut = (): Promise<FileHandle> =>
    open(path, 'a').catch((err: NodeJS.ErrnoException) => {
      throw new CliUsageError(`cannot open --out ${path}: ${err.code ?? err.message}`);
    });
  let file = await openOut();
  let size = (await stat(path)).size;
  let writes: Promise<void> = Promise.resolve();
  let closed: Promise<void> | undefined;

  const rotate = async (): Promise<void> => {
    await file.close();
    await rm(`${path}.${keep}`, { force: true });
    for (let n = keep - 1; n >= 1; n--) {
      await rename(`${path}.${n}`, `${path}.${n + 1}`).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
    if (keep >= 1) await rename(path, `${path}.1`);
    else await rm(path, { force: true });
    file = await openOut();
    size = 0;
  };

  const append = async (text: string): Promise<void> => {
    const bytes = Buffer.from(text);
    if (maxBytes !== undefined && size > 0 && size + bytes.length > maxBytes) await rotate();
    await file.appendFile(bytes);
    size += bytes.length;
  };

  return {
    store(events: readonly StoredEvent[]) {
      if (events.length === 0) return Promise.resolve();
      if (closed !== undefined) return Promise.reject(new Error('serve is shutting down'));
      const text = events.map((e) => e.json).join('\n') + '\n';
      const next = writes.then(() => append(text));
      writes = next.catch(() => undefined);
      return next;
    },
    close() {
      return (closed ??= (async () => {
        await writes;
        await file.sync();
        await file.close();
      })());
    },
  };
}
