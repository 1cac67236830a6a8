import type { AuditEvent } from './Event.js';
import { DEFAULT_GROUP_VERSION, assertGroupVersion } from './GroupVersion.js';
import type { GroupVersion } from './GroupVersion.js';
import { fromV1 } from './convert.js';

/** The wire object {@link encodeEventList} returns: an `EventList` of one group version. */
export interface EventListWire {
  readonly kind: 'EventList';
  readonly apiVersion: GroupVersion;
  readonly metadata: Record<string, never>;
  readonly items: Record<string, unknown>[];
}

/**
 * The `EventList` wire object for a group version — the body of an audit webhook POST once passed to
 * `JSON.stringify`. Items carry no `kind`/`apiVersion` of their own, as the apiserver writes them; for
 * v1beta1/v1alpha1 they are converted back (`timestamp`, `metadata.creationTimestamp`, v1alpha1
 * `objectRef.apiVersion: "group/version"`). `decodeEventList` of the result gives `events` back.
 *
 * ## Example
 * ```ts
 * import { encodeEventList } from 'rx-audit';
 *
 * const body = JSON.stringify(encodeEventList(events, 'audit.k8s.io/v1beta1'));
 * ```
 *
 * @param events `audit.k8s.io/v1` events.
 * @param groupVersion The wire version.
 * @default groupVersion `'audit.k8s.io/v1'`
 * @returns `{ kind: 'EventList', apiVersion, metadata: {}, items }`; items share nested objects with `events`.
 * @throws TypeError when `groupVersion` is not one of `GROUP_VERSIONS`.
 */
export function encodeEventList(events: readonly AuditEvent[], groupVersion?: GroupVersion): EventListWire {
  const gv = groupVersion ?? DEFAULT_GROUP_VERSION;
  assertGroupVersion(gv);
  const items = new Array<Record<string, unknown>>(events.length);
  for (let i = 0; i < events.length; i++) items[i] = fromV1(events[i] as AuditEvent, gv);
  return { kind: 'EventList', apiVersion: gv, metadata: {}, items };
}
