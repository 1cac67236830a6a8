import type { CliIO } from './CliIO.js';
import type { ServeOptions } from './startServe.js';
import { startServe } from './startServe.js';

/** Options of `rx-audit serve` (see `rx-audit serve --help` and docs/cli.md). */
export interface ServeCommandOptions extends ServeOptions {
  /** Print the live summary line. @default true */
  summary: boolean;
}

/**
 * Runs `rx-audit serve`: the receiving webhook, with a live one-line summary, until SIGINT or SIGTERM; then
 * closes cleanly (pending writes finished, `--out` fsynced) and prints the final summary.
 *
 * @param options The parsed flags.
 * @param io Where to write, and the signals to stop on.
 * @returns 0 after a clean shutdown.
 */
export async function serveCommand(options: ServeCommandOptions, io: CliIO): Promise<number> {
  const serve = await startServe(options);
  const { stdout, stderr } = io;
  stdout.write(`rx-audit serve listening on ${serve.url}\n`);
  if (options.out !== undefined) stdout.write(`rx-audit serve appending events to ${options.out}\n`);
  if (options.failRate > 0)
    stdout.write(
      `rx-audit serve failing ${Math.round(options.failRate * 100)}% of POSTs with 503 on purpose\n`,
    );

  // A TTY gets one line redrawn in place; a pipe or file gets a line every few seconds when something changed.
  const tty = stderr.isTTY === true;
  let last = '';
  const timer = options.summary
    ? setInterval(
        () => {
          const line = serve.tally.line();
          // Cut to the terminal's width: a wrapped line could not be redrawn in place.
          if (tty) stderr.write(`\r\x1b[2K${line.slice(0, Math.max(20, (stderr.columns ?? 120) - 1))}`);
          else if (line.replace(/\(\d+\/s\)/, '') !== last) stderr.write(`rx-audit serve: ${line}\n`);
          last = line.replace(/\(\d+\/s\)/, '');
        },
        tty ? 250 : 5000,
      )
    : undefined;

  const signal = await new Promise<string>((resolve) => {
    const stop = (name: string) => () => {
      io.signals.removeListener('SIGINT', onInt);
      io.signals.removeListener('SIGTERM', onTerm);
      resolve(name);
    };
    const onInt = stop('SIGINT');
    const onTerm = stop('SIGTERM');
    io.signals.once('SIGINT', onInt);
    io.signals.once('SIGTERM', onTerm);
  });
  if (timer !== undefined) clearInterval(timer);
  if (tty && options.summary) stderr.write('\r\x1b[2K');
  await serve.close();
  stdout.write(`rx-audit serve stopped (${signal}): ${serve.tally.line()}\n`);
  return 0;
}
