import { describe, expect, it } from 'vitest';
import type { AuditDecodeError } from '../../src/events/AuditDecodeError.js';
import { isAuditDecodeError } from '../../src/events/AuditDecodeError.js';
import { decodeEventList } from '../../src/events/decodeEventList.js';
import { encodeEventList } from '../../src/events/encodeEventList.js';

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
    return (err as AuditDecodeError).errors;
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
    expect(errorsOf(null)).toEqual(['(root): expected object, got null']);
    expect(errorsOf(3)).toEqual(['(root): expected object, got 3']);
    expect(errorsOf([item('a')])).toEqual(['(root): expected object, got array']);
    expect(() => decodeEventList('')).toThrow('invalid audit EventList: (root): expected object, got ""');
  });

  it('requires an items array', () => {
    expect(errorsOf({ kind: 'EventList' })).toEqual(['items: expected array, got undefined']);
    expect(errorsOf({ items: null })).toEqual(['items: expected array, got null']);
    expect(errorsOf({ items: { 0: item('a') } })).toEqual(['items: expected array, got object']);
  });

  it('checks the list envelope: kind, apiVersion, metadata', () => {
    expect(errorsOf({ kind: 'Event', apiVersion: 'v1', metadata: 'x', items: [] })).toEqual([
      'kind: expected "EventList", got "Event"',
      'apiVersion: expected one of audit.k8s.io/v1|audit.k8s.io/v1beta1|audit.k8s.io/v1alpha1, got "v1"',
      'metadata: expected object or null, got "x"',
    ]);
  });

  it('lists every failing path of every item, prefixed with items.N', () => {
    const items = [item('ok'), item('x', { stage: 'Halfway' }), 7, item('y', { level: 1, verb: null }), null];
    expect(errorsOf({ kind: 'EventList', items })).toEqual([
      'items.1.stage: expected one of RequestReceived|ResponseStarted|ResponseComplete|Panic, got "Halfway"',
      'items.2: expected object, got 7',
      'items.3.level: expected one of None|Metadata|Request|RequestResponse, got 1',
      'items.3.verb: expected string, got null',
      'items.4: expected object, got null',
    ]);
    expect(() => decodeEventList({ items })).toThrow(
      /^invalid audit EventList: items\.1\.stage: .*; items\.2: .*; items\.3\.level: .*; items\.3\.verb: .*; items\.4: expected object, got null$/,
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
      'items.0.timestamp: expected RFC 3339 timestamp or null, got "now" (not a YYYY-MM-DD date)',
    ]);
  });
});
