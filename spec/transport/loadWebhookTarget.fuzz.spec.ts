// Hostile kubeconfig files (issue 13): arbitrary bytes, YAML token soup (anchors, aliases, tags, merge keys,
// flow and block collections) and arbitrary JSON documents. Never a crash: a target or a KubeconfigError with a
// bounded message that holds no secret planted in the file. Failures found are kept as named regressions.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { isKubeconfigError } from '../../src/transport/KubeconfigError.js';
import { loadWebhookTarget } from '../../src/transport/loadWebhookTarget.js';

const dir = mkdtempSync(join(tmpdir(), 'rx-audit-kubeconfig-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = 'S3CRET-fuzz-91x';
let n = 0;

/** Loads `content` as a kubeconfig file; checks any failure is a bounded KubeconfigError without the secret. */
function judge(content: string | Uint8Array): 'ok' | 'error' {
  const file = join(dir, `k${++n}.yaml`);
  writeFileSync(file, content);
  try {
    loadWebhookTarget(file);
    return 'ok';
  } catch (err) {
    expect(isKubeconfigError(err), String(err)).toBe(true);
    const message = (err as Error).message;
    expect(message.length).toBeLessThan(8 * 1024);
    expect(message).not.toContain(SECRET);
    return 'error';
  } finally {
    rmSync(file, { force: true });
  }
}

const TOKENS = [
  'apiVersion: v1\n',
  'clusters:\n',
  'users:\n',
  '- name: a\n',
  '  cluster:\n',
  '    server: https://x/\n',
  '  user:\n',
  `    password: ${SECRET}\n`,
  `    token: !secret ${SECRET}\n`,
  `password: *${SECRET}\n`,
  `&${SECRET} `,
  `*${SECRET}`,
  '&a ',
  '*a',
  '<<: *a\n',
  '!!binary ',
  '!!set ',
  '!tag ',
  '? ',
  ': ',
  '- ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '"',
  "'",
  '#',
  '\t',
  '  ',
  '\n',
  '---\n',
  '...\n',
  '%YAML 1.1\n',
  'current-context: w\n',
  SECRET,
];

describe('loadWebhookTarget under fuzzing', () => {
  it('arbitrary bytes: a target or a bounded KubeconfigError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        judge(bytes);
      }),
      { numRuns: 200 },
    );
  });

  it('YAML token soup with anchors, aliases and tags around a planted secret', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }), (tokens) => {
        judge(tokens.join(''));
      }),
      { numRuns: 400 },
    );
  });

  it('arbitrary JSON documents, and kubeconfig shapes with arbitrary values', () => {
    const shaped = fc.record({
      clusters: fc.array(fc.record({ name: fc.string(), cluster: fc.jsonValue({ maxDepth: 2 }) }), {
        maxLength: 3,
      }),
      users: fc.array(fc.record({ name: fc.string(), user: fc.jsonValue({ maxDepth: 2 }) }), {
        maxLength: 3,
      }),
      'current-context': fc.jsonValue({ maxDepth: 1 }),
    });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), shaped), (doc) => {
        judge(JSON.stringify(doc) ?? 'null');
        judge(stringify(doc));
      }),
      { numRuns: 200 },
    );
  });

  describe('regressions', () => {
    it('a secret glued to a key (fuzzing found it named in the path): unknown keys show as <key>', () => {
      const file = join(dir, 'glued.yaml');
      writeFileSync(file, `${SECRET}password: *${SECRET}\n`);
      expect(() => loadWebhookTarget(file)).toThrow(
        `invalid kubeconfig ${file}: <key>: alias to an undefined anchor`,
      );
    });

    it('an alias whose anchor name is the secret, a tag, a merge key, two documents', () => {
      expect(judge(`users:\n- name: u\n  user:\n    password: *${SECRET}\n`)).toBe('error');
      expect(judge(`&${SECRET} x: *${SECRET}\n`)).toBe('error');
      expect(judge(`a: &a {server: 1}\nclusters: [{name: c, cluster: {<<: *a}}]\n`)).toBe('error');
      expect(judge(`clusters: []\n---\n${SECRET}: 1\n`)).toBe('error');
    });

    it('a BOM, NUL bytes and invalid UTF-8', () => {
      expect(judge('\ufeffclusters: []\n')).toBe('error');
      expect(judge(Buffer.from([0x63, 0x3a, 0x00, 0xff, 0xfe, 0x0a]))).toBe('error');
    });
  });
});
