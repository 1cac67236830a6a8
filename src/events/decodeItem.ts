// Not public: validation and conversion of one event, shared by decodeEvent and decodeEventList.
import * as t from 'io-ts';
import { EventBody } from './Event.js';
import { NullableTimestamp, nullable } from './primitives.js';
import type { AuditEvent } from './Event.js';
import { GROUP_VERSIONS, isGroupVersion } from './GroupVersion.js';
import type { GroupVersion } from './GroupVersion.js';
import { toV1 } from './convert.js';
import { reportErrors } from './reportErrors.js';
import { showValue } from './showValue.js';

/** The deprecated fields v1beta1 and v1alpha1 events carry besides the v1 ones. */
const LegacyFields = t.partial({
  timestamp: NullableTimestamp,
  metadata: nullable(t.partial({ creationTimestamp: NullableTimestamp })),
});

/** `value` is a JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `base.key`, or `key` at the root. */
export function join(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

/**
 * Checks one event found at `path` (`''` for the root, `items.3` in a list) and converts it to the v1 model.
 * Its own `apiVersion` wins over `listVersion`. Appends one line per offending path to `errors` and returns
 * `undefined` when there is any.
 */
export function decodeItem(
  input: unknown,
  path: string,
  listVersion: GroupVersion,
  errors: string[],
): AuditEvent | undefined {
  if (!isObject(input)) {
    errors.push(`${path === '' ? '(root)' : path}: expected object, got ${showValue(input)}`);
    return undefined;
  }
  const before = errors.length;
  let version = listVersion;
  const kind = input['kind'];
  if (kind !== undefined && kind !== 'Event') {
    errors.push(`${join(path, 'kind')}: expected "Event", got ${showValue(kind)}`);
  }
  const apiVersion = input['apiVersion'];
  if (isGroupVersion(apiVersion)) version = apiVersion;
  else if (apiVersion !== undefined) {
    errors.push(
      `${join(path, 'apiVersion')}: expected one of ${GROUP_VERSIONS.join('|')}, got ${showValue(apiVersion)}`,
    );
  }
  // `is` allocates nothing, so valid events (the common case) skip building io-ts error contexts.
  if (!EventBody.is(input)) {
    const result = EventBody.validate(input, [{ key: '', type: EventBody, actual: input }]);
    if (result._tag === 'Left') reportErrors(result.left, path, errors);
  }
  if (version !== 'audit.k8s.io/v1' && !LegacyFields.is(input)) {
    const result = LegacyFields.validate(input, [{ key: '', type: LegacyFields, actual: input }]);
    if (result._tag === 'Left') reportErrors(result.left, path, errors);
  }
  return errors.length === before ? toV1(input, version) : undefined;
}
