// Not public: one process (and one store within it) per spool folder. The lock file names the holder's pid and,
// where /proc exists, the holder's start time, so a pid reused by another process after a crash (a restarted
// container's node is often pid 1 or 7 again) is not taken for the holder.
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SpoolError } from './SpoolError.js';

/** The lock file's name inside the spool folder. */
export const LOCK_FILE = 'lock';

// Folders locked by this process: a lock naming our own pid is ours only if it is in here.
const heldHere = new Set<string>();

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

/** What a lock file says: the holder's pid and start time (garbage gives no pid). */
function readHolder(file: string): { pid: number; started: string | undefined } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'latin1').slice(0, 100);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const [pidText, started] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  return { pid: Number.isSafeInteger(pid) && pid > 0 ? pid : 0, started: started || undefined };
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
  const file = join(dir, LOCK_FILE);
  if (heldHere.has(file)) throw new SpoolError(name, `spool ${name} is in use (pid ${process.pid})`);
  const me = `${process.pid} ${startTime(process.pid) ?? ''}`.trim() + '\n';
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
    if (holder.pid > 0 && !ours && isAlive(holder.pid, holder.started)) {
      throw new SpoolError(name, `spool ${name} is in use (pid ${holder.pid})`);
    }
    // Stale (dead holder, or our pid from an earlier life of this process slot): move it aside atomically,
    // so two processes taking over at once cannot both remove a fresh lock; then try to create ours again.
    const aside = `${file}.stale-${process.pid}-${attempt}`;
    try {
      renameSync(file, aside);
      rmSync(aside, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
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
