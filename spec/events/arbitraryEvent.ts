// fast-check arbitrary of audit.k8s.io/v1 events, for property tests (also usable by other specs).
import fc from 'fast-check';
import type { AuditEvent } from '../../src/events/Event.js';

const RESERVED = new Set([
  'kind',
  'apiVersion',
  'timestamp',
  'metadata',
  '__proto__',
  'constructor',
  'prototype',
]);
const KNOWN = new Set([
  'level',
  'auditID',
  'stage',
  'requestURI',
  'verb',
  'user',
  'impersonatedUser',
  'authenticationMetadata',
  'sourceIPs',
  'userAgent',
  'objectRef',
  'responseStatus',
  'requestObject',
  'responseObject',
  'requestReceivedTimestamp',
  'stageTimestamp',
  'annotations',
]);

const word = fc.stringMatching(/^[a-z][a-zA-Z0-9.\-/]{0,11}$/);
const key = word.filter((k) => !RESERVED.has(k));
const version = fc.stringMatching(/^v[0-9]{1,2}(?:(?:alpha|beta)[0-9])?$/);

/** RFC 3339 timestamps as the apiserver writes them (microseconds) and as others do (ms, seconds, offsets). */
const timestamp = fc
  .tuple(
    fc.date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2099-12-31T23:59:59Z'),
      noInvalidDate: true,
    }),
    fc.integer({ min: 0, max: 999 }),
    fc.constantFrom('micro', 'milli', 'seconds', 'offset'),
  )
  .map(([date, micros, style]) => {
    const iso = date.toISOString();
    switch (style) {
      case 'micro':
        return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
      case 'milli':
        return iso;
      case 'seconds':
        return `${iso.slice(0, 19)}Z`;
      default:
        return `${iso.slice(0, 19)}+02:00`;
    }
  });

const userInfo = fc.record(
  {
    username: word,
    uid: fc.uuid(),
    groups: fc.array(word, { maxLength: 3 }),
    extra: fc.dictionary(key, fc.array(word, { maxLength: 2 }), { maxKeys: 2 }),
  },
  { requiredKeys: [] },
);

const objectRef = fc.record(
  {
    resource: word,
    namespace: word,
    name: word,
    uid: fc.uuid(),
    apiGroup: fc.oneof(fc.constant(''), fc.domain()),
    apiVersion: version,
    resourceVersion: fc.integer({ min: 1 }).map(String),
    subresource: word,
  },
  { requiredKeys: [] },
);

const status = fc.record(
  {
    metadata: fc.constant({}),
    status: fc.constantFrom('Success', 'Failure'),
    message: fc.string({ maxLength: 20 }),
    reason: fc.constantFrom('Forbidden', 'NotFound'),
    details: fc.record({ kind: word }),
    code: fc.integer({ min: 100, max: 599 }),
  },
  { requiredKeys: [] },
);

// Normalised through JSON, as any JSON.parse output is (-0 becomes 0).
const json = fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.parse(JSON.stringify(value)) as unknown);

/** Any valid `audit.k8s.io/v1` event (with optional, nullable and extra fields), without kind/apiVersion. */
export const arbitraryEvent: fc.Arbitrary<AuditEvent> = fc
  .tuple(
    fc.record(
      {
        level: fc.constantFrom('None', 'Metadata', 'Request', 'RequestResponse'),
        auditID: fc.uuid(),
        stage: fc.constantFrom('RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'),
        requestURI: fc.webPath(),
        verb: fc.constantFrom('get', 'list', 'watch', 'create', 'update', 'patch', 'delete'),
      },
      { requiredKeys: ['level', 'auditID', 'stage', 'requestURI', 'verb'] },
    ),
    fc.record(
      {
        user: userInfo,
        impersonatedUser: fc.option(userInfo),
        authenticationMetadata: fc.option(fc.dictionary(key, json, { maxKeys: 2 })),
        sourceIPs: fc.option(fc.array(fc.ipV4(), { maxLength: 2 })),
        userAgent: fc.string({ maxLength: 20 }),
        objectRef: fc.option(objectRef),
        responseStatus: fc.option(status),
        requestObject: json,
        responseObject: json,
        requestReceivedTimestamp: fc.option(timestamp),
        stageTimestamp: fc.option(timestamp),
        annotations: fc.option(fc.dictionary(key, fc.string({ maxLength: 10 }), { maxKeys: 3 })),
      },
      { requiredKeys: [] },
    ),
    fc.dictionary(
      key.filter((k) => !KNOWN.has(k)),
      json,
      { maxKeys: 2 },
    ),
  )
  .map(([required, optional, extra]) => ({ ...extra, ...required, ...optional }) as AuditEvent);
