import { describe, expect, it } from 'vitest';
import { AuditDecodeError, isAuditDecodeError } from '../../src/events/AuditDecodeError.js';
import { decodeEvent } from '../../src/events/decodeEvent.js';

const minimal = {
  level: 'Metadata',
  auditID: '2e79f0c9-a941-45ae-a9ce-663a1b19ff14',
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/default/pods',
  verb: 'list',
} as const;

/** The error lines decoding `input` produces (fails the test if it decodes). */
function errorsOf(input: unknown): readonly string[] {
  try {
    decodeEvent(input);
  } catch (err) {
    expect(isAuditDecodeError(err)).toBe(true);
    return (err as AuditDecodeError).problems;
  }
  throw new Error('expected decodeEvent to throw');
}

describe('decodeEvent', () => {
  describe('audit.k8s.io/v1', () => {
    it('accepts an event with only the five required fields and returns it unchanged', () => {
      expect(decodeEvent({ ...minimal })).toEqual(minimal);
    });

    it('reads an event without kind/apiVersion as v1 and drops the envelope of one that has it', () => {
      const wire = { kind: 'Event', apiVersion: 'audit.k8s.io/v1', ...minimal, userAgent: 'kubectl' };
      expect(decodeEvent(wire)).toEqual({ ...minimal, userAgent: 'kubectl' });
      expect(wire.kind).toBe('Event'); // the input is not mutated
    });

    it('keeps unknown extra fields, top level and nested', () => {
      const input = {
        ...minimal,
        futureField: { a: [1, 2] },
        user: { username: 'bob', futureUserField: true },
        objectRef: { resource: 'pods', futureRefField: 'x' },
      };
      expect(decodeEvent(input)).toEqual(input);
    });

    it('accepts null for the nullable fields and absent timestamps', () => {
      const input = {
        ...minimal,
        impersonatedUser: null,
        sourceIPs: null,
        objectRef: null,
        responseStatus: null,
        annotations: null,
        authenticationMetadata: null,
        requestReceivedTimestamp: null,
        stageTimestamp: null,
      };
      expect(decodeEvent(input)).toEqual(input);
    });

    it('drops user: null and userAgent: null, as Go decodes null into a struct or string', () => {
      const input = JSON.parse(JSON.stringify({ ...minimal, user: null, userAgent: null, sourceIPs: null }));
      const decoded = decodeEvent(input);
      expect(decoded).toStrictEqual({ ...minimal, sourceIPs: null });
      expect(Object.keys(decoded)).not.toContain('user');
      expect(Object.keys(decoded)).not.toContain('userAgent');
      expect(input.user).toBeNull(); // the input is not mutated
      expect(input.userAgent).toBeNull();
    });

    it('drops null username, uid, groups and extra inside user and impersonatedUser, keeping the rest', () => {
      const input = {
        ...minimal,
        user: { username: null, uid: null, groups: null, extra: null, other: null },
        impersonatedUser: { username: 'bob', groups: null, extra: { scopes: ['a'] } },
      };
      const decoded = decodeEvent(input);
      expect(decoded).toStrictEqual({
        ...minimal,
        user: { other: null },
        impersonatedUser: { username: 'bob', extra: { scopes: ['a'] } },
      });
      expect(input.user.username).toBeNull(); // the input is not mutated
      expect(input.impersonatedUser.groups).toBeNull();
    });

    it('keeps an own "__proto__" field when dropping nulls, without touching the prototype', () => {
      const input = JSON.parse(`{"level":"Metadata","auditID":"a","stage":"Panic","requestURI":"/",
        "verb":"get","userAgent":null,"__proto__":{"polluted":true}}`) as Record<string, unknown>;
      const decoded = decodeEvent(input) as unknown as Record<string, unknown>;
      expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value).toEqual({ polluted: true });
      expect(Object.keys(decoded)).not.toContain('userAgent');
    });

    it('still rejects wrong types once nulls are dropped', () => {
      expect(errorsOf({ ...minimal, user: { username: null, uid: 5 }, userAgent: 7 })).toEqual([
        'user.uid: expected a string, got 5',
        'userAgent: expected a string, got 7',
      ]);
    });

    it('accepts any JSON as request and response objects', () => {
      for (const body of [null, 0, 'text', [1, 'a'], { kind: 'Pod', spec: { containers: [] } }]) {
        expect(decodeEvent({ ...minimal, requestObject: body, responseObject: body })).toMatchObject({
          requestObject: body,
          responseObject: body,
        });
      }
    });

    it('keeps v1 timestamps exactly as written (any RFC 3339 fraction or offset)', () => {
      const input = {
        ...minimal,
        requestReceivedTimestamp: '2024-07-02T17:02:26.406288Z',
        stageTimestamp: '2024-07-02T19:02:26+02:00',
      };
      expect(decodeEvent(input)).toEqual(input);
    });
  });

  describe('audit.k8s.io/v1beta1', () => {
    const v1beta1 = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1beta1',
      metadata: { creationTimestamp: '2017-09-11T19:55:06Z' },
      timestamp: '2017-09-11T19:55:05Z',
      ...minimal,
    };

    it('folds timestamp and metadata.creationTimestamp into the v1 timestamps (microseconds, UTC)', () => {
      expect(decodeEvent(v1beta1)).toEqual({
        ...minimal,
        requestReceivedTimestamp: '2017-09-11T19:55:05.000000Z',
        stageTimestamp: '2017-09-11T19:55:06.000000Z',
      });
    });

    it('does not mutate the input', () => {
      const input = structuredClone(v1beta1);
      decodeEvent(input);
      expect(input).toEqual(v1beta1);
    });

    it('prefers requestReceivedTimestamp/stageTimestamp when the event has them', () => {
      const event = decodeEvent({
        ...v1beta1,
        requestReceivedTimestamp: '2017-09-11T19:55:05.123456Z',
        stageTimestamp: '2017-09-11T19:55:06.654321Z',
      });
      expect(event.requestReceivedTimestamp).toBe('2017-09-11T19:55:05.123456Z');
      expect(event.stageTimestamp).toBe('2017-09-11T19:55:06.654321Z');
    });

    it('folds into a null v1 timestamp, converts offsets to UTC and leaves null legacy fields unused', () => {
      const event = decodeEvent({
        ...v1beta1,
        timestamp: '2017-09-11T21:55:05.5+02:00',
        requestReceivedTimestamp: null,
        metadata: { creationTimestamp: null },
      });
      expect(event.requestReceivedTimestamp).toBe('2017-09-11T19:55:05.500000Z');
      expect(event).not.toHaveProperty('stageTimestamp');
      expect(event).not.toHaveProperty('metadata');
    });

    it('keeps v1beta1 objectRef.apiVersion as it is', () => {
      const event = decodeEvent({
        ...v1beta1,
        objectRef: { resource: 'deployments', apiGroup: 'apps', apiVersion: 'v1' },
      });
      expect(event.objectRef).toEqual({ resource: 'deployments', apiGroup: 'apps', apiVersion: 'v1' });
    });
  });

  describe('audit.k8s.io/v1alpha1 objectRef.apiVersion', () => {
    const alpha = (apiVersion: string | undefined): unknown => ({
      apiVersion: 'audit.k8s.io/v1alpha1',
      ...minimal,
      objectRef: { resource: 'x', ...(apiVersion === undefined ? {} : { apiVersion }) },
    });
    const refOf = (apiVersion: string | undefined): unknown => decodeEvent(alpha(apiVersion)).objectRef;

    it('splits "group/version" into apiGroup + apiVersion', () => {
      expect(refOf('apps/v1')).toEqual({ resource: 'x', apiGroup: 'apps', apiVersion: 'v1' });
      expect(refOf('rbac.authorization.k8s.io/v1beta1')).toEqual({
        resource: 'x',
        apiGroup: 'rbac.authorization.k8s.io',
        apiVersion: 'v1beta1',
      });
    });

    it('reads "/v1" and "v1" as the core group', () => {
      expect(refOf('/v1')).toEqual({ resource: 'x', apiGroup: '', apiVersion: 'v1' });
      expect(refOf('v1')).toEqual({ resource: 'x', apiVersion: 'v1' });
    });

    it('leaves an objectRef without apiVersion alone, and splits only at the first slash', () => {
      expect(refOf(undefined)).toEqual({ resource: 'x' });
      expect(refOf('example.com/v1/extra')).toEqual({
        resource: 'x',
        apiGroup: 'example.com',
        apiVersion: 'v1/extra',
      });
    });
  });

  describe('bad input', () => {
    it('rejects non-objects with a message, never a TypeError', () => {
      for (const [input, got] of [
        [null, 'null'],
        [undefined, 'nothing'],
        [42, '42'],
        [true, 'true'],
        ['{"level":"Metadata"}', '"{\\"level\\":\\"Metadata\\"}"'],
        [[minimal], 'an array'],
      ] as const) {
        expect(() => decodeEvent(input)).toThrow(AuditDecodeError);
        expect(errorsOf(input)).toEqual([`(root): expected an object, got ${got}`]);
      }
    });

    it('names every missing required field', () => {
      expect(errorsOf({})).toEqual([
        'level: expected one of None|Metadata|Request|RequestResponse, got nothing',
        'auditID: expected a string, got nothing',
        'stage: expected one of RequestReceived|ResponseStarted|ResponseComplete|Panic, got nothing',
        'requestURI: expected a string, got nothing',
        'verb: expected a string, got nothing',
      ]);
    });

    it('rejects values outside the level and stage enums', () => {
      expect(errorsOf({ ...minimal, level: 'Loud', stage: 'Halfway' })).toEqual([
        'level: expected one of None|Metadata|Request|RequestResponse, got "Loud"',
        'stage: expected one of RequestReceived|ResponseStarted|ResponseComplete|Panic, got "Halfway"',
      ]);
    });

    it('rejects wrong types for strings (a number auditID, an object verb)', () => {
      expect(errorsOf({ ...minimal, auditID: 7, verb: { get: true } })).toEqual([
        'auditID: expected a string, got 7',
        'verb: expected a string, got an object',
      ]);
    });

    it('rejects an unknown apiVersion and a kind other than Event', () => {
      expect(errorsOf({ ...minimal, kind: 'EventList', apiVersion: 'audit.k8s.io/v2' })).toEqual([
        'kind: expected "Event", got "EventList"',
        'apiVersion: expected one of audit.k8s.io/v1|audit.k8s.io/v1beta1|audit.k8s.io/v1alpha1, got "audit.k8s.io/v2"',
      ]);
    });

    it('names nested paths in user, objectRef, sourceIPs and annotations', () => {
      expect(
        errorsOf({
          ...minimal,
          user: { username: 1, groups: ['ok', 2], extra: { scopes: 'not-a-list' } },
          impersonatedUser: 'bob',
          sourceIPs: '10.0.0.1',
          objectRef: { namespace: ['default'] },
          annotations: { 'authorization.k8s.io/decision': false },
        }),
      ).toEqual([
        'user.username: expected a string, got 1',
        'user.groups.1: expected a string, got 2',
        'user.extra.scopes: expected an array, got "not-a-list"',
        'impersonatedUser: expected an object or null, got "bob"',
        'sourceIPs: expected an array or null, got "10.0.0.1"',
        'objectRef.namespace: expected a string, got an array',
        'annotations.authorization.k8s.io/decision: expected a string, got false',
      ]);
    });

    it('rejects a non-integer responseStatus.code and a non-object responseStatus', () => {
      expect(errorsOf({ ...minimal, responseStatus: { code: 200.5, status: 1 } })).toEqual([
        'responseStatus.status: expected a string, got 1',
        'responseStatus.code: expected an integer, got 200.5',
      ]);
      expect(errorsOf({ ...minimal, responseStatus: 200 })).toEqual([
        'responseStatus: expected an object or null, got 200',
      ]);
    });

    it('rejects timestamps that are not RFC 3339', () => {
      expect(
        errorsOf({ ...minimal, requestReceivedTimestamp: 'yesterday', stageTimestamp: 1504994105 }),
      ).toEqual([
        'requestReceivedTimestamp: expected an RFC 3339 timestamp or null, got "yesterday" (not a YYYY-MM-DD date)',
        'stageTimestamp: expected an RFC 3339 timestamp or null, got 1504994105',
      ]);
    });

    it('checks the v1beta1/v1alpha1 legacy fields', () => {
      expect(
        errorsOf({
          ...minimal,
          apiVersion: 'audit.k8s.io/v1beta1',
          timestamp: 5,
          metadata: { creationTimestamp: 'no' },
        }),
      ).toEqual([
        'timestamp: expected an RFC 3339 timestamp or null, got 5',
        'metadata.creationTimestamp: expected an RFC 3339 timestamp or null, got "no" (not a YYYY-MM-DD date)',
      ]);
      expect(errorsOf({ ...minimal, apiVersion: 'audit.k8s.io/v1alpha1', metadata: [] })).toEqual([
        'metadata: expected an object or null, got an array',
      ]);
    });

    it('shortens long strings in messages so bodies never end up in them', () => {
      const [line] = errorsOf({ ...minimal, verb: 0, stage: 'x'.repeat(500) });
      expect(line).toBe(
        `stage: expected one of RequestReceived|ResponseStarted|ResponseComplete|Panic, got "${'x'.repeat(57)}..."`,
      );
    });

    it('puts every line in the message', () => {
      expect(() => decodeEvent({ ...minimal, level: 'Loud', verb: 1 })).toThrow(
        'invalid audit event: level: expected one of None|Metadata|Request|RequestResponse, got "Loud"; verb: expected a string, got 1',
      );
    });
  });
});
