import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/events/Event.js';
import { GROUP_VERSIONS } from '../../src/events/GroupVersion.js';
import type { GroupVersion } from '../../src/events/GroupVersion.js';
import { decodeEvent } from '../../src/events/decodeEvent.js';
import { encodeEvent } from '../../src/events/encodeEvent.js';
import { corpusEvents } from '../helpers/corpus.js';
import { arbitraryEvent } from './arbitraryEvent.js';

const event: AuditEvent = {
  level: 'Metadata',
  auditID: 'e1ef9db4-29ae-49a0-ac52-09acf126ac6f',
  stage: 'ResponseComplete',
  requestURI: '/apis/batch/v1/jobs',
  verb: 'list',
  objectRef: { resource: 'jobs', apiGroup: 'batch', apiVersion: 'v1' },
  requestReceivedTimestamp: '2024-07-02T17:02:26.406288Z',
  stageTimestamp: '2024-07-02T17:02:26.406826Z',
  annotations: { 'authorization.k8s.io/decision': 'allow' },
};

describe('encodeEvent', () => {
  it('writes one event with kind and apiVersion first, v1 by default', () => {
    const wire = encodeEvent(event);
    expect(wire).toEqual({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', ...event });
    expect(Object.keys(wire).slice(0, 2)).toEqual(['kind', 'apiVersion']);
  });

  it('writes the legacy shapes for v1beta1 and v1alpha1', () => {
    expect(encodeEvent(event, 'audit.k8s.io/v1beta1')).toEqual({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1beta1',
      metadata: { creationTimestamp: '2024-07-02T17:02:26Z' },
      timestamp: '2024-07-02T17:02:26Z',
      ...event,
    });
    expect(encodeEvent(event, 'audit.k8s.io/v1alpha1')['objectRef']).toEqual({
      resource: 'jobs',
      apiVersion: 'batch/v1',
    });
  });

  it('replaces a kind/apiVersion the event carries and never mutates the event', () => {
    const stale = { ...event, kind: 'Event', apiVersion: 'audit.k8s.io/v1' };
    expect(encodeEvent(stale, 'audit.k8s.io/v1alpha1').apiVersion).toBe('audit.k8s.io/v1alpha1');
    expect(stale.apiVersion).toBe('audit.k8s.io/v1');
    expect(stale.objectRef).toEqual({ resource: 'jobs', apiGroup: 'batch', apiVersion: 'v1' });
  });

  it('round trips every corpus event through decodeEvent in every version', () => {
    for (const gv of GROUP_VERSIONS) {
      const events = corpusEvents();
      expect(events.map((e) => decodeEvent(JSON.parse(JSON.stringify(encodeEvent(e, gv)))))).toEqual(events);
    }
  });

  it('round trips generated events through decodeEvent in every version, leaving the event untouched', () => {
    fc.assert(
      fc.property(arbitraryEvent, fc.constantFrom(...GROUP_VERSIONS), (generated, gv) => {
        const before = structuredClone(generated);
        const wire = encodeEvent(generated, gv);
        expect(wire.apiVersion).toBe(gv);
        expect(decodeEvent(wire)).toEqual(generated);
        expect(generated).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });

  it('throws a clear message for an unknown group version', () => {
    expect(() => encodeEvent(event, 'v1' as GroupVersion)).toThrow(
      'groupVersion must be one of audit.k8s.io/v1|audit.k8s.io/v1beta1|audit.k8s.io/v1alpha1, got "v1"',
    );
  });
});
