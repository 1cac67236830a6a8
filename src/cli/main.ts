#!/usr/bin/env node
// The `rx-audit` executable (package.json "bin"): serve, ship, demo. See docs/cli.md.
import { runCli } from './runCli.js';

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`rx-audit: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
