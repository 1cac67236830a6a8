import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Bare module specifiers loaded (statically) at run time by `entry` and every file it imports, transitively. */
function runtimeImports(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    const statement = /^(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
    for (const [, specifier = ''] of text.matchAll(statement)) {
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else
        packages.add(
          specifier
            .split('/')
            .slice(0, specifier.startsWith('@') ? 2 : 1)
            .join('/'),
        );
    }
  };
  visit(entry);
  return packages;
}

const natsPeers = (names: Set<string>) => [...names].filter((name) => name.startsWith('@nats-io/'));

it('rx-audit/nats loads @nats-io/transport-node and @nats-io/jetstream', () => {
  expect(natsPeers(runtimeImports(resolve(src, 'nats/index.ts'))).sort()).toEqual([
    '@nats-io/jetstream',
    '@nats-io/transport-node',
  ]);
});

it.each(['index.ts', 'testing/index.ts', 'express/index.ts', 'cli/main.ts'])(
  'src/%s does not load the optional @nats-io peers (the CLI imports rx-audit/nats only for --jetstream)',
  (entry) => {
    const names = runtimeImports(resolve(src, entry));
    expect(names.size).toBeGreaterThan(0);
    expect(natsPeers(names)).toEqual([]);
  },
);
