// Not public: conversion between the audit.k8s.io/v1 model and the v1beta1/v1alpha1 wire shapes, after
// upstream's staging/src/k8s.io/apiserver/pkg/apis/audit/{v1beta1,v1alpha1}/conversion.go.
import type { AuditEvent, ObjectReference } from './Event.js';
import type { GroupVersion } from './GroupVersion.js';

type Json = Record<string, unknown>;

/**
 * Copies own keys of `source` except the listed ones into `out` (a new object by default; shallow: nested
 * objects are shared) and returns `out`.
 */
export function copyWithout(source: Json, skip: (key: string) => boolean, out: Json = {}): Json {
  for (const key of Object.keys(source)) {
    if (skip(key)) continue;
    // JSON.parse makes "__proto__" an own key; plain assignment would set the prototype instead.
    if (key === '__proto__')
      Object.defineProperty(out, key, {
        value: source[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[key] = source[key];
  }
  return out;
}

const isEnvelope = (key: string): boolean => key === 'kind' || key === 'apiVersion';
const isLegacyEnvelope = (key: string): boolean =>
  key === 'kind' || key === 'apiVersion' || key === 'timestamp' || key === 'metadata';

const ZULU = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d+))?[Zz]$/;
const OFFSET = /^(.*?)(?:\.(\d+))?([+-]\d{2}:\d{2})$/;

/**
 * A `metav1.Time` (seconds) as the `metav1.MicroTime` upstream's conversion makes of it:
 * UTC, exactly six fraction digits (`2017-09-11T19:55:05Z` → `2017-09-11T19:55:05.000000Z`).
 */
export function toMicroTime(value: string): string {
  const zulu = ZULU.exec(value);
  if (zulu !== null) return `${zulu[1]}T${zulu[2]}.${(zulu[3] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
  const offset = OFFSET.exec(value);
  if (offset === null) return value;
  const seconds = new Date(`${offset[1]}${offset[3]}`);
  if (Number.isNaN(seconds.getTime())) return value;
  return `${seconds.toISOString().slice(0, 19)}.${(offset[2] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
}

/** A timestamp as `metav1.Time` writes it: UTC, whole seconds (`…T17:02:26Z`); absent or null → null. */
export function toSecondsTime(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const zulu = ZULU.exec(value);
  if (zulu !== null) return `${zulu[1]}T${zulu[2]}Z`;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * A validated wire item of group version `gv` as the v1 model. v1 items are returned as they are unless
 * they carry a `kind`/`apiVersion` envelope (dropped); older versions lose `timestamp` and `metadata`, which
 * fill `requestReceivedTimestamp`/`stageTimestamp` when those are absent or null, and v1alpha1
 * `objectRef.apiVersion: "group/version"` splits into `apiGroup` + `apiVersion`.
 */
export function toV1(item: Json, gv: GroupVersion): AuditEvent {
  if (gv === 'audit.k8s.io/v1') {
    return ('kind' in item || 'apiVersion' in item ? copyWithout(item, isEnvelope) : item) as AuditEvent;
  }
  const out = copyWithout(item, isLegacyEnvelope);
  if (out['requestReceivedTimestamp'] == null && typeof item['timestamp'] === 'string') {
    out['requestReceivedTimestamp'] = toMicroTime(item['timestamp']);
  }
  const created = (item['metadata'] as Json | null | undefined)?.['creationTimestamp'];
  if (out['stageTimestamp'] == null && typeof created === 'string') {
    out['stageTimestamp'] = toMicroTime(created);
  }
  if (gv === 'audit.k8s.io/v1alpha1') {
    const ref = out['objectRef'] as Json | null | undefined;
    if (ref != null && typeof ref['apiVersion'] === 'string')
      out['objectRef'] = refToV1(ref, ref['apiVersion']);
  }
  return out as AuditEvent;
}

/** v1alpha1 `apiVersion: "group/version"` → `apiGroup` + `apiVersion`; no slash means the core group. */
function refToV1(ref: Json, apiVersion: string): Json {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return ref;
  const out = copyWithout(ref, (key) => key === 'apiGroup' || key === 'apiVersion');
  out['apiGroup'] = apiVersion.slice(0, slash);
  out['apiVersion'] = apiVersion.slice(slash + 1);
  return out;
}

/** v1 `apiGroup` + `apiVersion` → v1alpha1 `apiVersion: "group/version"` (a set `apiGroup`, even `""`, adds the slash). */
function refFromV1(ref: ObjectReference): Json {
  if (ref.apiGroup === undefined || ref.apiVersion === undefined) return ref;
  const out = copyWithout(ref as Json, (key) => key === 'apiGroup');
  out['apiVersion'] = `${ref.apiGroup}/${ref.apiVersion}`;
  return out;
}

/**
 * A v1 model event as a list item of group version `gv` (no `kind`/`apiVersion`, as the apiserver writes
 * items). v1 events are returned as they are when they carry no envelope; v1beta1/v1alpha1 items gain
 * `metadata.creationTimestamp` (from `stageTimestamp`) and `timestamp` (from `requestReceivedTimestamp`),
 * both `metav1.Time`, and keep every v1 field, so decoding gives the same event back.
 */
export function fromV1(event: AuditEvent, gv: GroupVersion): Json {
  const source = event as unknown as Json;
  if (gv === 'audit.k8s.io/v1') {
    return 'kind' in source || 'apiVersion' in source ? copyWithout(source, isEnvelope) : source;
  }
  const out = copyWithout(source, isLegacyEnvelope, {
    metadata: { creationTimestamp: toSecondsTime(event.stageTimestamp) },
  });
  out['timestamp'] = toSecondsTime(event.requestReceivedTimestamp);
  if (gv === 'audit.k8s.io/v1alpha1' && event.objectRef != null)
    out['objectRef'] = refFromV1(event.objectRef);
  return out;
}
