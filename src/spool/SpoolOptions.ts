import type { SpoolOptions } from '../contract/options.js';
import { fail, positiveInteger, positiveNumber } from '../util/validateOptions.js';

/** {@link SpoolOptions} with every default applied and every value checked. */
export type ResolvedSpoolOptions = Readonly<Required<SpoolOptions>>;

/** The spool's defaults (`dir` has none). */
export const SPOOL_DEFAULTS: Readonly<Required<Omit<SpoolOptions, 'dir'>>> = Object.freeze({
  maxBytes: 268_435_456,
  sync: 'interval',
  syncIntervalMs: 1000,
});

/**
 * Applies {@link SPOOL_DEFAULTS} and validates; messages name the field (`spool.maxBytes must be a positive
 * integer, got 0`).
 */
export function resolveSpoolOptions(options: unknown, name = 'spool'): ResolvedSpoolOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail(name, 'an object', options);
  }
  const o = options as Record<string, unknown>;
  const dir = o['dir'];
  if (typeof dir !== 'string' || dir.trim() === '') fail(`${name}.dir`, 'a non-empty string', dir);
  const maxBytes = positiveInteger(`${name}.maxBytes`, o['maxBytes'] ?? SPOOL_DEFAULTS.maxBytes);
  const sync = o['sync'] ?? SPOOL_DEFAULTS.sync;
  if (sync !== 'always' && sync !== 'interval') fail(`${name}.sync`, `'always' or 'interval'`, sync);
  const syncIntervalMs = positiveNumber(
    `${name}.syncIntervalMs`,
    o['syncIntervalMs'] ?? SPOOL_DEFAULTS.syncIntervalMs,
  );
  return { dir, maxBytes, sync, syncIntervalMs };
}
