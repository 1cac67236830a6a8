import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The `version` of the rx-audit package the CLI runs from, read from the nearest `package.json` named `rx-audit`
 * above this file (`dist/cjs/cli/` in the package).
 *
 * @returns The version, or `'unknown'` when no such `package.json` is found.
 */
export function packageVersion(): string {
  // The CLI is run from the CommonJS build, where __dirname exists; the ESM build falls back to the script path.
  let dir = typeof __dirname === 'string' ? __dirname : dirname(process.argv[1] ?? '.');
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'rx-audit' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here (or not JSON): keep looking upwards
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}
