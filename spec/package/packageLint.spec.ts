// The published package as its consumers meet it: publint and arethetypeswrong are clean, every source map
// in the tarball carries its sources, the CLI ships once (in the CommonJS tree the `bin` points at), and the
// docs inside the package link only to files it ships. Runs on the dist/ that vitest's global setup builds.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/corpus.js';

const run = promisify(execFile);
const bin = (name: string): string => path.join(repoRoot, 'node_modules', '.bin', name);

/** The files `npm pack` would publish, relative to the package root. */
let packed: string[] = [];

beforeAll(async () => {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  packed = (JSON.parse(stdout) as [{ files: { path: string }[] }])[0].files.map((f) => f.path);
}, 60_000);

describe('the published package', () => {
  it('passes publint --strict', async () => {
    const { stdout } = await run(bin('publint'), ['--strict'], { cwd: repoRoot, encoding: 'utf8' });
    expect(stdout).toContain('All good!');
  }, 60_000);

  it('passes arethetypeswrong in every resolution, node10 subpaths included (typesVersions), ESM and CJS', async () => {
    // Exits non-zero on any problem (execFile rejects then); the JSON lists each one, with its resolution.
    const { stdout } = await run(bin('attw'), ['--pack', '.', '--format', 'json'], {
      cwd: repoRoot,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const result = JSON.parse(stdout) as { analysis: { problems: unknown[] } };
    expect(result.analysis.problems).toEqual([]);
  }, 120_000);

  it('ships every source map with its sources inline, so stack traces resolve without src/', () => {
    const maps = packed.filter((file) => file.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(50);
    const missing = maps.filter((file) => {
      const map = JSON.parse(readFileSync(path.join(repoRoot, file), 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      return map.sourcesContent?.length !== map.sources.length || map.sourcesContent.some((s) => s == null);
    });
    expect(missing).toEqual([]);
  });

  it('ships the CLI and its embedded sample once, in the CommonJS tree that `bin` points at', () => {
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(manifest.bin['rx-audit']).toBe('./dist/cjs/cli/main.js');
    expect(packed).toContain('dist/cjs/cli/main.js');
    expect(packed).toContain('dist/cjs/cli/sample/sampleLog.js');
    expect(packed.filter((file) => file.startsWith('dist/esm/cli/'))).toEqual([]);
  });

  it('has docs that link only to files the package ships', () => {
    const docs = packed.filter((file) => file.endsWith('.md'));
    expect(docs).toContain('README.md');
    const broken: string[] = [];
    for (const doc of docs) {
      // Code (fenced blocks and inline spans) is not a link, even when it looks like one.
      const text = readFileSync(path.join(repoRoot, doc), 'utf8')
        .replace(/^```[\s\S]*?^```/gm, '')
        .replace(/`[^`\n]*`/g, '');
      // Markdown links and images: [text](target) — external URLs and in-page anchors are not files.
      for (const match of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = (match[1] as string).split('#')[0] as string;
        if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
        const file = path.posix.normalize(path.posix.join(path.posix.dirname(doc), decodeURI(target)));
        if (!packed.includes(file) && !packed.some((p) => p.startsWith(`${file.replace(/\/$/, '')}/`))) {
          broken.push(`${doc} → ${target}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
