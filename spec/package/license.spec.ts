// The LICENSE file matches package.json's "license" (Apache-2.0) and is the standard text.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/corpus.js';

describe('LICENSE', () => {
  it('is the full Apache License 2.0 text, with the project copyright, as package.json says', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { license?: string };
    expect(pkg.license).toBe('Apache-2.0');
    const text = readFileSync(path.join(repoRoot, 'LICENSE'), 'utf8');
    expect(text).toMatch(
      /^\s+Apache License\n\s+Version 2\.0, January 2004\n\s+http:\/\/www\.apache\.org\/licenses\/\n/,
    );
    for (let section = 1; section <= 9; section++)
      expect(text).toMatch(new RegExp(`\\n\\s+${section}\\. [A-Z]`));
    expect(text).toContain('END OF TERMS AND CONDITIONS');
    expect(text).toContain('Copyright 2026 the rx-audit authors');
    expect(text).not.toContain('[yyyy]');
    expect(text.split('\n').length).toBeGreaterThan(190);
  });
});
