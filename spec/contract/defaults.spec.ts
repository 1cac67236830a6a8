import { describe, expect, it } from 'vitest';
import * as root from '../../src/index.js';
import * as express from '../../src/express/index.js';
import * as nats from '../../src/nats/index.js';
import * as nest from '../../src/nest/index.js';
import * as testing from '../../src/testing/index.js';
import { SERVE_DEFAULTS } from '../../src/cli/serveDefaults.js';

/** Every exported `…_DEFAULTS` of each entry point, and the CLI's, by name. */
const defaults: Array<[string, unknown]> = [
  ...Object.entries({ root, express, nats, nest, testing }).flatMap(([entry, api]) =>
    Object.entries(api)
      .filter(([name]) => name.endsWith('_DEFAULTS'))
      .map(([name, value]): [string, unknown] => [`${entry}.${name}`, value]),
  ),
  ['cli.SERVE_DEFAULTS', SERVE_DEFAULTS],
];

/** The paths of the objects and arrays in `value` (itself included) that are not frozen. */
function unfrozen(value: unknown, path: string): string[] {
  if (typeof value !== 'object' || value === null) return [];
  // A scheduler is a live object a default points to, not part of the default's own data.
  if (!Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype) return [];
  const own = Object.isFrozen(value) ? [] : [path];
  return [...own, ...Object.entries(value).flatMap(([key, v]) => unfrozen(v, `${path}.${key}`))];
}

describe('exported defaults', () => {
  it('are found in every entry point that has them', () => {
    const names = defaults.map(([name]) => name);
    for (const name of [
      'root.BATCH_DEFAULTS',
      'root.HTTP_SENDER_DEFAULTS',
      'root.METRICS_DEFAULTS',
      'root.TRUNCATE_DEFAULTS',
      'express.AUDIT_REQUEST_DEFAULTS',
      'nats.AUDIT_STREAM_DEFAULTS',
      'testing.RECEIVER_DEFAULTS',
    ]) {
      expect(names).toContain(name);
    }
  });

  it.each(defaults)('%s is frozen, with every object and array in it', (name, value) => {
    // A user who changes a default (a bucket pushed onto METRICS_DEFAULTS) would change it for every caller.
    expect(unfrozen(value, name)).toEqual([]);
  });
});
