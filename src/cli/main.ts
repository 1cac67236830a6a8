#!/usr/bin/env node
// The `rx-audit` executable (package.json "bin"): serve, ship, demo. See docs/cli.md.
import { runCli } from './runCli.js';

/** Resolves once everything written so far to `stream` has been handed to the OS. */
const flushed = (stream: NodeJS.WriteStream): Promise<void> =>
  new Promise((resolve) => stream.write('', () => resolve()));

void runCli(process.argv.slice(2))
  .catch((err: unknown) => {
    process.stderr.write(`rx-audit: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  })
  .then(async (code) => {
    // Exit explicitly (stdin or keep-alive sockets may hold the event loop open), but only after stdout and
    // stderr are flushed: pipes are asynchronous on some platforms.
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
    process.exit(code);
  });
