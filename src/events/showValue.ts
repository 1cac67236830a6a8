// Not public: the one way an offending value appears in a message (decode errors, kubeconfig, policy, options).

/**
 * How much of an offending value a message may show:
 * - `'value'`: primitives as literals (strings quoted and cut at {@link MAX_SHOWN_STRING} characters),
 *   arrays, objects and functions by kind only — for event fields, policies and options;
 * - `'kind'`: the kind only, never the value (`a string`, `a number`) — for input that may hold secrets,
 *   such as a kubeconfig or a webhook target.
 */
export type ValueDisplay = 'value' | 'kind';

/** The longest string {@link showValue} shows, in characters; a longer one is cut and ends with `...`. */
export const MAX_SHOWN_STRING = 60;

/**
 * Renders an offending value for an error message, bounded: a message never carries an event body, a
 * large object or (with `'kind'`) any value at all.
 *
 * | value                  | `'value'`                 | `'kind'`       |
 * | ---------------------- | ------------------------- | -------------- |
 * | `undefined`            | `nothing`                 | `nothing`      |
 * | `null`                 | `null`                    | `null`         |
 * | `"Halfway"`            | `"Halfway"` (cut at 60)   | `a string`     |
 * | `7`, `true`, `10n`     | `7`, `true`, `10n`        | `a number`, `a boolean`, `a bigint` |
 * | `[1]`, `{}`, a Buffer  | `an array`, `an object`, `a Buffer` | the same |
 *
 * @param value The offending value.
 * @param display Whether the value may be shown or only its kind.
 * @default display `'value'`
 * @returns The value (at most {@link MAX_SHOWN_STRING} characters of a string) or its kind.
 */
export function showValue(value: unknown, display: ValueDisplay = 'value'): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (display === 'value') {
    switch (typeof value) {
      case 'string':
        return JSON.stringify(
          value.length > MAX_SHOWN_STRING ? `${value.slice(0, MAX_SHOWN_STRING - 3)}...` : value,
        );
      case 'number':
      case 'boolean':
        return String(value);
      case 'bigint':
        return `${value}n`;
    }
  }
  if (Array.isArray(value)) return 'an array';
  if (typeof Buffer !== 'undefined' && Buffer.isBuffer(value)) return 'a Buffer';
  const kind = typeof value;
  return kind === 'object' ? 'an object' : `a ${kind}`;
}
