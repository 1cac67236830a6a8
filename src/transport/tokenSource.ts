// Not public: the bearer token of a target whose token is in a file, re-read as client-go's
// CachedFileTokenSource does, so a rotated token (a projected service-account token) is picked up.
import { readBoundedFile } from '../util/readBoundedFile.js';

/** How long a token read from its file is used before the file is read again: client-go's one minute. */
export const TOKEN_FILE_REFRESH_MS = 60_000;

/** The token of a file, trimmed; throws the file system's error, or an Error when the file is empty. */
export function readTokenFile(path: string): string {
  const token = readBoundedFile(path, 64 * 1024)
    .toString('utf8')
    .trim();
  if (token === '') throw new Error('the file is empty');
  return token;
}

/**
 * The current token: `initial` (read when the target was loaded), then the file's content, read again when the
 * last read is `refreshMs` old. A read that fails or finds the file empty keeps the last token (client-go too).
 * `onChange` is told each new token (for the secrets kept out of messages).
 */
export function tokenSource(
  initial: string | undefined,
  file: string,
  onChange: (token: string) => void,
  now: () => number = () => Date.now(),
  refreshMs = TOKEN_FILE_REFRESH_MS,
): () => string | undefined {
  let token = initial;
  let readAt = initial === undefined ? -Infinity : now();
  return () => {
    const at = now();
    if (at - readAt < refreshMs) return token;
    readAt = at;
    try {
      const next = readTokenFile(file);
      if (next !== token) {
        token = next;
        onChange(next);
      }
    } catch {
      // Kept: the last token that was read.
    }
    return token;
  };
}
