import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/events/Event.js';
import { GROUP_VERSIONS } from '../../src/events/GroupVersion.js';
import type { GroupVersion } from '../../src/events/GroupVersion.js';
import { decodeEventList } from '../../src/events/decodeEventList.js';
import { encodeEventList } from '../../src/events/encodeEventList.js';
import { corpusEvents } from '../helpers/corpus.js';
import { arbitraryEvent } from './arbitraryEvent.js';

const event: AuditEvent = {
  level: 'RequestResponse',
  auditID: 'b6560098-0bbb-4593-ad6a-9c0022e9dc87',
  stage: 'ResponseComplete',
  requestURI: '/apis/apps/v1/namespaces/default/deployments/web',
  verb: 'get',
  user: { username: 'system:apiserver', groups: ['system:masters'] },
  objectRef: {
    resource: 'deployments',
    namespace: 'default',
    name: 'web',
    apiGroup: 'apps',
    apiVersion: 'v1',
  },
  responseStatus: { metadata: {}, code: 200 },
  requestReceivedTimestamp: '2024-07-02T17:02:26.406288Z',
  stageTimestamp: '2024-07-02T17:02:27.000001Z',
};

/** Through JSON and back, as a webhook receiver sees it. */
const overTheWire = (events: readonly AuditEvent[], gv: GroupVersion): AuditEvent[] =>
  decodeEventList(JSON.parse(JSON.stringify(encodeEventList(events, gv))));

describe('encodeEventList', () => {
  it('writes a v1 EventList by default, items as they are with no kind/apiVersion', () => {
    const withEnvelope = { kind: 'Event', apiVersion: 'audit.k8s.io/v1', ...event };
    expect(encodeEventList([event, withEnvelope])).toEqual({
      kind: 'EventList',
      apiVersion: 'audit.k8s.io/v1',
      metadata: {},
      items: [event, event],
    });
    expect(encodeEventList([event]).items[0]).toBe(event); // v1 items are not copied
  });

  it('writes v1beta1 items with metadata.creationTimestamp and timestamp as metav1.Time (seconds)', () => {
    expect(encodeEventList([event], 'audit.k8s.io/v1beta1')).toEqual({
      kind: 'EventList',
      apiVersion: 'audit.k8s.io/v1beta1',
      metadata: {},
      items: [
        {
          ...event,
          metadata: { creationTimestamp: '2024-07-02T17:02:27Z' },
          timestamp: '2024-07-02T17:02:26Z',
        },
      ],
    });
  });

  it('writes v1alpha1 objectRef.apiVersion as group/version, the core group without a group', () => {
    const core: AuditEvent = { ...event, objectRef: { resource: 'pods', apiVersion: 'v1' } };
    const explicitCore: AuditEvent = {
      ...event,
      objectRef: { resource: 'pods', apiGroup: '', apiVersion: 'v1' },
    };
    const { items } = encodeEventList([event, core, explicitCore], 'audit.k8s.io/v1alpha1');
    expect(items.map((item) => item['objectRef'])).toEqual([
      { resource: 'deployments', namespace: 'default', name: 'web', apiVersion: 'apps/v1' },
      { resource: 'pods', apiVersion: 'v1' },
      { resource: 'pods', apiVersion: '/v1' },
    ]);
    expect(items[0]).toMatchObject({
      timestamp: '2024-07-02T17:02:26Z',
      metadata: { creationTimestamp: '2024-07-02T17:02:27Z' },
    });
    expect(event.objectRef).toEqual({
      resource: 'deployments',
      namespace: 'default',
      name: 'web',
      apiGroup: 'apps',
      apiVersion: 'v1',
    });
  });

  it('writes null legacy timestamps for events without timestamps, as the apiserver does', () => {
    const { requestReceivedTimestamp: _r, stageTimestamp: _s, ...untimed } = event;
    expect(encodeEventList([untimed], 'audit.k8s.io/v1beta1').items[0]).toMatchObject({
      metadata: { creationTimestamp: null },
      timestamp: null,
    });
  });

  it('throws for a group version it does not know', () => {
    expect(() => encodeEventList([event], 'audit.k8s.io/v2' as GroupVersion)).toThrow(
      'groupVersion must be one of audit.k8s.io/v1|audit.k8s.io/v1beta1|audit.k8s.io/v1alpha1, got "audit.k8s.io/v2"',
    );
  });

  describe('round trip: decodeEventList(encodeEventList(events, gv)) equals events', () => {
    for (const gv of GROUP_VERSIONS) {
      it(`over the whole corpus in ${gv}`, () => {
        const events = corpusEvents();
        expect(decodeEventList(encodeEventList(events, gv))).toEqual(events);
        expect(overTheWire(events, gv)).toEqual(events);
      });

      it(`for generated events in ${gv} (fast-check)`, () => {
        fc.assert(
          fc.property(fc.array(arbitraryEvent, { maxLength: 5 }), (events) => {
            expect(decodeEventList(encodeEventList(events, gv))).toEqual(events);
            expect(overTheWire(events, gv)).toEqual(events);
          }),
          { numRuns: 150 },
        );
      });
    }
  });
});
