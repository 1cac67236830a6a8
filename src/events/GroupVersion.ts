import { showValue } from './showValue.js';

/**
 * The `audit.k8s.io` group versions rx-audit decodes and encodes, newest first.
 *
 * ## Example
 * ```ts
 * import { GROUP_VERSIONS, encodeEventList } from 'rx-audit';
 *
 * for (const gv of GROUP_VERSIONS) console.log(gv, JSON.stringify(encodeEventList([], gv)));
 * ```
 */
export const GROUP_VERSIONS = ['audit.k8s.io/v1', 'audit.k8s.io/v1beta1', 'audit.k8s.io/v1alpha1'] as const;

/**
 * The version every default names (`groupVersion` options, `encodeEvent`, `decodeEventList` without
 * `apiVersion`) and the one events are held in: the newest, `audit.k8s.io/v1`. Not exported from the root.
 */
export const DEFAULT_GROUP_VERSION = GROUP_VERSIONS[0];

/** One of {@link GROUP_VERSIONS}: the wire version of an `Event` or `EventList`. */
export type GroupVersion = (typeof GROUP_VERSIONS)[number];

/**
 * Tells whether a value is one of the supported {@link GROUP_VERSIONS}.
 *
 * @param value Anything.
 * @returns `true` for `'audit.k8s.io/v1'`, `'audit.k8s.io/v1beta1'` and `'audit.k8s.io/v1alpha1'`.
 */
export function isGroupVersion(value: unknown): value is GroupVersion {
  return value === 'audit.k8s.io/v1' || value === 'audit.k8s.io/v1beta1' || value === 'audit.k8s.io/v1alpha1';
}

/**
 * Checks a group version given by a user (an option, a command-line flag) and throws a message that names
 * the supported versions and the bad value.
 *
 * ## Example
 * ```ts
 * import { assertGroupVersion } from 'rx-audit';
 *
 * assertGroupVersion('audit.k8s.io/v1beta1'); // ok
 * assertGroupVersion('audit.k8s.io/v2');
 * // TypeError: groupVersion must be one of audit.k8s.io/v1|audit.k8s.io/v1beta1|audit.k8s.io/v1alpha1, got "audit.k8s.io/v2"
 * ```
 *
 * @param value The value to check.
 * @param field The name used in the message.
 * @default field `'groupVersion'`
 * @returns Nothing; narrows `value` to {@link GroupVersion}.
 * @throws TypeError when `value` is not one of {@link GROUP_VERSIONS}.
 */
export function assertGroupVersion(value: unknown, field = 'groupVersion'): asserts value is GroupVersion {
  if (!isGroupVersion(value)) {
    throw new TypeError(`${field} must be one of ${GROUP_VERSIONS.join('|')}, got ${showValue(value)}`);
  }
}
