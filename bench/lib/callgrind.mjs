// Counting instead of timing: runs a Node.js script under valgrind's callgrind and gives back the counts of each
// segment of it. A segment is what runs between two calls of os.loadavg() in the script: callgrind dumps its
// counters before each call (`--dump-before=uv_loadavg`). Counts do not move with the machine's load the way
// times do, so two builds or two contenders can be compared to a percent on a shared machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether valgrind can be run here (Debian's `valgrind` package). */
export function hasValgrind() {
  return spawnSync('valgrind', ['--version']).status === 0;
}

/**
 * Runs `node [nodeFlags] script [args]` under callgrind (`--cache-sim=yes` when `cacheSim`) with one V8 thread:
 * the collector's and the compiler's work is counted where it is caused. Resolves the counts of each marked
 * segment, in order, as `{ Ir, I1mr?, … }`; what runs before the first mark and between a segment's end and the
 * next mark is left out.
 */
export function countSegments(script, args, { cacheSim = false, nodeFlags = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'rx-audit-counts-'));
  try {
    execFileSync(
      'valgrind',
      [
        '--tool=callgrind',
        `--cache-sim=${cacheSim ? 'yes' : 'no'}`,
        '--dump-before=uv_loadavg',
        `--callgrind-out-file=${join(dir, 'out')}`,
        process.execPath,
        '--single-threaded',
        ...nodeFlags,
        script,
        ...args,
      ],
      { stdio: ['ignore', 'inherit', 'ignore'] },
    );
    // Dumps: 1 is everything before the first mark; then per segment its counts and the gap to the next mark.
    return readdirSync(dir)
      .map((name) => ({ name, part: Number(name.split('.').pop()) }))
      .filter((d) => Number.isInteger(d.part) && d.part > 1)
      .sort((a, b) => a.part - b.part)
      .map((d) => counts(readFileSync(join(dir, d.name), 'utf8')))
      .filter((_, i) => i % 2 === 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The `summary:` counts of one callgrind dump, by event name. */
function counts(text) {
  const names = /^events: (.+)$/m.exec(text)?.[1].split(' ');
  const values = /^summary: (.+)$/m.exec(text)?.[1].split(' ').map(Number);
  if (names === undefined || values === undefined) throw new Error('a callgrind dump without a summary');
  return Object.fromEntries(names.map((name, i) => [name, values[i] ?? 0]));
}
