// Not public: configuration files (kubeconfigs and the files they name, audit policies) read with a size
// limit, so a path that points at something huge or endless (/dev/zero, a log) fails with a clear message
// instead of filling the memory.
import { closeSync, openSync, readSync } from 'node:fs';
import { AuditError } from '../events/AuditError.js';
import { errorMessage } from './toError.js';

/** The largest configuration file read: 4 MiB (a kubeconfig with embedded certificates is a few KB). */
export const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024;

/** A file that is larger than the limit; `code` is `EFBIG` as for the file system's own errors. */
export class FileTooLargeError extends AuditError {
  override name = 'FileTooLargeError' as const;
  readonly code = 'EFBIG';
}

/**
 * Reads at most `max` bytes of a file. Throws the file system's error (`ENOENT`, `EACCES`, …) or a
 * {@link FileTooLargeError} when the file holds more.
 *
 * @param path The file.
 * @param max Bytes allowed.
 * @default max {@link MAX_CONFIG_FILE_BYTES}
 */
export function readBoundedFile(path: string, max = MAX_CONFIG_FILE_BYTES): Buffer {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, max + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      chunks.push(chunk.subarray(0, n));
      if (total > max) {
        throw new FileTooLargeError(`file is larger than ${max} bytes`);
      }
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** Why a file could not be read, for a message: the error's text without the path it repeats, never content. */
export function fsReason(err: unknown): string {
  const message = errorMessage(err);
  return message.replace(/, \w+ '[^']*'$/, '');
}
