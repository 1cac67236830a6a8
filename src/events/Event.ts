import * as t from 'io-ts';

/** Describes, for error messages, what a codec expects (`object`, `string or null`, …). */
export interface Described {
  readonly description: string;
}

/** `codec` or `null`; unlike `t.union` a failure reports only the inner codec's paths. */
export function nullable<C extends t.Mixed>(
  codec: C,
): t.Type<t.TypeOf<C> | null, t.OutputOf<C> | null, unknown> & Described {
  const type = new t.Type<t.TypeOf<C> | null, t.OutputOf<C> | null, unknown>(
    `${codec.name} | null`,
    (u): u is t.TypeOf<C> | null => u === null || codec.is(u),
    (u, c) => (u === null ? t.success(null) : codec.validate(u, c)),
    (a) => (a === null ? null : codec.encode(a)),
  );
  return Object.assign(type, { description: `${describeCodec(codec)} or null` });
}

/** What a codec expects, in words, for error messages. */
export function describeCodec(codec: t.Decoder<unknown, unknown>): string {
  const described = (codec as Partial<Described>).description;
  if (typeof described === 'string') return described;
  const tagged = codec as t.Decoder<unknown, unknown> & { _tag?: string; keys?: Record<string, unknown> };
  switch (tagged._tag) {
    case 'KeyofType':
      return `one of ${Object.keys(tagged.keys ?? {}).join('|')}`;
    case 'StringType':
      return 'string';
    case 'NumberType':
      return 'number';
    case 'BooleanType':
      return 'boolean';
    case 'NullType':
      return 'null';
    case 'ArrayType':
    case 'UnknownArrayType':
      return 'array';
    case 'InterfaceType':
    case 'PartialType':
    case 'IntersectionType':
    case 'UnknownRecordType':
    case 'DictionaryType':
      return 'object';
    default:
      return codec.name;
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 timestamp string, e.g. `2024-07-02T17:02:26.406288Z` (any fraction, `Z` or an offset). */
const Timestamp = Object.assign(
  new t.Type<string, string, unknown>(
    'Timestamp',
    (u): u is string => typeof u === 'string' && RFC3339.test(u),
    (u, c) => (typeof u === 'string' && RFC3339.test(u) ? t.success(u) : t.failure(u, c)),
    t.identity,
  ),
  { description: 'RFC 3339 timestamp' },
);

/** A JSON integer (`metav1.Status.code` is an int32). */
const Integer = Object.assign(
  new t.Type<number, number, unknown>(
    'Integer',
    (u): u is number => Number.isInteger(u),
    (u, c) => (Number.isInteger(u) ? t.success(u as number) : t.failure(u, c)),
    t.identity,
  ),
  { description: 'integer' },
);

/** A timestamp field: RFC 3339 (microsecond precision as the apiserver writes it), or absent/null. */
export const NullableTimestamp = nullable(Timestamp);

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
/** An `audit.k8s.io/v1` audit event, the library's internal model. */
export type AuditEvent = t.TypeOf<typeof Event>;

/** `audit.k8s.io/v1` `EventList` as it travels on the wire. */
export const EventList = t.intersection(
  [
    t.type({ items: t.array(Event) }),
    t.partial({ kind: t.string, apiVersion: t.string, metadata: nullable(t.UnknownRecord) }),
  ],
  'EventList',
);
export type EventList = t.TypeOf<typeof EventList>;
