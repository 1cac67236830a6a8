// Not public: one process (and one store within it) per spool folder. The lock file names the holder's pid and,
// where /proc exists, the holder's start time, so a pid reused by another process after a crash (a restarted
// container's node is often pid 1 or 7 again) is not taken for the holder.
import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { SpoolError } from './SpoolError.js';

/** The lock file's name inside the spool folder. */
export const LOCK_FILE = 'lock';

// Folders locked by this process (by real path, so another spelling of the folder is the same one), shared by
// every copy of this module in the process (its ES module and CommonJS builds are two): a lock naming our own pid
// is ours only if it is in here.
const heldHere: Set<string> = ((globalThis as Record<symbol, Set<string> | undefined>)[
  Symbol.for('rx-audit.spool.heldHere')
] ??= new Set<string>());

/** The start time of `pid` in clock ticks since boot (Linux), or `undefined` where /proc is not there. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function isAlive(pid: number, started: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (started === undefined) return true;
  const now = startTime(pid);
  return now === undefined || now === started;
}

/** What a lock file says: the holder's pid and start time (garbage gives no pid), and its text. */
function readHolder(file: string): { pid: number; started: string | undefined; text: string } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'latin1').slice(0, 100);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const [pidText, started] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  return { pid: Number.isSafeInteger(pid) && pid > 0 ? pid : 0, started: started || undefined, text };
}

/**
 * Takes the lock of spool folder `dir` (which exists) for this process, or throws
 * `spool <name> is in use (pid <pid>)` while a live process (this one included) holds it. A lock left by a
 * dead process, or one that cannot be read, is taken over.
 *
 * @param name The folder as the user gave it, for the message.
 * @returns The release function (idempotent).
 */
export function lockSpoolDir(dir: string, name: string): () => void {
  const file = join(realpathSync(dir), LOCK_FILE);
  const inUse = (pid: number): SpoolError => new SpoolError(name, `spool ${name} is in use (pid ${pid})`);
  if (heldHere.has(file)) throw inUse(process.pid);
  const myStart = startTime(process.pid);
  const me = `${process.pid} ${myStart ?? ''}`.trim() + '\n';
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      try {
        writeSync(fd, me);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw error;
    }
    const holder = readHolder(file);
    if (holder === undefined) continue;
    const ours = holder.pid === process.pid;
    // Our own pid and start time: this process holds it (another copy of this module took it).
    if (ours && myStart !== undefined && holder.started === myStart) throw inUse(process.pid);
    if (holder.pid > 0 && !ours && isAlive(holder.pid, holder.started)) throw inUse(holder.pid);
    // Stale (dead holder, or our pid from an earlier life of this process slot): move it aside atomically,
    // then check that what was moved is the stale lock judged above. Another process may have taken over
    // first and made a fresh lock in between: that one is put back, and the folder is in use.
    const aside = `${file}.stale-${process.pid}-${attempt}`;
    try {
      renameSync(file, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      continue;
    }
    const moved = readHolder(aside);
    if (moved !== undefined && moved.text !== holder.text) {
      try {
        linkSync(aside, file);
      } catch {
        /* a third lock is there already: it holds the folder */
      }
      rmSync(aside, { force: true });
      throw inUse(moved.pid);
    }
    rmSync(aside, { force: true });
  }
  heldHere.add(file);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    heldHere.delete(file);
    const holder = readHolder(file);
    if (holder?.pid === process.pid) rmSync(file, { force: true });
  };
}
