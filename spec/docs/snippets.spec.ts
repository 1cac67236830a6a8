// Every ```ts snippet in README.md and docs/*.md must type-check against the sources, as a user's file importing
// `rx-audit`, `rx-audit/testing`, `rx-audit/express`, … would. Each snippet is its own module (so they do not
// clash); names a snippet uses without defining — the reader's own `event`, `backend`, `logger` — come from the
// PRELUDE below, with the types a reader would have. Nothing is written to disk: the snippets are virtual files
// beside the markdown they come from, compiled in memory with the TypeScript API.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/corpus.js';

/** One ```ts block: where it starts (the line after the fence, 1-based) and its text. */
interface Snippet {
  readonly file: string;
  readonly line: number;
  readonly code: string;
}

/** The ```ts / ```typescript blocks of a markdown text, indentation of a list item removed. */
export function extractSnippets(file: string, markdown: string): Snippet[] {
  const lines = markdown.split(/\r?\n/);
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(?:ts|typescript)\s*$/.exec(lines[i] as string);
    if (open === null) continue;
    const indent = (open[1] as string).length;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j] as string))
      body.push((lines[j++] as string).slice(indent));
    if (j === lines.length) throw new Error(`${file}:${i + 1}: a \`\`\`ts block is never closed`);
    snippets.push({ file, line: i + 2, code: body.join('\n') });
    i = j;
  }
  return snippets;
}

/** What a reader of the guides has in scope already: their data, their app, their logger. */
const PRELUDE = `
import type { Observable } from 'rxjs';
import type { Express } from 'express';
import type { AuditBackend, AuditEvent, Policy } from 'rx-audit';

declare global {
  const event: AuditEvent;
  const events: AuditEvent[];
  const a: AuditEvent;
  const b: AuditEvent;
  const auditEvents$: Observable<AuditEvent>;
  const backend: AuditBackend;
  const policy: Policy;
  /** A text, a JSON line, a request body, credentials as PEM strings. */
  const text: string;
  const line: string;
  const body: string;
  const requestBody: string;
  const token: string;
  const ca: string;
  const caPem: string;
  const clientPem: string;
  const clientKeyPem: string;
  /** Any console-, pino- or winston-like logger; a metrics client; a message broker. */
  const logger: { warn(...args: unknown[]): void; error(...args: unknown[]): void };
  const log: { warn(...args: unknown[]): void };
  const metrics: { increment(name: string, by?: number): void };
  const broker: { publish(events: readonly AuditEvent[], options: { signal: AbortSignal }): Promise<void> };
  /** A test runner's globals (vitest with \`globals: true\`, jest). */
  const expect: typeof import('vitest').expect;
  const it: typeof import('vitest').it;
  const describe: typeof import('vitest').describe;
  /** The reader's own processing of a consumed event. */
  const index: (event: AuditEvent) => Promise<void>;
  const app: Express;
  const server: { close(): Promise<void> };
  /** The reader's own Nest classes (and @nestjs/config's, which rx-audit does not depend on). */
  class OrdersController {}
  class PaymentDto {}
  class ConfigModule {}
  class ConfigService {
    getOrThrow(key: string): string;
  }
}
`;

function markdownFiles(): string[] {
  const docs = readdirSync(path.join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

function compilerOptions(): ts.CompilerOptions {
  const configPath = path.join(repoRoot, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, repoRoot, undefined, configPath);
  return {
    ...parsed.options,
    noEmit: true,
    // A snippet shows one step: a value it computes and does not use yet is fine.
    noUnusedLocals: false,
    noUnusedParameters: false,
    // Not the DOM's: its global \`event\` (window.event) would shadow the reader's audit event.
    lib: ['lib.es2023.d.ts'],
    baseUrl: repoRoot,
    paths: {
      'rx-audit': ['src/index.ts'],
      'rx-audit/*': ['src/*/index.ts'],
    },
  };
}

/** Type-checks every snippet in one program; returns the problems by markdown file, as `file:line: message`. */
function checkSnippets(snippets: readonly Snippet[]): Map<string, string[]> {
  const virtual = new Map<string, { snippet: Snippet | undefined; text: string }>();
  const prelude = path.join(repoRoot, 'docs', '__snippet-prelude.d.ts');
  virtual.set(prelude, { snippet: undefined, text: `${PRELUDE}\nexport {};\n` });
  for (const snippet of snippets) {
    // `export {}` makes each snippet a module of its own, even one without imports.
    const name = path.join(repoRoot, `${snippet.file}.${snippet.line}.snippet.ts`);
    virtual.set(name, { snippet, text: `${snippet.code}\nexport {};\n` });
  }
  const options = compilerOptions();
  const host = ts.createCompilerHost(options, true);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (file) => virtual.has(path.resolve(file)) || fileExists.call(host, file);
  host.readFile = (file) => virtual.get(path.resolve(file))?.text ?? readFile.call(host, file);
  host.getSourceFile = (file, languageVersion, onError, shouldCreate) => {
    const entry = virtual.get(path.resolve(file));
    return entry === undefined
      ? getSourceFile.call(host, file, languageVersion, onError, shouldCreate)
      : ts.createSourceFile(file, entry.text, languageVersion, true);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);

  const problems = new Map<string, string[]>();
  for (const [name, entry] of virtual) {
    const source = program.getSourceFile(name);
    if (source === undefined) throw new Error(`snippet file ${name} was not compiled`);
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    for (const d of diagnostics) {
      const where = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line;
      const file = entry.snippet?.file ?? 'PRELUDE';
      const line = (entry.snippet?.line ?? 1) + where;
      const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
      problems.set(file, [...(problems.get(file) ?? []), `${file}:${line}: TS${d.code} ${message}`]);
    }
  }
  return problems;
}

describe('code snippets in the README and the guides', () => {
  const files = markdownFiles();
  const snippets = files.flatMap((file) =>
    extractSnippets(file, readFileSync(path.join(repoRoot, file), 'utf8')),
  );
  let problems: Map<string, string[]> | undefined;
  const problemsOf = (file: string): string[] => (problems ??= checkSnippets(snippets)).get(file) ?? [];

  it('finds the snippets (the extraction itself works)', () => {
    expect(snippets.length).toBeGreaterThan(20);
    expect(
      extractSnippets(
        'x.md',
        'a\n```ts\nconst x = 1;\n```\n- item\n\n  ```typescript\n  let y = 2;\n  ```\n```sh\nls\n```\n',
      ),
    ).toEqual([
      { file: 'x.md', line: 3, code: 'const x = 1;' },
      { file: 'x.md', line: 8, code: 'let y = 2;' },
    ]);
  });

  it('reports a snippet that does not compile, with its file and line', () => {
    const bad = checkSnippets(
      extractSnippets(
        'bad.md',
        '# t\n\n```ts\nimport { batchEvents } from "rx-audit";\nbatchEvents({ maxBatchSize: "3" });\n```\n',
      ),
    );
    expect(bad.get('bad.md')).toEqual([expect.stringMatching(/^bad\.md:5: TS2322 /)]);
    expect(bad.get('PRELUDE')).toBeUndefined();
  }, 60_000);

  it.each(files)(
    '%s: every ```ts snippet type-checks',
    (file) => {
      expect(problemsOf(file)).toEqual([]);
    },
    60_000,
  );
});
