import { showValue } from '../events/showValue.js';

/** The compressions an HTTP sender can apply to POST bodies, in the order messages list them. */
export const COMPRESSIONS = ['none', 'gzip'] as const;

/**
 * How POST bodies travel: `'none'`, or `'gzip'` — compressed off the event loop's main thread (zlib's async
 * API runs on the libuv threadpool) and sent with `Content-Encoding: gzip`, once per batch whatever the retries.
 */
export type Compression = (typeof COMPRESSIONS)[number];

/**
 * Checks a `compression` option and throws a message naming the field and the bad value.
 *
 * @param value The option's value; `undefined` means `'none'`.
 * @param field The name used in the message.
 * @default field `'compression'`
 * @returns The compression.
 * @throws TypeError for anything but `'none'`, `'gzip'` or `undefined`.
 */
export function resolveCompression(value: unknown, field = 'compression'): Compression {
  if (value === undefined) return 'none';
  if (value === 'none' || value === 'gzip') return value;
  throw new TypeError(`${field} must be one of ${COMPRESSIONS.join('|')}, got ${showValue(value)}`);
}
