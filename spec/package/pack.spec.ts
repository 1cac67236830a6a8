// The npm pack test: the packed tarball installs into a separate project and works with both `import`
// and `require` (scripts/pack-test.mjs does the work on the dist/ that vitest's global setup builds).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/corpus.js';

describe('the npm package', () => {
  it('installs from the packed tarball and works with import and require', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/pack-test.mjs'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(stdout).toContain("pack-test: import('rx-audit') ok → node_modules/rx-audit/dist/esm/index.js");
    expect(stdout).toContain("pack-test: require('rx-audit') ok → node_modules/rx-audit/dist/cjs/index.js");
    expect(stdout.trim().split('\n').at(-1)).toBe('pack-test: ok');
  }, 120_000);
});
