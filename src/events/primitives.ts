// Not public: the small io-ts codecs the audit codecs are built from.
import * as t from 'io-ts';
import { describeCodec } from './describeCodec.js';
import { timestampProblem } from './timestampProblem.js';

/**
 * `codec` or `null`; unlike `t.union` a failure reports only the inner codec's paths. The result is
 * `Described` at run time (its `description` is what {@link describeCodec} says); its type does not say so,
 * so that public codecs built from it (`Event`) do not name that internal interface.
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
  { description: 'an RFC 3339 timestamp' },
);

/** A JSON integer (`metav1.Status.code` is an int32). */
export const Integer = Object.assign(
  new t.Type<number, number, unknown>(
    'Integer',
    (u): u is number => Number.isInteger(u),
    (u, c) => (Number.isInteger(u) ? t.success(u as number) : t.failure(u, c)),
    t.identity,
  ),
  { description: 'an integer' },
);

/** A timestamp field: RFC 3339 (microsecond precision as the apiserver writes it), or absent/null. */
export const NullableTimestamp = nullable(Timestamp);
