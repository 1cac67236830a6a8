import * as t from 'io-ts';

/**
 * The audit level of an event: how much of the request was recorded.
 * `None` events are never emitted by the apiserver but may appear in policies.
 */
export const Level = t.keyof({ None: null, Metadata: null, Request: null, RequestResponse: null }, 'Level');
export type Level = t.TypeOf<typeof Level>;

/** The stage of request handling at which an event was generated. */
export const Stage = t.keyof(
  { RequestReceived: null, ResponseStarted: null, ResponseComplete: null, Panic: null },
  'Stage',
);
export type Stage = t.TypeOf<typeof Stage>;

/** `authentication.k8s.io/v1` `UserInfo`, as embedded in audit events. */
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

/** The object an audit event is about (`audit.k8s.io/v1` `ObjectReference`). */
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

/** `meta.k8s.io/v1` `Status` as audit uses it in `responseStatus`; extra fields are kept. */
export const Status = t.partial(
  {
    kind: t.string,
    apiVersion: t.string,
    metadata: t.UnknownRecord,
    status: t.string,
    message: t.string,
    reason: t.string,
    details: t.UnknownRecord,
    code: t.number,
  },
  'Status',
);
export type Status = t.TypeOf<typeof Status>;

/** A timestamp field: RFC 3339 (microsecond precision as the apiserver writes it), or absent/null. */
const Timestamp = t.union([t.string, t.null]);

/**
 * `audit.k8s.io/v1` `Event`. Only `level`, `auditID`, `stage`, `requestURI` and `verb` are required,
 * as lenient as the apiserver's own JSON decoding; unknown extra fields are preserved by the decoders.
 */
export const Event = t.intersection(
  [
    t.type({
      level: Level,
      auditID: t.string,
      stage: Stage,
      requestURI: t.string,
      verb: t.string,
    }),
    t.partial({
      kind: t.string,
      apiVersion: t.string,
      user: UserInfo,
      impersonatedUser: t.union([UserInfo, t.null]),
      authenticationMetadata: t.union([t.UnknownRecord, t.null]),
      sourceIPs: t.union([t.array(t.string), t.null]),
      userAgent: t.string,
      objectRef: t.union([ObjectReference, t.null]),
      responseStatus: t.union([Status, t.null]),
      requestObject: t.unknown,
      responseObject: t.unknown,
      requestReceivedTimestamp: Timestamp,
      stageTimestamp: Timestamp,
      annotations: t.union([t.record(t.string, t.string), t.null]),
    }),
  ],
  'Event',
);
/** An `audit.k8s.io/v1` audit event, the library's internal model. */
export type AuditEvent = t.TypeOf<typeof Event>;

/** `audit.k8s.io/v1` `EventList` as it travels on the wire. */
export const EventList = t.intersection(
  [
    t.type({ items: t.array(Event) }),
    t.partial({ kind: t.string, apiVersion: t.string, metadata: t.union([t.UnknownRecord, t.null]) }),
  ],
  'EventList',
);
export type EventList = t.TypeOf<typeof EventList>;
