// Not public: the snapshot-is-the-encoding path. Each event is serialized once, when it is accepted, in
// the wire group version; a batch body is the pre-serialized items joined into an EventList.
import type { AuditEvent } from '../events/Event.js';
import type { GroupVersion } from '../events/GroupVersion.js';
import { decodeEventList } from '../events/decodeEventList.js';
import { encodeEventList } from '../events/encodeEventList.js';
import { ENCODED_BODY } from './httpSender.js';
import type { EncodedBodyBatch } from './httpSender.js';
import type { AuditBatch } from '../contract/AuditSender.js';

/** Something that holds one pre-serialized wire item (and, when known, its UTF-8 bytes). */
export interface SerializedItem {
  readonly json: string;
  /** `Buffer.byteLength(json)`, measured once when the item was accepted (unless no byte bound needed it). */
  readonly bytes?: number | undefined;
}

/**
 * The snapshot function for a group version: the item's JSON exactly as `encodeEventList` would put it in
 * the list (v1: the event itself without a `kind`/`apiVersion` envelope; older versions converted).
 * Throws (or returns a non-object) for an event that cannot be serialized.
 */
export function itemSerializer(groupVersion: GroupVersion): (event: AuditEvent) => string {
  return (event) => {
    assertEventObject(event);
    const source = event as unknown as Record<string, unknown>;
    // Fast path: a v1 event without an envelope is its own wire item. Read, not tested with `in`: events come
    // in many shapes, and a megamorphic `in` walks the prototype chain on every call (about 470 instructions
    // per event, a sixth of what the engine added to the stringify); a load is served from V8's stub cache. An
    // envelope key set to `undefined` takes the fast path, and JSON.stringify leaves it out all the same.
    const wire =
      groupVersion === 'audit.k8s.io/v1' && source['kind'] === undefined && source['apiVersion'] === undefined
        ? source
        : encodeEventList([event], groupVersion).items[0];
    return JSON.stringify(wire);
  };
}

/** The one check every snapshot makes first: an event handed to a backend must be an object. */
export function assertEventObject(event: unknown): asserts event is object {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new TypeError('an audit event must be an object');
  }
}

/** The start of an `EventList` body, up to the first item. */
function listPrefix(groupVersion: GroupVersion): string {
  return `{"kind":"EventList","apiVersion":${JSON.stringify(groupVersion)},"metadata":{},"items":[`;
}

/** The `EventList` body for pre-serialized items: same bytes as `JSON.stringify(encodeEventList(...))`. */
export function joinItems(items: readonly SerializedItem[], groupVersion: GroupVersion): string {
  let body = listPrefix(groupVersion);
  for (let i = 0; i < items.length; i++) {
    if (i > 0) body += ',';
    body += (items[i] as SerializedItem).json;
  }
  return `${body}]}`;
}

const COMMA = 0x2c;

/**
 * The UTF-8 bytes of {@link joinItems}, written item by item into one buffer: no body string is built.
 * (Building a batch's body string — a large string, flattened once it is encoded — and encoding it cost
 * several times more than writing the small item strings straight into the bytes.) Each item is a whole
 * `JSON.stringify` result, well-formed UTF-16, so encoding the items one by one gives the same bytes as
 * encoding the joined string.
 */
export function encodeItemsBody(items: readonly SerializedItem[], groupVersion: GroupVersion): Buffer {
  const prefix = listPrefix(groupVersion);
  const n = items.length;
  let size = Buffer.byteLength(prefix) + (n > 0 ? n - 1 : 0) + 2;
  // The engine measured each item when it accepted it (for its byte bounds): no second scan of the text.
  for (let i = 0; i < n; i++) {
    const item = items[i] as SerializedItem;
    size += item.bytes ?? Buffer.byteLength(item.json);
  }
  const bytes = Buffer.allocUnsafe(size);
  let at = bytes.write(prefix, 0);
  for (let i = 0; i < n; i++) {
    if (i > 0) bytes[at++] = COMMA;
    at += bytes.write((items[i] as SerializedItem).json, at);
  }
  at += bytes.write(']}', at);
  // Every byte of the (uninitialized) buffer must have been written; anything else is a bug, not a body.
  if (at !== size) throw new Error(`audit batch body encoding wrote ${at} of ${size} bytes`);
  return bytes;
}

/** The `audit.k8s.io/v1` events the items were made from (fresh objects: snapshots, not the caller's). */
export function restoreItems(items: readonly SerializedItem[], groupVersion: GroupVersion): AuditEvent[] {
  const parsed = items.map((item) => JSON.parse(item.json) as AuditEvent);
  if (groupVersion === 'audit.k8s.io/v1') return parsed;
  try {
    return decodeEventList({ apiVersion: groupVersion, items: parsed });
  } catch {
    // The caller's event was never validated; report what was sent rather than nothing.
    return parsed;
  }
}

/**
 * An {@link AuditBatch} over pre-serialized items; `body` and `events` are computed on first use and cached.
 * A class (getters on the prototype), not an object literal with getters: a literal's accessor pairs are
 * allocated per object, and at one batch per 100 events that showed up as old-space garbage.
 */
export class LazyBatch implements AuditBatch, EncodedBodyBatch {
  #body: string | undefined;
  #bytes: Buffer | undefined;
  #events: AuditEvent[] | undefined;
  constructor(
    private readonly items: readonly SerializedItem[],
    private readonly groupVersion: GroupVersion,
  ) {}

  get body(): string {
    return (this.#body ??= joinItems(this.items, this.groupVersion));
  }

  get events(): AuditEvent[] {
    return (this.#events ??= restoreItems(this.items, this.groupVersion));
  }

  /** `body` as UTF-8 bytes (what the HTTP sender sends), kept for the batch's retries. */
  [ENCODED_BODY](): Buffer {
    return (this.#bytes ??=
      this.#body === undefined ? encodeItemsBody(this.items, this.groupVersion) : Buffer.from(this.#body));
  }
}

/** Creates a {@link LazyBatch}. */
export function lazyBatch(items: readonly SerializedItem[], groupVersion: GroupVersion): AuditBatch {
  return new LazyBatch(items, groupVersion);
}
