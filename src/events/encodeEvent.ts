import type { AuditEvent } from './Event.js';
import { DEFAULT_GROUP_VERSION, assertGroupVersion } from './GroupVersion.js';
import type { GroupVersion } from './GroupVersion.js';
import { fromV1 } from './convert.js';

/**
 * The wire form of one event for a group version, with its `kind: 'Event'` and `apiVersion` — what the
 * apiserver's log backend writes per line. v1beta1/v1alpha1 gain `metadata.creationTimestamp` and
 * `timestamp`; v1alpha1 `objectRef.apiVersion` becomes `group/version`. `decodeEvent` of the result gives
 * `event` back.
 *
 * ## Example
 * ```ts
 * import { encodeEvent } from 'rx-audit';
 *
 * process.stdout.write(JSON.stringify(encodeEvent(event)) + '\n');
 * ```
 *
 * @param event An `audit.k8s.io/v1` event.
 * @param groupVersion The wire version.
 * @default groupVersion `'audit.k8s.io/v1'`
 * @returns A plain object ready for `JSON.stringify`; it shares nested objects with `event`.
 * @throws TypeError when `groupVersion` is not one of `GROUP_VERSIONS`.
 */
export function encodeEvent(
  event: AuditEvent,
  groupVersion?: GroupVersion,
): Record<string, unknown> & { kind: 'Event'; apiVersion: GroupVersion } {
  const gv = groupVersion ?? DEFAULT_GROUP_VERSION;
  assertGroupVersion(gv);
  return { kind: 'Event', apiVersion: gv, ...fromV1(event, gv) };
}
