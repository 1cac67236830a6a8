import { describe, expect, it } from 'vitest';
import type { AuditDecodeError } from '../../src/events/AuditDecodeError.js';
import { isAuditDecodeError } from '../../src/events/AuditDecodeError.js';
import { decodeEventList } from '../../src/events/decodeEventList.js';
import { encodeEventList } from '../../src/events/encodeEventList.js';
import { MAX_REPORTED_PROBLEMS } from '../../src/events/ProblemList.js';
import { MAX_EVENT_DEPTH } from '../../src/events/tooDeepField.js';

const item = (auditID: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  level: 'Request',
  auditID,
  stage: 'ResponseComplete',
  requestURI: '/apis/apps/v1/namespaces/default/deployments',
  verb: 'create',
  ...extra,
});

function errorsOf(input: unknown): readonly string[] {
  try {
    decodeEventList(input);
  } catch (err) {
    expect(isAuditDecodeError(err)).toBe(true);
    return (err as AuditDecodeError).problems;
  }
  throw new Error('expected decodeEventList to throw');
}

describe('decodeEventList', () => {
  it('decodes the items of a v1 list in order', () => {
    const events = decodeEventList({
      kind: 'EventList',
      apiVersion: 'audit.k8s.io/v1',
      metadata: {},
      items: [item('a'), item('b'), item('c')],
    });
    expect(events.map((e) => e.auditID)).toEqual(['a', 'b', 'c']);
    expect(events[0]).toEqual(item('a'));
  });

  it('drops the nulls Go ignores (user, userAgent, UserInfo fields) in every version; round trips stay exact', () => {
    for (const apiVersion of ['audit.k8s.io/v1', 'audit.k8s.io/v1beta1', 'audit.k8s.io/v1alpha1'] as const) {
      const events = decodeEventList({
        apiVersion,
        items: [
          item('a', { user: null, userAgent: null }),
          item('b', { user: { username: 'bob', groups: null } }),
        ],
      });
      expect(events).toStrictEqual([
        expect.objectContaining({ auditID: 'a' }),
        expect.objectContaining({ auditID: 'b', user: { username: 'bob' } }),
      ]);
      expect(Object.keys(events[0] ?? {})).not.toContain('user');
      expect(Object.keys(events[0] ?? {})).not.toContain('userAgent');
      expect(decodeEventList(encodeEventList(events, apiVersion))).toStrictEqual(events);
    }
  });

  it('accepts an empty list, and a list without kind/apiVersion/metadata as v1', () => {
    expect(decodeEventList({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1beta1', items: [] })).toEqual([]);
    expect(decodeEventList({ items: [item('a', { timestamp: 'kept as an extra field in v1' })] })).toEqual([
      item('a', { timestamp: 'kept as an extra field in v1' }),
    ]);
  });

  it('reads items without apiVersion as the list version, items with one as their own', () => {
    const [inherited, own] = decodeEventList({
      kind: 'EventList',
      apiVersion: 'audit.k8s.io/v1alpha1',
      items: [
        item('a', { timestamp: '2017-06-15T23:07:40Z', objectRef: { apiVersion: 'apps/v1' } }),
        item('b', { apiVersion: 'audit.k8s.io/v1', objectRef: { apiVersion: 'apps/v1' } }),
      ],
    });
    expect(inherited).toEqual(
      item('a', {
        requestReceivedTimestamp: '2017-06-15T23:07:40.000000Z',
        objectRef: { apiGroup: 'apps', apiVersion: 'v1' },
      }),
    );
    expect(own).toEqual(item('b', { objectRef: { apiVersion: 'apps/v1' } }));
  });

  it('rejects non-objects, arrays and null with a message, never a TypeError', () => {
    expect(errorsOf(null)).toEqual(['(root): expected an object, got null']);
    expect(errorsOf(3)).toEqual(['(root): expected an object, got 3']);
    expect(errorsOf([item('a')])).toEqual(['(root): expected an object, got an array']);
    expect(() => decodeEventList('')).toThrow('invalid audit EventList: (root): expected an object, got ""');
  });

  it('reads null or missing items as an empty list, as Go does (it writes an empty list as null), and refuses others', () => {
    expect(
      decodeEventList({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: null }),
    ).toEqual([]);
    expect(decodeEventList({ kind: 'EventList' })).toEqual([]);
    expect(errorsOf({ items: { 0: item('a') } })).toEqual(['items: expected an array, got an object']);
  });

  it('checks the list envelope: kind, apiVersion, metadata', () => {
    expect(errorsOf({ kind: 'Event', apiVersion: 'v1', metadata: 'x', items: [] })).toEqual([
      'kind: expected "EventList", got "Event"',
      'apiVersion: expected one of audit.k8s.io/v1|audit.k8s.io/v1beta1|audit.k8s.io/v1alpha1, got "v1"',
      'metadata: expected an object or null, got "x"',
    ]);
  });

  it('lists every failing path of every item, prefixed with items.N', () => {
    const items = [item('ok'), item('x', { stage: 'Halfway' }), 7, item('y', { level: 1, verb: null }), null];
    expect(errorsOf({ kind: 'EventList', items })).toEqual([
      'items.1.stage: expected one of RequestReceived|ResponseStarted|ResponseComplete|Panic, got "Halfway"',
      'items.2: expected an object, got 7',
      'items.3.level: expected one of None|Metadata|Request|RequestResponse, got 1',
      'items.3.verb: expected a string, got null',
      'items.4: expected an object, got null',
    ]);
    expect(() => decodeEventList({ items })).toThrow(
      /^invalid audit EventList: items\.1\.stage: .*; items\.2: .*; items\.3\.level: .*; items\.3\.verb: .*; items\.4: expected an object, got null$/,
    );
  });

  it('checks the item envelope and the legacy fields of the version in force', () => {
    expect(
      errorsOf({
        apiVersion: 'audit.k8s.io/v1beta1',
        items: [item('a', { kind: 'Pod', apiVersion: 'audit.k8s.io/v3', timestamp: 'now' })],
      }),
    ).toEqual([
      'items.0.kind: expected "Event", got "Pod"',
      'items.0.apiVersion: expected one of audit.k8s.io/v1|audit.k8s.io/v1beta1|audit.k8s.io/v1alpha1, got "audit.k8s.io/v3"',
      'items.0.timestamp: expected an RFC 3339 timestamp or null, got "now" (not a YYYY-MM-DD date)',
    ]);
  });

  describe('hostile input', () => {
    const failure = (input: unknown): AuditDecodeError => {
      try {
        decodeEventList(input);
      } catch (err) {
        if (isAuditDecodeError(err)) return err;
        throw err;
      }
      throw new Error('expected decodeEventList to throw');
    };

    it('a 10 MB list of empty items gives a message of a few KB, counting the rest', () => {
      const n = 3_400_000;
      const body = `{"items":[${new Array<string>(n).fill('{}').join(',')}]}`;
      expect(body.length).toBeGreaterThan(10_000_000);
      const error = failure(JSON.parse(body));
      expect(error.message.length).toBeLessThan(8 * 1024);
      expect(error.problems).toHaveLength(MAX_REPORTED_PROBLEMS);
      expect(error.problems[0]).toBe(
        'items.0.level: expected one of None|Metadata|Request|RequestResponse, got nothing',
      );
      // Five required fields missing in each item: every one is counted, even past the kept lines.
      expect(error.problems.length + error.omitted).toBe(5 * n);
      expect(error.message.endsWith(`; …and ${5 * n - MAX_REPORTED_PROBLEMS} more`)).toBe(true);
    }, 60_000);

    it('past the kept lines, counts one problem per offending top-level field of each item', () => {
      const bad = item('x', { stage: 'Halfway', user: { groups: [1, 2] }, sourceIPs: 'nope' });
      const items = [...new Array<unknown>(MAX_REPORTED_PROBLEMS).fill(7), bad, { verb: 1 }];
      const error = failure({ items });
      // 20 non-objects kept; then 3 fields of `bad`, and 5 (4 missing + verb) of the last item.
      expect(error.omitted).toBe(3 + 5);
    });

    it('escapes control characters and cuts long keys and values from the input', () => {
      const key = `evil\n${'k'.repeat(10_000)}`;
      const error = failure({
        items: [item('x\nforged', { annotations: { [key]: 1 }, verb: 'v'.repeat(1e6) })],
      });
      // eslint-disable-next-line no-control-regex
      expect(error.message).not.toMatch(/[\u0000-\u001f]/);
      expect(error.message.length).toBeLessThan(1000);
      expect(error.problems[0]).toMatch(
        /^items\.0\.annotations\.evil\\u000akkk+…: expected a string, got 1$/,
      );
    });

    it('names the path of a timestamp Go would refuse, with the reason', () => {
      const items = [item('a'), item('b'), item('c'), item('d', { stageTimestamp: '2024-13-45T25:61:61Z' })];
      expect(errorsOf({ items })).toEqual([
        'items.3.stageTimestamp: expected an RFC 3339 timestamp or null, got "2024-13-45T25:61:61Z" (month out of range)',
      ]);
      expect(errorsOf({ items: [item('a', { requestReceivedTimestamp: '2023-02-29T10:00:00Z' })] })).toEqual([
        'items.0.requestReceivedTimestamp: expected an RFC 3339 timestamp or null, got "2023-02-29T10:00:00Z" (day out of range)',
      ]);
    });

    it('refuses an event nested ~5000 levels deep with a bounded error naming the item and field', () => {
      let deep: unknown = 1;
      for (let i = 0; i < 5000; i++) deep = { a: deep };
      const body = JSON.stringify({ items: [item('ok'), item('deep', { responseObject: JSON.parse('1') })] });
      const input = JSON.parse(body) as { items: Record<string, unknown>[] };
      (input.items[1] as Record<string, unknown>)['responseObject'] = deep;
      const error = failure(input);
      expect(error.problems).toEqual([
        `items.1.responseObject: nested more than ${MAX_EVENT_DEPTH} levels deep`,
      ]);
    });

    it('accepts an event nested exactly MAX_EVENT_DEPTH levels, which JSON.stringify can still write', () => {
      // The event is level 1, so its requestObject may hold MAX_EVENT_DEPTH - 1 levels of objects.
      let deep: unknown = 'leaf';
      for (let i = 0; i < MAX_EVENT_DEPTH - 1; i++) deep = [deep];
      const [event] = decodeEventList({ items: [item('a', { requestObject: deep })] });
      expect(JSON.parse(JSON.stringify(event)).requestObject).toEqual(deep);
      expect(() => decodeEventList({ items: [item('a', { requestObject: [deep] })] })).toThrow(
        /items\.0\.requestObject: nested more than 1000 levels deep/,
      );
    });

    it('reports a cyclic event built in code as too deep instead of looping', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic['self'] = cyclic;
      expect(errorsOf({ items: [item('a', { requestObject: cyclic })] })).toEqual([
        `items.0.requestObject: nested more than ${MAX_EVENT_DEPTH} levels deep`,
      ]);
    });
  });
});
