import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { CliUsageError } from './CliUsageError.js';

/** Checks an `Authorization` header value against the expected bearer token. */
export type BearerCheck = (authorization: string | undefined) => Promise<boolean>;

/** Where the token comes from: `--token` or `--token-file`. */
export interface BearerOptions {
  token?: string;
  tokenFile?: string;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * A bearer-token check for `serve`, or `undefined` when no token is required. With `tokenFile` the file is read
 * at start (whitespace around the token is ignored) and again whenever its modification time, size or inode
 * changes — checked on each request, so a rotated token (a Kubernetes Secret update included) needs no restart. While the
 * file is missing or empty, the last good token stays in force. Tokens are compared in constant time.
 *
 * @param options `token` or `tokenFile`, not both.
 * @param onReload Called when the file was re-read (for a log line), with an empty-file flag.
 * @returns The check.
 * @throws CliUsageError for both options, an unreadable or empty file, or an empty token.
 */
export async function bearerCheck(
  options: BearerOptions,
  onReload: (problem?: string) => void = () => undefined,
): Promise<BearerCheck | undefined> {
  if (options.token !== undefined && options.tokenFile !== undefined) {
    throw new CliUsageError('serve takes --token or --token-file, not both');
  }
  const matches = (expected: Buffer, header: string | undefined): boolean => {
    const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
    if (match?.[1] === undefined) return false;
    return timingSafeEqual(digest(match[1]), expected);
  };
  if (options.token !== undefined) {
    if (options.token.trim() === '') throw new CliUsageError('--token must not be empty');
    const expected = digest(options.token.trim());
    return (header) => Promise.resolve(matches(expected, header));
  }
  const file = options.tokenFile;
  if (file === undefined) return undefined;

  const signature = async (): Promise<string | undefined> => {
    try {
      const info = await stat(file);
      return `${info.mtimeMs}/${info.size}/${info.ino}`;
    } catch {
      return undefined;
    }
  };
  const load = async (): Promise<string> => (await readFile(file, 'utf8')).trim();

  let seen = await signature();
  const first = await load().catch((err: NodeJS.ErrnoException) => {
    throw new CliUsageError(
      `cannot read --token-file ${file}: ${err.code === 'ENOENT' ? 'no such file' : (err.code ?? err.message)}`,
    );
  });
  if (first === '') throw new CliUsageError(`--token-file ${file} is empty`);
  let expected = digest(first);
  let reloading: Promise<void> | undefined;

  const refresh = async (): Promise<void> => {
    const now = await signature();
    if (now === undefined || now === seen) return;
    seen = now;
    const token = await load().catch(() => '');
    if (token === '') {
      onReload('the file is empty or unreadable; the previous token stays in force');
      return;
    }
    expected = digest(token);
    onReload();
  };

  return async (header) => {
    // One refresh at a time; concurrent requests wait for it rather than stat-ing the file each.
    reloading ??= refresh().finally(() => (reloading = undefined));
    await reloading;
    return matches(expected, header);
  };
}
