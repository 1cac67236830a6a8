import { AuditDecodeError } from './AuditDecodeError.js';
import type { AuditEvent } from './Event.js';
import { DEFAULT_GROUP_VERSION, GROUP_VERSIONS, isGroupVersion } from './GroupVersion.js';
import type { GroupVersion } from './GroupVersion.js';
import { decodeItem, isObject } from './decodeItem.js';
import { ProblemList } from './ProblemList.js';
import { expectedLine } from './reportErrors.js';

/**
 * Decodes an `EventList` of any supported version (the body of an audit webhook POST) into
 * `audit.k8s.io/v1` events. Items without an `apiVersion` take the list's (no `apiVersion` on the list
 * means v1); each item is read as {@link decodeEvent} reads an event.
 *
 * ## Example
 * ```ts
 * import { decodeEventList, isAuditDecodeError } from 'rx-audit';
 *
 * try {
 *   const events = decodeEventList(JSON.parse(body));
 * } catch (err) {
 *   if (isAuditDecodeError(err)) res.status(400).end(err.message);
 * }
 * ```
 *
 * @param input Parsed JSON — anything.
 * @returns The items as `audit.k8s.io/v1` events, in order.
 * @throws {AuditDecodeError} listing the offending paths of the list and its items — the first
 * `MAX_REPORTED_PROBLEMS`, then how many more (a message of a few KB whatever the input), e.g.
 * `items.3.stage: expected one of RequestReceived|ResponseStarted|ResponseComplete|Panic, got "Halfway"`.
 */
export function decodeEventList(input: unknown): AuditEvent[] {
  const errors = new ProblemList();
  if (!isObject(input)) {
    throw new AuditDecodeError('audit EventList', [expectedLine('', 'an object', input)]);
  }
  const { kind, apiVersion, metadata, items } = input;
  if (kind !== undefined && kind !== 'EventList') {
    errors.push(expectedLine('kind', '"EventList"', kind));
  }
  let version: GroupVersion = DEFAULT_GROUP_VERSION;
  if (isGroupVersion(apiVersion)) version = apiVersion;
  else if (apiVersion !== undefined) {
    errors.push(expectedLine('apiVersion', `one of ${GROUP_VERSIONS.join('|')}`, apiVersion));
  }
  if (metadata !== undefined && metadata !== null && !isObject(metadata)) {
    errors.push(expectedLine('metadata', 'an object or null', metadata));
  }
  // As Go's decoder: `null` or no `items` is an empty list (Go writes an empty list as `null`).
  const list: unknown = items ?? [];
  if (!Array.isArray(list)) {
    errors.push(expectedLine('items', 'an array', items));
    throw new AuditDecodeError('audit EventList', errors.lines, errors.omitted);
  }
  const events = new Array<AuditEvent>(list.length);
  for (let i = 0; i < list.length; i++) {
    const event = decodeItem(list[i], `items.${i}`, version, errors);
    if (event !== undefined) events[i] = event;
  }
  if (errors.count > 0) throw new AuditDecodeError('audit EventList', errors.lines, errors.omitted);
  return events;
}
