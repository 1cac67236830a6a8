// Builds dist/esm (ES modules) and dist/cjs (CommonJS) from src/ with tsc — both passes at once,
// one per core — then marks each folder's module kind with a package.json so Node loads both from
// one "type": "module" package.
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const run = promisify(execFile);

rmSync('dist', { recursive: true, force: true });
const results = await Promise.allSettled(
  ['tsconfig.esm.json', 'tsconfig.cjs.json'].map((config) => run(process.execPath, [tsc, '-p', config])),
);
let failed = false;
for (const result of results) {
  if (result.status === 'rejected') {
    failed = true;
    process.stderr.write(
      `${result.reason.stdout ?? ''}${result.reason.stderr ?? ''}` || String(result.reason),
    );
  }
}
if (failed) process.exit(1);
writeFileSync('dist/esm/package.json', JSON.stringify({ type: 'module' }) + '\n');
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
for (const bin of ['dist/cjs/cli/main.js']) {
  if (existsSync(bin)) chmodSync(bin, 0o755);
}
