// Builds dist/esm (ES modules) and dist/cjs (CommonJS) from src/ with tsc, then marks each
// folder's module kind with a package.json so Node loads both from one "type": "module" package.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');

rmSync('dist', { recursive: true, force: true });
for (const config of ['tsconfig.esm.json', 'tsconfig.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', config], { stdio: 'inherit' });
}
writeFileSync('dist/esm/package.json', JSON.stringify({ type: 'module' }) + '\n');
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
for (const bin of ['dist/cjs/cli/main.js', 'dist/esm/cli/main.js']) {
  if (existsSync(bin)) chmodSync(bin, 0o755);
}
