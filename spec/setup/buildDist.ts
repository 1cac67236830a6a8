// Vitest global setup: builds dist/ (ESM and CommonJS) once before any spec runs, so the suites that run the
// built package — the CLI as a child process, the packed tarball, publint and attw — work after a plain
// `npm ci && npx vitest run`, and always test the current sources.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default function setup(): void {
  // RX_AUDIT_SKIP_BUILD=1 reuses a dist/ you just built (for quick local re-runs of one spec file).
  if (process.env.RX_AUDIT_SKIP_BUILD === '1') return;
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, stdio: 'inherit' });
}
