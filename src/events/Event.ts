import * as t from 'io-ts';
import { Integer, NullableTimestamp, nullable } from './primitives.js';

/**
 * The audit level of an event: how much of the request was recorded.
 * `None` events are never emitted by the apiserver but may appear in policies.
 *
 * ## Example
 * ```ts
 * import { Level } from 'rx-audit';
 *
 * Level.is('RequestResponse'); // true
 * Object.keys(Level.keys); // ['None', 'Metadata', 'Request', 'RequestResponse']
 * ```
 */
export const Level = t.keyof({ None: null, Metadata: null, Request: null, RequestResponse: null }, 'Level');
export type Level = t.TypeOf<typeof Level>;

/**
 * The stage of request handling at which an event was generated.
 *
 * ## Example
 * ```ts
 * import { Stage } from 'rx-audit';
 *
 * Stage.is('ResponseComplete'); // true
 * Stage.is('Halfway'); // false
 * ```
 */
export const Stage = t.keyof(
  { RequestReceived: null, ResponseStarted: null, ResponseComplete: null, Panic: null },
  'Stage',
);
export type Stage = t.TypeOf<typeof Stage>;

/**
 * `authentication.k8s.io/v1` `UserInfo`, as embedded in audit events (`user`, `impersonatedUser`).
 * {@link decodeEvent} and {@link decodeEventList} drop a `null` `username`, `uid`, `groups` or `extra`
 * (Go's decoder ignores them), so decoded values never hold `null` there.
 *
 * ## Example
 * ```ts
 * import { UserInfo } from 'rx-audit';
 *
 * UserInfo.is({ username: 'system:admin', groups: ['system:masters'], extra: { scopes: ['a'] } }); // true
 * ```
 */
export const UserInfo = t.partial(
  {
    username: t.string,
    uid: t.string,
    groups: t.array(t.string),
    extra: t.record(t.string, t.array(t.string)),
  },
  'UserInfo',
);
export type UserInfo = t.TypeOf<typeof UserInfo>;

/**
 * The object an audit event is about (`audit.k8s.io/v1` `ObjectReference`). The core group is an absent
 * or empty `apiGroup`.
 *
 * ## Example
 * ```ts
 * import { ObjectReference } from 'rx-audit';
 *
 * ObjectReference.is({ resource: 'deployments', namespace: 'default', apiGroup: 'apps', apiVersion: 'v1' }); // true
 * ```
 */
export const ObjectReference = t.partial(
  {
    resource: t.string,
    namespace: t.string,
    name: t.string,
    uid: t.string,
    apiGroup: t.string,
    apiVersion: t.string,
    resourceVersion: t.string,
    subresource: t.string,
  },
  'ObjectReference',
);
export type ObjectReference = t.TypeOf<typeof ObjectReference>;

/**
 * `meta.k8s.io/v1` `Status` as audit uses it in `responseStatus`; extra fields are kept.
 *
 * ## Example
 * ```ts
 * import { Status } from 'rx-audit';
 *
 * Status.is({ metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403 }); // true
 * ```
 */
export const Status = t.partial(
  {
    kind: t.string,
    apiVersion: t.string,
    metadata: t.UnknownRecord,
    status: t.string,
    message: t.string,
    reason: t.string,
    details: t.UnknownRecord,
    code: Integer,
  },
  'Status',
);
export type Status = t.TypeOf<typeof Status>;

/** The five fields every event must carry. */
const EventRequired = t.type({
  level: Level,
  auditID: t.string,
  stage: Stage,
  requestURI: t.string,
  verb: t.string,
});

/** The optional `audit.k8s.io/v1` fields (besides `kind`/`apiVersion`). */
const eventOptionalProps = {
  // `user: null` and `userAgent: null` are dropped by the decoders (decodeItem), as Go ignores null for a
  // struct or a string; the model keeps them null-free.
  user: UserInfo,
  impersonatedUser: nullable(UserInfo),
  authenticationMetadata: nullable(t.UnknownRecord),
  sourceIPs: nullable(t.array(t.string)),
  userAgent: t.string,
  objectRef: nullable(ObjectReference),
  responseStatus: nullable(Status),
  requestObject: t.unknown,
  responseObject: t.unknown,
  requestReceivedTimestamp: NullableTimestamp,
  stageTimestamp: NullableTimestamp,
  annotations: nullable(t.record(t.string, t.string)),
};

/**
 * The event body without its `kind`/`apiVersion` envelope; the decoders check the envelope themselves
 * so each bad field is reported once. Not public.
 */
export const EventBody = t.intersection([EventRequired, t.partial(eventOptionalProps)], 'EventBody');

/**
 * `audit.k8s.io/v1` `Event`. Only `level`, `auditID`, `stage`, `requestURI` and `verb` are required,
 * as lenient as the apiserver's own JSON decoding; unknown extra fields are preserved by the decoders.
 * Prefer {@link decodeEvent}, which also reads older versions and reports every bad path.
 *
 * ## Example
 * ```ts
 * import { Event } from 'rx-audit';
 *
 * Event.is({ level: 'Metadata', auditID: 'a1', stage: 'ResponseComplete', requestURI: '/api', verb: 'get' }); // true
 * ```
 */
export const Event = t.intersection(
  [EventRequired, t.partial({ kind: t.string, apiVersion: t.string, ...eventOptionalProps })],
  'Event',
);
/**
 * An `audit.k8s.io/v1` audit event, the library's internal model: what the decoders return and the
 * backends accept.
 *
 * ## Example
 * ```ts
 * import type { AuditEvent } from 'rx-audit';
 *
 * const event: AuditEvent = {
 *   level: 'Metadata',
 *   auditID: '2e79f0c9-a941-45ae-a9ce-663a1b19ff14',
 *   stage: 'ResponseComplete',
 *   requestURI: '/api/v1/namespaces/default/pods',
 *   verb: 'list',
 *   requestReceivedTimestamp: '2024-07-02T17:02:26.406288Z',
 * };
 * ```
 */
export type AuditEvent = t.TypeOf<typeof Event>;

/**
 * `audit.k8s.io/v1` `EventList` as it travels on the wire. Prefer {@link decodeEventList}, which also reads
 * older versions and reports every bad path.
 *
 * ## Example
 * ```ts
 * import { EventList } from 'rx-audit';
 *
 * EventList.is({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: [] }); // true
 * ```
 */
export const EventList = t.intersection(
  [
    t.type({ items: t.array(Event) }),
    t.partial({ kind: t.string, apiVersion: t.string, metadata: nullable(t.UnknownRecord) }),
  ],
  'EventList',
);
export type EventList = t.TypeOf<typeof EventList>;
