#!/usr/bin/env node
// The `rx-audit` executable (package.json "bin"): serve, ship, demo. See docs/cli.md.
import { runCli } from './runCli.js';
import { errorMessage } from '../util/toError.js';

/** Resolves once everything written so far to `stream` has been handed to the OS. */
const flushed = (stream: NodeJS.WriteStream): Promise<void> =>
  new Promise((resolve) => stream.write('', () => resolve()));

// One process-wide listener per signal, from start to exit. A command installs its own listeners for its run and
// removes them when it returns; without this one, a signal arriving after that (while the output is flushed) would
// meet the default action and kill the process with no exit code and no summary. Once the command has finished,
// a signal exits at once with the command's code; before a command listens (or for one that never does), it exits
// as the default action would, but with an exit code (128 + signal number).
let finished: number | undefined;
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
for (const [signal, code] of Object.entries(SIGNAL_EXIT_CODES)) {
  process.on(signal, () => {
    if (finished !== undefined) process.exit(finished);
    else if (process.listenerCount(signal) === 1) process.exit(code);
  });
}

void runCli(process.argv.slice(2))
  .catch((err: unknown) => {
    process.stderr.write(`rx-audit: ${errorMessage(err)}\n`);
    return 1;
  })
  .then(async (code) => {
    finished = code;
    // Exit explicitly (stdin or keep-alive sockets may hold the event loop open), but only after stdout and
    // stderr are flushed: pipes are asynchronous on some platforms.
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
    process.exit(code);
  });
