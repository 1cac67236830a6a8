// Not public: validation and conversion of one event, shared by decodeEvent and decodeEventList.
import * as t from 'io-ts';
import { EventBody } from './Event.js';
import { NullableTimestamp, nullable } from './primitives.js';
import type { AuditEvent } from './Event.js';
import { GROUP_VERSIONS, isGroupVersion } from './GroupVersion.js';
import type { GroupVersion } from './GroupVersion.js';
import { copyWithout, toV1 } from './convert.js';
import type { ProblemList } from './ProblemList.js';
import { expectedLine, reportErrors } from './reportErrors.js';
import { MAX_EVENT_DEPTH, tooDeepField } from './tooDeepField.js';

/** The deprecated fields v1beta1 and v1alpha1 events carry besides the v1 ones. */
const LegacyFields = t.partial({
  timestamp: NullableTimestamp,
  metadata: nullable(t.partial({ creationTimestamp: NullableTimestamp })),
});

/** The top-level fields of an event, by key: the codec and whether the field is required. */
interface FieldChecks {
  readonly required: readonly string[];
  readonly codecs: ReadonlyMap<string, t.Mixed>;
}

const [requiredPart, optionalPart] = EventBody.types;
const BODY_FIELDS: FieldChecks = {
  required: Object.keys(requiredPart.props),
  codecs: new Map<string, t.Mixed>([
    ...Object.entries(requiredPart.props),
    ...Object.entries(optionalPart.props),
  ] as [string, t.Mixed][]),
};
const LEGACY_FIELDS: FieldChecks = {
  required: [],
  codecs: new Map(Object.entries(LegacyFields.props) as [string, t.Mixed][]),
};

/** How many top-level fields of `input` fail their codec, a missing required one included. */
function countFieldProblems(input: Record<string, unknown>, fields: FieldChecks): number {
  let n = 0;
  for (const key of fields.required) if (input[key] === undefined) n++;
  for (const key in input) {
    const codec = fields.codecs.get(key);
    const value = input[key];
    if (codec !== undefined && value !== undefined && !codec.is(value)) n++;
  }
  return n;
}

/** `value` is a JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `base.key`, or `key` at the root. */
export function join(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

/** The `UserInfo` fields whose `null` Go's decoder ignores (strings, a slice and a map of a struct). */
const USER_INFO_FIELDS: readonly string[] = ['username', 'uid', 'groups', 'extra'];

/**
 * `input` without the `null`s the apiserver's Go JSON decoding ignores — `user: null`, `userAgent: null`
 * (a struct and a string: decoding `null` into them is a no-op) and `null` `username`, `uid`, `groups`,
 * `extra` inside `user`/`impersonatedUser` — so they read as absent. Returns `input` itself when there are
 * none; otherwise a shallow copy (the caller's object is never changed).
 */
function dropIgnoredNulls(input: Record<string, unknown>): Record<string, unknown> {
  let out = input;
  if (input['user'] === null || input['userAgent'] === null) {
    out = copyWithout(input, (key) => (key === 'user' || key === 'userAgent') && input[key] === null);
  }
  for (const field of ['user', 'impersonatedUser']) {
    const info = out[field];
    if (!isObject(info) || !USER_INFO_FIELDS.some((key) => info[key] === null)) continue;
    if (out === input) out = copyWithout(input, () => false);
    out[field] = copyWithout(info, (key) => USER_INFO_FIELDS.includes(key) && info[key] === null);
  }
  return out;
}

/**
 * Checks one event found at `path` (`''` for the root, `items.3` in a list) and converts it to the v1 model.
 * Its own `apiVersion` wins over `listVersion`. Records one problem per offending path in `errors` and
 * returns `undefined` when there is any. An event nesting deeper than {@link MAX_EVENT_DEPTH} is refused,
 * naming its field.
 */
export function decodeItem(
  raw: unknown,
  path: string,
  listVersion: GroupVersion,
  errors: ProblemList,
): AuditEvent | undefined {
  if (!isObject(raw)) {
    errors.push(expectedLine(path, 'an object', raw));
    return undefined;
  }
  const input = dropIgnoredNulls(raw);
  const before = errors.count;
  let version = listVersion;
  const kind = input['kind'];
  if (kind !== undefined && kind !== 'Event') {
    errors.push(expectedLine(join(path, 'kind'), '"Event"', kind));
  }
  const apiVersion = input['apiVersion'];
  if (isGroupVersion(apiVersion)) version = apiVersion;
  else if (apiVersion !== undefined) {
    errors.push(expectedLine(join(path, 'apiVersion'), `one of ${GROUP_VERSIONS.join('|')}`, apiVersion));
  }
  // `is` allocates nothing, so valid events (the common case) skip building io-ts error contexts. Once the
  // list keeps no more lines, problems are only counted, cheaply: one per offending top-level field.
  if (!EventBody.is(input)) {
    if (errors.full) errors.skip(countFieldProblems(input, BODY_FIELDS));
    else {
      const result = EventBody.validate(input, [{ key: '', type: EventBody, actual: input }]);
      if (result._tag === 'Left') reportErrors(result.left, errors, { base: path });
    }
  }
  if (version !== 'audit.k8s.io/v1' && !LegacyFields.is(input)) {
    if (errors.full) errors.skip(countFieldProblems(input, LEGACY_FIELDS));
    else {
      const result = LegacyFields.validate(input, [{ key: '', type: LegacyFields, actual: input }]);
      if (result._tag === 'Left') reportErrors(result.left, errors, { base: path });
    }
  }
  if (errors.count === before) {
    const deep = tooDeepField(input);
    if (deep !== undefined) {
      errors.push(`${join(path, deep)}: nested more than ${MAX_EVENT_DEPTH} levels deep`);
    }
  }
  return errors.count === before ? toV1(input, version) : undefined;
}
