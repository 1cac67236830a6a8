import { AssertionError } from 'node:assert';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { batchEvents } from '../../src/operators/batchEvents.js';
import { createTestScheduler } from '../../src/testing/createTestScheduler.js';

describe('createTestScheduler', () => {
  it('gives a fresh TestScheduler at frame 0 each call', () => {
    const a = createTestScheduler();
    const b = createTestScheduler();
    expect(a).toBeInstanceOf(TestScheduler);
    expect(a).not.toBe(b);
    expect(a.now()).toBe(0);
  });

  it('passes a marble assertion that holds (virtual time: 5 s take no time)', () => {
    const started = Date.now();
    createTestScheduler().run(({ cold, expectObservable }) => {
      // a at 1 → window [0,1000) → out at 1000; b at 5002 → out when the source completes at 5003
      const source = cold('-a 5s b|');
      expectObservable(source.pipe(batchEvents({ maxBatchSize: 10, maxBatchWait: 1_000 }))).toBe(
        '1s x 4002ms (y|)',
        { x: ['a'], y: ['b'] },
      );
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('throws an AssertionError naming the differing frame when a marble assertion fails', () => {
    let thrown: unknown;
    try {
      createTestScheduler().run(({ cold, expectObservable }) => {
        expectObservable(cold('-a|').pipe(map((x) => x.toUpperCase()))).toBe('-a|');
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AssertionError);
    expect((thrown as Error).message).toContain("'A'");
  });

  it('compares strictly by default (1 is not "1")', () => {
    expect(() =>
      createTestScheduler().run(({ cold, expectObservable }) => {
        expectObservable(cold('-a|', { a: 1 })).toBe('-a|', { a: '1' });
      }),
    ).toThrow(AssertionError);
  });

  it('uses the matcher it is given', () => {
    const seen: unknown[] = [];
    createTestScheduler((actual, expected) => {
      seen.push(actual, expected);
    }).run(({ cold, expectObservable }) => {
      expectObservable(cold('-a|')).toBe('-b|');
    });
    expect(seen).toHaveLength(2);
    expect(seen[0]).not.toEqual(seen[1]);
  });
});
