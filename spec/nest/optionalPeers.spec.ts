import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Bare module specifiers loaded at run time by `entry` and every file it imports, transitively. */
function runtimeImports(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    // `import type` / `export type` vanish at compile time; everything else is loaded.
    const statement = /^(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
    for (const [, specifier = ''] of text.matchAll(statement)) {
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else
        packages.add(
          specifier.startsWith('@')
            ? specifier.split('/').slice(0, 2).join('/')
            : (specifier.split('/')[0] ?? ''),
        );
    }
  };
  visit(entry);
  return packages;
}

it('rx-audit (core) loads none of the optional peers express, @nestjs/* and reflect-metadata', () => {
  const core = runtimeImports(resolve(src, 'index.ts'));
  expect(core.has('io-ts')).toBe(true); // the walk does see the core's imports
  expect([...core].filter((name) => /^(express|@nestjs\/|reflect-metadata)/.test(name))).toEqual([]);
});

it('rx-audit/express loads no framework at run time; rx-audit/nest loads Nest and reflect-metadata', () => {
  expect(
    [...runtimeImports(resolve(src, 'express/index.ts'))].filter((name) => /^(express|@nestjs\/)/.test(name)),
  ).toEqual([]);
  const nest = runtimeImports(resolve(src, 'nest/index.ts'));
  expect(['@nestjs/common', '@nestjs/core', 'reflect-metadata'].every((name) => nest.has(name))).toBe(true);
  expect(nest.has('express')).toBe(false);
});
