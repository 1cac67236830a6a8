import { CommanderError } from 'commander';
import type { CliIO } from './CliIO.js';
import { processIO } from './CliIO.js';
import { isCliUsageError } from './CliUsageError.js';
import { createProgram } from './createProgram.js';
import { errorMessage } from '../util/toError.js';

/** Exit code of a usage error (unknown flag, missing file, bad value). */
export const EXIT_USAGE = 2;

/**
 * Runs the `rx-audit` command line once.
 *
 * @param argv The arguments after the script (`process.argv.slice(2)`).
 * @param io Where to read and write. @default the process
 * @returns The exit code: 0 success, 1 something was not delivered (or failed at run time), 2 usage error.
 */
export async function runCli(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const state = { exitCode: 0 };
  const program = createProgram(io, state);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return state.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version "exit" with 0; every parse error is a usage error.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (isCliUsageError(err)) {
      io.stderr.write(`rx-audit: ${err.message}\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`rx-audit: ${errorMessage(err)}\n`);
    return 1;
  }
}
