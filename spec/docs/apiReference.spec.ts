// docs/api is the API reference typedoc generates from the doc comments (`npm run docs:api`). It is checked in
// so it can be read in the repository and the package; this spec regenerates it into a temp folder and fails
// when the checked-in copy differs, so the reference cannot drift from the code.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/corpus.js';

const fresh = mkdtempSync(path.join(os.tmpdir(), 'rx-audit-api-'));
afterAll(() => rmSync(fresh, { recursive: true, force: true }));

const read = (dir: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.md'))
      .sort()
      .map((file) => [file, readFileSync(path.join(dir, file), 'utf8')]),
  );

describe('docs/api', () => {
  it('is what typedoc generates from the current doc comments (run `npm run docs:api` after changing them)', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [path.join(repoRoot, 'node_modules/typedoc/bin/typedoc'), '--out', fresh, '--logLevel', 'Warn'],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    // No warnings: every type the reference names is in it (exported from the entry point that uses it).
    expect(`${stdout}${stderr}`).toBe('');
    const generated = read(fresh);
    expect(Object.keys(generated)).toContain('index.md');
    expect(read(path.join(repoRoot, 'docs/api'))).toEqual(generated);
  }, 120_000);
});
