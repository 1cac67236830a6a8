import { showValue } from '../events/showValue.js';

/**
 * A thrown value as an Error for a report: an Error as it is, a string as its text, anything else named as every
 * message names a value (`a non-Error was thrown: an object`, not `[object Object]`), the value as its `cause`.
 */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'string') return new Error(value);
  return new Error(`a non-Error was thrown: ${showValue(value)}`, { cause: value });
}

/** The text of a thrown value for a message: {@link toError}'s message (an Error's own, a string, or the value named). */
export function errorMessage(value: unknown): string {
  return toError(value).message;
}
