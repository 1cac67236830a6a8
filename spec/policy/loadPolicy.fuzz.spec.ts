// Hostile audit policy files (issue 13): arbitrary bytes, YAML token soup and arbitrary JSON documents, also
// through decodePolicy directly. Never a crash: a policy or a PolicyError with a bounded message.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePolicy } from '../../src/policy/decodePolicy.js';
import { loadPolicy } from '../../src/policy/loadPolicy.js';
import { isPolicyError } from '../../src/policy/PolicyError.js';

const dir = mkdtempSync(join(tmpdir(), 'rx-audit-policy-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function judge(run: () => unknown): 'ok' | 'error' {
  try {
    run();
    return 'ok';
  } catch (err) {
    expect(isPolicyError(err), String(err)).toBe(true);
    expect((err as Error).message.length).toBeLessThan(8 * 1024);
    return 'error';
  }
}

function judgeFile(content: string | Uint8Array): 'ok' | 'error' {
  const file = join(dir, `p${++n}.yaml`);
  writeFileSync(file, content);
  try {
    return judge(() => loadPolicy(file));
  } finally {
    rmSync(file, { force: true });
  }
}

const TOKENS = [
  'apiVersion: audit.k8s.io/v1\n',
  'kind: Policy\n',
  'rules:\n',
  '- level: Metadata\n',
  '- level: None\n',
  '  users: ["a"]\n',
  '  verbs: [get, list]\n',
  '  resources:\n',
  '  - group: ""\n',
  '    resources: ["pods"]\n',
  '  nonResourceURLs: ["/healthz*"]\n',
  '  omitStages: [RequestReceived]\n',
  '&a ',
  '*a',
  '*missing',
  '<<: *a\n',
  '!secret ',
  '!!binary ',
  '? ',
  ': ',
  '- ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '"',
  '\n',
  '  ',
  '---\n',
  'null',
  '~',
];

describe('loadPolicy and decodePolicy under fuzzing', () => {
  it('arbitrary bytes: a policy or a bounded PolicyError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        judgeFile(bytes);
      }),
      { numRuns: 200 },
    );
  });

  it('YAML token soup with anchors, aliases and tags', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }), (tokens) => {
        judgeFile(tokens.join(''));
      }),
      { numRuns: 400 },
    );
  });

  it('arbitrary JSON, and policy shapes with arbitrary rule values, as files and to decodePolicy', () => {
    const shaped = fc.record({
      rules: fc.array(
        fc.dictionary(
          fc.constantFrom(
            'level',
            'users',
            'verbs',
            'resources',
            'namespaces',
            'nonResourceURLs',
            'omitStages',
          ),
          fc.jsonValue({ maxDepth: 3 }),
        ),
        { maxLength: 5 },
      ),
      omitStages: fc.jsonValue({ maxDepth: 1 }),
    });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), shaped), (doc) => {
        judge(() => decodePolicy(doc));
        judgeFile(stringify(doc));
      }),
      { numRuns: 200 },
    );
  });

  describe('regressions', () => {
    it('a document that is a scalar, null, a list, or only a comment', () => {
      for (const text of ['5\n', '~\n', '- level: None\n', '# nothing\n', '"rules"\n']) {
        expect(judgeFile(text), text).toBe('error');
      }
    });

    it('rules given as a mapping, and a rule level that is an alias to a list', () => {
      expect(judgeFile('rules: {level: None}\n')).toBe('error');
      expect(judgeFile('x: &l [None]\nrules:\n- level: *l\n')).toBe('error');
    });
  });
});
