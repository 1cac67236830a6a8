// Hostile input at the decoders (issue 13): arbitrary JSON, arbitrary bytes and valid events with fields swapped
// for arbitrary values. Never a crash: a decoded event, or an AuditDecodeError whose message is bounded and
// holds no control character. Failures found are kept below as named regression cases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAuditDecodeError } from '../../src/events/AuditDecodeError.js';
import { decodeEvent } from '../../src/events/decodeEvent.js';
import { decodeEventList } from '../../src/events/decodeEventList.js';
import { MAX_REPORTED_PROBLEMS } from '../../src/events/ProblemList.js';
import { arbitraryEvent } from './arbitraryEvent.js';

/** Bounded: at most MAX_REPORTED_PROBLEMS lines of at most MAX_PROBLEM_LENGTH characters, plus the frame. */
const MAX_MESSAGE = 8 * 1024;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Decodes `input`; returns 'ok' or checks the error is a bounded AuditDecodeError and returns 'error'. */
function judge(decode: (input: unknown) => unknown, input: unknown): 'ok' | 'error' {
  try {
    decode(input);
    return 'ok';
  } catch (err) {
    expect(isAuditDecodeError(err), String(err)).toBe(true);
    const error = err as Error & { problems: readonly string[] };
    expect(error.message.length).toBeLessThan(MAX_MESSAGE);
    expect(error.message).not.toMatch(CONTROL);
    expect(error.problems.length).toBeGreaterThan(0);
    expect(error.problems.length).toBeLessThanOrEqual(MAX_REPORTED_PROBLEMS);
    return 'error';
  }
}

const FIELDS = [
  'level',
  'auditID',
  'stage',
  'requestURI',
  'verb',
  'user',
  'impersonatedUser',
  'sourceIPs',
  'objectRef',
  'responseStatus',
  'requestReceivedTimestamp',
  'stageTimestamp',
  'annotations',
  'kind',
  'apiVersion',
  'timestamp',
  'metadata',
  '__proto__',
  'constructor',
] as const;

/** A valid event with some fields replaced by arbitrary JSON (of any shape, control characters included). */
const mutatedEvent = fc
  .tuple(
    arbitraryEvent,
    fc.array(fc.tuple(fc.constantFrom(...FIELDS), fc.jsonValue({ maxDepth: 3 })), { maxLength: 4 }),
    fc.constantFrom(undefined, 'audit.k8s.io/v1', 'audit.k8s.io/v1beta1', 'audit.k8s.io/v1alpha1'),
  )
  .map(([event, swaps, apiVersion]) => {
    const out: Record<string, unknown> = JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
    if (apiVersion !== undefined) out['apiVersion'] = apiVersion;
    for (const [key, value] of swaps)
      Object.defineProperty(out, key, { value, enumerable: true, configurable: true, writable: true });
    return out;
  });

describe('decoders under fuzzing', () => {
  it('arbitrary JSON at decodeEvent and decodeEventList: an event or a bounded AuditDecodeError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        judge(decodeEvent, value);
        judge(decodeEventList, value);
        judge(decodeEventList, { items: [value] });
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes, parsed as JSON when they are: never anything but AuditDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        let value: unknown;
        try {
          value = JSON.parse(Buffer.from(bytes).toString('utf8'));
        } catch {
          value = Buffer.from(bytes).toString('latin1');
        }
        judge(decodeEvent, value);
        judge(decodeEventList, value);
      }),
      { numRuns: 300 },
    );
  });

  it('valid events with fields swapped for arbitrary values, alone and in lists of any length', () => {
    fc.assert(
      fc.property(fc.array(mutatedEvent, { maxLength: 30 }), (items) => {
        for (const item of items) judge(decodeEvent, item);
        judge(decodeEventList, { kind: 'EventList', items });
      }),
      { numRuns: 200 },
    );
  });

  it('valid events still decode (the fuzzing does not only see errors)', () => {
    fc.assert(
      fc.property(arbitraryEvent, (event) => {
        expect(judge(decodeEvent, JSON.parse(JSON.stringify(event)))).toBe('ok');
      }),
      { numRuns: 100 },
    );
  });

  describe('regressions', () => {
    it('a key or value with control characters and line separators', () => {
      expect(
        judge(decodeEvent, { level: 'Metadata\n', auditID: '\u2028', stage: 1, requestURI: [], verb: {} }),
      ).toBe('error');
      expect(judge(decodeEventList, { items: [{ annotations: { 'a\u0085b': 1 } }] })).toBe('error');
    });

    it('__proto__ as an own key (what JSON.parse makes of it) in the event and in user', () => {
      const input = JSON.parse(
        '{"level":"Metadata","auditID":"a","stage":"Panic","requestURI":"/","verb":"get","__proto__":{"x":1},"user":{"__proto__":5}}',
      ) as unknown;
      expect(judge(decodeEvent, input)).toBe('ok');
    });

    it('a huge number of bad items, and items that are all errors of every kind', () => {
      expect(judge(decodeEventList, { items: new Array(100_000).fill([]) })).toBe('error');
      expect(
        judge(decodeEventList, { kind: 1, apiVersion: {}, metadata: 'x', items: [null, 1, 'x', [], {}] }),
      ).toBe('error');
    });
  });
});
