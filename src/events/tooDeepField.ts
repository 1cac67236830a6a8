/**
 * How deeply objects and arrays may nest inside one audit event, the event itself counting as level 1.
 * Deeper events are refused by the decoders with an `AuditDecodeError` naming the field: JavaScript's
 * `JSON.stringify` and `structuredClone` recurse and overflow the stack a few thousand levels down (Go's
 * decoder allows 10 000), so an event the library accepted could not be stored or sent.
 *
 * ## Example
 * ```ts
 * import { MAX_EVENT_DEPTH } from 'rx-audit';
 *
 * console.log(MAX_EVENT_DEPTH); // 1000
 * ```
 */
export const MAX_EVENT_DEPTH = 1000;

/** Whether `value`, found at nesting level `depth`, holds objects or arrays nested past `MAX_EVENT_DEPTH`. */
function exceeds(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (depth > MAX_EVENT_DEPTH) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (exceeds(value[i], depth + 1)) return true;
    return false;
  }
  // Recursion stops at MAX_EVENT_DEPTH frames, far from the stack's limit; a cycle counts as too deep.
  for (const key in value) {
    if (exceeds((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

/**
 * Not public: the first top-level field of `event` whose value nests deeper than {@link MAX_EVENT_DEPTH}
 * levels (counting the event as 1), or `undefined` when there is none.
 */
export function tooDeepField(event: Record<string, unknown>): string | undefined {
  for (const key in event) {
    if (exceeds(event[key], 2)) return key;
  }
  return undefined;
}
