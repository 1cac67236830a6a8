// The npm pack test: the packed tarball installs into a separate project and works with both `import`
// and `require` (scripts/pack-test.mjs does the work; `npm test` builds dist/ before vitest runs this).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/corpus.js';

const built = ['dist/esm/index.js', 'dist/cjs/index.js'].every((file) =>
  existsSync(path.join(repoRoot, file)),
);
if (!built) console.warn('spec/package/pack.spec.ts: skipped — dist/ is missing, run `npm run build` first');

describe('the npm package', () => {
  it.skipIf(!built)(
    'installs from the packed tarball and works with import and require',
    async () => {
      const { stdout } = await promisify(execFile)(process.execPath, ['scripts/pack-test.mjs'], {
        cwd: repoRoot,
        encoding: 'utf8',
      });
      expect(stdout).toContain("pack-test: import('rx-audit') ok → node_modules/rx-audit/dist/esm/index.js");
      expect(stdout).toContain("pack-test: require('rx-audit') ok → node_modules/rx-audit/dist/cjs/index.js");
      expect(stdout.trim().split('\n').at(-1)).toBe('pack-test: ok');
    },
    120_000,
  );
});
