import type { Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';

/** Which file {@link findRotatedLog} looks for: the one a checkpoint was taken from. */
export interface RotatedLogIdentity {
  /** Its inode. */
  readonly inode: number;
  /** Its device; when unknown (an older checkpoint), the device of the log under its name. */
  readonly dev?: number | undefined;
}

/** A rotated log found by {@link findRotatedLog}. */
export interface RotatedLog {
  /** Its path, beside the log. */
  readonly path: string;
  /** Its size in bytes when it was found. */
  readonly size: number;
  /** Its last modification, in ms since the epoch (when it was last written, before it was rotated away). */
  readonly mtimeMs: number;
}

/** Names of compressed rotations: a new file each (compressing never keeps the inode), so never a match. */
const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|z|zip)$/i;

/**
 * Whether `name` is what a rotation of the log named `base` can be called: `audit.log.1`, `audit.log.2026…`
 * (logrotate, numbered or `dateext`), `audit.log-20261201` (logrotate `dateext`), `audit-20261201.log` (logrotate
 * `dateext` with `extension`) or `audit-2026-12-01T10-00-00.000.log` (the apiserver's own rotation, lumberjack).
 *
 * @param name A sibling's file name.
 * @param base The log's file name.
 * @returns Whether the name fits one of those patterns and is not a compressed rotation.
 */
export function isRotationName(name: string, base: string): boolean {
  if (name === base || COMPRESSED.test(name)) return false;
  if (name.startsWith(`${base}.`) || name.startsWith(`${base}-`)) return true;
  const ext = extname(base);
  const stem = ext === '' ? base : base.slice(0, -ext.length);
  return ext !== '' && name.length > base.length && name.startsWith(`${stem}-`) && name.endsWith(ext);
}

/**
 * Looks beside `file` (in its folder, not below) for the rotated file that carries a checkpoint's inode: after
 * `file` was rotated while ship was down, the rest of the file the checkpoint was taken from is read from there.
 * Only names a rotation can have are looked at ({@link isRotationName}), and a file is taken by its inode and
 * device alone, never by its name.
 *
 * @param file The log's path.
 * @param identity The checkpoint's inode and device.
 * @param exclude Paths never taken (the checkpoint file and its temporary file).
 * @returns The rotated file, or `undefined` when none beside `file` has that inode.
 */
export async function findRotatedLog(
  file: string,
  identity: RotatedLogIdentity,
  exclude: readonly string[] = [],
): Promise<RotatedLog | undefined> {
  const dev = identity.dev ?? (await stat(file).catch(() => undefined))?.dev;
  if (dev === undefined) return undefined;
  for (const sibling of await rotationSiblings(file, exclude, false)) {
    const { info } = sibling;
    if (info.ino === identity.inode && info.dev === dev) {
      return { path: sibling.path, size: info.size, mtimeMs: info.mtimeMs };
    }
  }
  return undefined;
}

/**
 * The rotations beside `file` written after `rotated` was (compressed or not, by name as in
 * {@link isRotationName}): what the log was rotated into after it, when it was rotated more than once while ship
 * was down. Ship does not read them; it names them.
 *
 * @param file The log's path.
 * @param rotated The rotated file the checkpoint was taken from.
 * @param exclude Paths never named (the checkpoint file and its temporary file).
 * @returns Their file names, oldest first.
 */
export async function rotationsAfter(
  file: string,
  rotated: RotatedLog,
  exclude: readonly string[] = [],
): Promise<string[]> {
  const found = (await rotationSiblings(file, [rotated.path, ...exclude], true)).filter(
    ({ info }) => info.mtimeMs > rotated.mtimeMs,
  );
  return found.sort((a, b) => a.info.mtimeMs - b.info.mtimeMs).map((f) => f.name);
}

/**
 * The regular files beside `file` whose names a rotation of it can have ({@link isRotationName}; with
 * `compressed`, also such a name with a compression suffix), but not `exclude`; none when the folder cannot be read.
 */
async function rotationSiblings(
  file: string,
  exclude: readonly string[],
  compressed: boolean,
): Promise<{ name: string; path: string; info: Stats }[]> {
  const folder = dirname(file);
  const base = basename(file);
  const skipped = new Set(exclude.map((p) => resolve(p)));
  const names = await readdir(folder).catch(() => [] as string[]);
  const out: { name: string; path: string; info: Stats }[] = [];
  for (const name of names) {
    const rotation =
      isRotationName(name, base) ||
      (compressed && name !== base && isRotationName(name.replace(COMPRESSED, ''), base));
    if (!rotation) continue;
    const path = join(folder, name);
    if (skipped.has(resolve(path))) continue;
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() === true) out.push({ name, path, info });
  }
  return out;
}
