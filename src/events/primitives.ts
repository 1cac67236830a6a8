// Not public: the small io-ts codecs the audit codecs are built from, and how errors describe codecs.
import * as t from 'io-ts';
import { timestampProblem } from './timestampProblem.js';

/** Describes, for error messages, what a codec expects (`object`, `string or null`, …). */
export interface Described {
  readonly description: string;
}

/**
 * `codec` or `null`; unlike `t.union` a failure reports only the inner codec's paths. The result is
 * {@link Described} at run time; its type does not say so, so that public codecs built from it (`Event`)
 * do not name this internal interface.
 */
export function nullable<C extends t.Mixed>(
  codec: C,
): t.Type<t.TypeOf<C> | null, t.OutputOf<C> | null, unknown> {
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

/**
 * An RFC 3339 timestamp string as the apiserver's Go code accepts it (`time.Parse` with `RFC3339Nano`), e.g.
 * `2024-07-02T17:02:26.406288Z`: a real calendar date, in-range time, any fraction, `Z` or an offset. A
 * failure carries the reason (`month out of range`).
 */
export const Timestamp = Object.assign(
  new t.Type<string, string, unknown>(
    'Timestamp',
    (u): u is string => typeof u === 'string' && timestampProblem(u) === undefined,
    (u, c) => {
      if (typeof u !== 'string') return t.failure(u, c);
      const problem = timestampProblem(u);
      return problem === undefined ? t.success(u) : t.failure(u, c, problem);
    },
    t.identity,
  ),
  { description: 'RFC 3339 timestamp' },
);

/** A JSON integer (`metav1.Status.code` is an int32). */
export const Integer = Object.assign(
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
