import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLE_LOG } from '../../../src/cli/sample/sampleLog.js';
import { decodeEvent } from '../../../src/events/decodeEvent.js';
import { corpusDir } from '../builtCli.js';

const corpusLines = [
  'liggitt__audit2rbac__demo@501d132.log',
  'openshift__cluster-logging-operator__audit_in.log',
]
  .flatMap((file) => readFileSync(path.join(corpusDir, file), 'utf8').split('\n'))
  .filter((line) => line.trim() !== '');

const withoutId = (line: string): string => line.replace(/"auditID":"[^"]*"/, '"auditID":""');
const idOf = (line: string): string => (JSON.parse(line) as { auditID: string }).auditID;

describe('the bundled demo sample', () => {
  it('holds 300 real corpus events, byte for byte apart from the auditID, in corpus order', () => {
    expect(SAMPLE_LOG).toHaveLength(300);
    const corpus = corpusLines.map(withoutId);
    let from = 0;
    for (const line of SAMPLE_LOG) {
      const at = corpus.indexOf(withoutId(line), from);
      expect(at, `sample line not found in the corpus: ${line.slice(0, 120)}`).toBeGreaterThanOrEqual(0);
      from = at + 1;
    }
  });

  it('has fresh auditIDs, shared by the stages of one request as in the original', () => {
    const corpusIds = new Set(corpusLines.map(idOf));
    const original = new Map(corpusLines.map((line) => [withoutId(line), idOf(line)]));
    const freshFor = new Map<string, string>();
    for (const line of SAMPLE_LOG) {
      const fresh = idOf(line);
      expect(corpusIds.has(fresh)).toBe(false);
      const old = original.get(withoutId(line)) as string;
      expect(freshFor.get(old) ?? fresh).toBe(fresh);
      freshFor.set(old, fresh);
    }
    expect(new Set(freshFor.values()).size).toBe(freshFor.size);
  });

  it('decodes (v1beta1 and v1) with unique (auditID, stage) keys', () => {
    const events = SAMPLE_LOG.map((line) => decodeEvent(JSON.parse(line)));
    expect(new Set(events.map((e) => `${e.auditID}/${e.stage}`)).size).toBe(300);
    expect(
      new Set(SAMPLE_LOG.map((line) => (JSON.parse(line) as { apiVersion: string }).apiVersion)),
    ).toEqual(new Set(['audit.k8s.io/v1beta1', 'audit.k8s.io/v1']));
  });
});
