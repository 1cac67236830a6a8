import { deepStrictEqual } from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';

/**
 * A fresh `TestScheduler` whose marble assertions compare with Node's `assert.deepStrictEqual` — ready for
 * `run(({ cold, hot, expectObservable, expectSubscriptions }) => …)` in any test runner (vitest, jest, mocha,
 * `node:test`): a mismatch throws an `AssertionError` with a diff of the frames.
 *
 * ## Example
 *
 * ```ts
 * import { batchEvents } from 'rx-audit';
 * import { createTestScheduler } from 'rx-audit/testing';
 *
 * createTestScheduler().run(({ cold, expectObservable }) => {
 *   const source = cold('-a-b-c|');
 *   expectObservable(source.pipe(batchEvents({ maxBatchSize: 2 }))).toBe('---x--(y|)', {
 *     x: ['a', 'b'],
 *     y: ['c'],
 *   });
 * });
 * ```
 *
 * @param assertDeepEqual Compares actual with expected frames and throws on a mismatch; pass your runner's
 * matcher (`(a, e) => expect(a).toEqual(e)`) for its diff style or looser equality.
 * @default assertDeepEqual `deepStrictEqual` from `node:assert/strict`
 * @returns A new `TestScheduler` (use one per test).
 */
export function createTestScheduler(
  assertDeepEqual: (actual: unknown, expected: unknown) => boolean | void = (actual, expected) => {
    deepStrictEqual(actual, expected);
  },
): TestScheduler {
  return new TestScheduler(assertDeepEqual);
}
