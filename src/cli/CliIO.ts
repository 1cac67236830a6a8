import type { Readable } from 'node:stream';
import type { ProgressStream } from './ShipProgress.js';

/** The outside world of one `rx-audit` run: where it reads and writes, and the process it answers signals for. */
export interface CliIO {
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
  readonly stdin: Readable;
  /** Emits `SIGINT` / `SIGTERM` (the process). */
  readonly signals: Pick<NodeJS.Process, 'on' | 'once' | 'removeListener'>;
}

/** The real process's streams and signals. */
export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, signals: process };
}
