import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Event } from '../../src/events/Event.js';
import { decodeEvent } from '../../src/events/decodeEvent.js';
import { decodeEventList } from '../../src/events/decodeEventList.js';
import { isAuditDecodeError } from '../../src/events/AuditDecodeError.js';
import {
  corpusDir,
  corpusEvents,
  corpusSample,
  isInvalidSample,
  loadCorpusEvents,
  parseCorpusText,
} from '../helpers/corpus.js';

const ENVELOPE = new Set(['kind', 'apiVersion', 'timestamp', 'metadata']);

// The real apiserver audit logs in spec/fixtures/corpus: every event must decode, the invalid sample must not.
describe('the corpus', () => {
  const corpus = loadCorpusEvents();

  it('holds the files and event counts its README lists', () => {
    expect(Object.fromEntries(corpus.map(({ file, raw }) => [file, raw.length]))).toEqual({
      'falcosecurity__falco__fal_01_003.json': 1,
      'kubernetes__website__audit.md.v1alpha1-eventlist.json': 1,
      'kubernetes__website__audit.md.v1alpha1-events.jsonl': 2,
      'liggitt__audit2rbac__demo@501d132.log': 757,
      'openshift__cluster-logging-operator__audit_in.log': 100,
      'openshift__cluster-logging-operator__raw_audit_openshift.json': 1,
    });
  });

  for (const { file, raw } of corpus.filter(({ file }) => !isInvalidSample(file))) {
    it(`decodes every event of ${file} to a valid v1 event`, () => {
      const events = raw.map((event) => decodeEvent(event));
      expect(events).toHaveLength(raw.length);
      // One assertion per property over all events keeps 757 events fast.
      expect(events.filter((event) => !Event.is(event))).toEqual([]);
      expect(events.map((event) => event.auditID)).toEqual(
        raw.map((event) => (event as { auditID: string }).auditID),
      );
      expect(events.flatMap((event) => Object.keys(event).filter((key) => ENVELOPE.has(key)))).toEqual([]);
    });
  }

  it('rejects the invalid falco sample with a message naming the fields', () => {
    const { raw } = corpus.find(({ file }) => isInvalidSample(file))!;
    expect(raw).toEqual([{ kind: 0 }]);
    let caught: unknown;
    try {
      decodeEvent(raw[0]);
    } catch (err) {
      caught = err;
    }
    expect(isAuditDecodeError(caught)).toBe(true);
    const message = (caught as Error).message;
    for (const field of ['kind', 'level', 'auditID', 'stage', 'requestURI', 'verb']) {
      expect(message).toMatch(new RegExp(`(^|; |: )${field}: expected`));
    }
    expect(message).toContain('kind: expected "Event", got 0');
    expect(() => decodeEventList(raw[0])).toThrow('kind: expected "EventList", got 0');
  });

  it('decodes the v1alpha1 EventList file as a list, its item taking the list version', () => {
    const file = 'kubernetes__website__audit.md.v1alpha1-eventlist.json';
    const list = JSON.parse(readFileSync(path.join(corpusDir, file), 'utf8')) as { items: object[] };
    expect(list.items[0]).not.toHaveProperty('apiVersion');
    const events = decodeEventList(list);
    expect(events).toHaveLength(1);
    expect(events[0]?.objectRef).toEqual({
      resource: 'rolebindings',
      namespace: 'kube-public',
      name: 'system:controller:bootstrap-signer',
      apiGroup: 'rbac.authorization.k8s.io',
      apiVersion: 'v1beta1',
    });
    expect(events[0]?.requestReceivedTimestamp).toBe('2017-06-15T23:07:40.000000Z');
    // metadata.creationTimestamp is null there: nothing to fold into stageTimestamp.
    expect(events[0]).not.toHaveProperty('stageTimestamp');
  });

  it('converts the v1beta1 timestamps the way the apiserver does', () => {
    const liggitt = decodeEvent(corpus.find(({ file }) => file.startsWith('liggitt'))!.raw[0]);
    expect(liggitt.requestReceivedTimestamp).toBe('2017-09-11T19:55:05.000000Z');
    expect(liggitt.stageTimestamp).toBe('2017-09-11T19:55:05.000000Z');
    expect(liggitt.impersonatedUser).toEqual({ username: 'bob', groups: ['system:authenticated'] });
  });
});

describe('parseCorpusText', () => {
  it('strips a UTF-8 BOM from JSON lines and from a pretty-printed object', () => {
    const line = '{"level":"Metadata","auditID":"a","stage":"Panic","requestURI":"/","verb":"get"}';
    expect(parseCorpusText(`\uFEFF${line}\n${line}\n`)).toHaveLength(2);
    expect(parseCorpusText(`\uFEFF{\n  "kind": "Event"\n}\n`)).toEqual([{ kind: 'Event' }]);
  });

  it('reads CRLF lines and skips blank ones', () => {
    expect(parseCorpusText('{"a":1}\r\n\r\n{"a":2}\r\n')).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('returns the items of an EventList with the list apiVersion on items that have none', () => {
    const list = {
      kind: 'EventList',
      apiVersion: 'audit.k8s.io/v1beta1',
      items: [{ a: 1 }, { a: 2, apiVersion: 'x' }],
    };
    expect(parseCorpusText(JSON.stringify(list, null, 2))).toEqual([
      { a: 1, apiVersion: 'audit.k8s.io/v1beta1' },
      { a: 2, apiVersion: 'x' },
    ]);
  });
});

describe('corpusSample', () => {
  it('cycles the corpus with fresh, unique audit IDs', () => {
    const all = corpusEvents();
    const sample = corpusSample(all.length + 5);
    expect(sample).toHaveLength(all.length + 5);
    expect(new Set(sample.map((e) => e.auditID)).size).toBe(sample.length);
    expect(sample[all.length]).toEqual({ ...all[0], auditID: sample[all.length]!.auditID });
    expect(sample[0]!.auditID).not.toBe(all[0]!.auditID);
  });

  it('deep-copies by default, so mutating a sample leaves later samples alone', () => {
    const [a] = corpusSample(1);
    a!.user!.username = 'mutated';
    expect(corpusSample(1)[0]!.user!.username).not.toBe('mutated');
    expect(corpusSample(3, { deepCopy: false }).every((e, i) => e.user === corpusEvents()[i]!.user)).toBe(
      true,
    );
  });
});
