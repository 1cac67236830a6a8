import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { throttleBatches } from '../../src/util/throttleBatches.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('throttleBatches (token bucket, one token per value)', () => {
  it('lets `burst` values through at once, then one every 1000/qps ms, in order', () => {
    const t = scheduler();
    t.run(({ cold, expectObservable }) => {
      // qps 10 → one token per 100 ms; burst 3.
      const source = cold('(abcdef|)');
      expectObservable(source.pipe(throttleBatches({ qps: 10, burst: 3 }, t))).toBe(
        '(abc) 95ms d 99ms e 99ms (f|)',
      );
    });
  });

  it('refills while idle, never beyond burst', () => {
    const t = scheduler();
    t.run(({ cold, expectObservable }) => {
      // burst 2, qps 10: a,b at 0 empty the bucket; after 1 s idle only 2 tokens are back, so e waits 100 ms.
      const source = cold('(ab) 996ms (cde)|');
      expectObservable(source.pipe(throttleBatches({ qps: 10, burst: 2 }, t))).toBe(
        '(ab) 996ms (cd) 96ms (e|)',
      );
    });
  });

  it('passes values straight through while tokens last', () => {
    const t = scheduler();
    t.run(({ cold, expectObservable }) => {
      const source = cold('a 99ms b 99ms c|');
      expectObservable(source.pipe(throttleBatches({ qps: 10, burst: 1 }, t))).toBe('a 99ms b 99ms c|');
    });
  });

  it('spaces values at 1000/qps even for a fractional interval', () => {
    const t = scheduler();
    const times: number[] = [];
    t.run(({ cold, flush }) => {
      cold('(abcd|)')
        .pipe(throttleBatches({ qps: 3, burst: 1 }, t))
        .subscribe(() => times.push(t.now()));
      flush();
    });
    expect(times.map((x) => Math.round(x))).toEqual([0, 333, 667, 1000]);
  });

  it('forwards errors and stops its timer on unsubscribe', () => {
    const t = scheduler();
    t.run(({ cold, expectObservable }) => {
      expectObservable(cold('(ab)#').pipe(throttleBatches({ qps: 1, burst: 1 }, t))).toBe('a---#');
      expectObservable(cold('(ab|)').pipe(throttleBatches({ qps: 1, burst: 1 }, t)), '^ 10ms !').toBe('a');
    });
  });
});
