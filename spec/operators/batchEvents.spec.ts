import fc from 'fast-check';
import { NEVER, Subject, bufferTime, filter } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { batchEvents } from '../../src/operators/batchEvents.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('batchEvents', () => {
  it('cuts a batch as soon as it holds maxBatchSize events, and emits the rest on completion', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -a-b-c-d-e-|');
      const expected = '   -----x-----(y|)';
      expectObservable(source.pipe(batchEvents({ maxBatchSize: 3, maxBatchWait: 100 }))).toBe(expected, {
        x: ['a', 'b', 'c'],
        y: ['d', 'e'],
      });
      expectSubscriptions(source.subscriptions).toBe('^----------!');
    });
  });

  it('cuts a batch when maxBatchWait passes after the window opened', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // window [0,5) → [a,b] at 5; c arrives at 10, the instant window [5,10) ends: like bufferTime, it
      // joins that window, which closes at once.
      const source = cold(' -a-b------c-|');
      const expected = '   -----x----y-|';
      expectObservable(source.pipe(batchEvents({ maxBatchSize: 10, maxBatchWait: 5 }))).toBe(expected, {
        x: ['a', 'b'],
        y: ['c'],
      });
    });
  });

  it('never emits an empty batch, however long it idles', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold(' -a 200ms b 300ms |');
      // a at 1 → window [0,50) → out at 50; b at 202 → window [200,250) → out at 250; idle windows emit nothing.
      const expected = '   50ms x 199ms y 252ms |';
      expectObservable(source.pipe(batchEvents({ maxBatchSize: 10, maxBatchWait: 50 }))).toBe(expected, {
        x: ['a'],
        y: ['b'],
      });
    });
  });

  it('restarts the window after a size cut (the next time cut counts from the cut, not from the start)', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // a,b at 0,1: size cut at 1 → new window [1,11) → c (at 4) goes out at 11, not at 10.
      const source = cold(' ab--c 20ms |');
      const expected = '   -x 9ms y 13ms |';
      expectObservable(source.pipe(batchEvents({ maxBatchSize: 2, maxBatchWait: 10 }))).toBe(expected, {
        x: ['a', 'b'],
        y: ['c'],
      });
    });
  });

  it('restarts the window after a time cut too', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // a at 2 → out at 10 (window [0,10)); b at 13 → window [10,20) → out at 20; c at 23 → out at 30.
      const source = cold(' --a 10ms b 9ms c 10ms |');
      const expected = '   10ms x 9ms y 9ms z 3ms |';
      expectObservable(source.pipe(batchEvents({ maxBatchSize: 10, maxBatchWait: 10 }))).toBe(expected, {
        x: ['a'],
        y: ['b'],
        z: ['c'],
      });
    });
  });

  it('behaves like bufferTime(maxBatchWait, null, maxBatchSize) with empty batches filtered out', () => {
    const marbles = [
      '-a-b-c-d-e-f-g-h-i-|',
      'abcdefg 30ms h 7ms ij 50ms k|',
      '-a 13ms b 27ms c 1ms d 60ms e 3ms f|',
      '--ab 8ms cde 3ms f 100ms ghij|',
    ];
    for (const marble of marbles) {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold(marble);
        const reference = source.pipe(
          bufferTime(10, null, 3),
          filter((batch) => batch.length > 0),
        );
        const ours = source.pipe(batchEvents({ maxBatchSize: 3, maxBatchWait: 10 }));
        expectObservable(ours).toEqual(reference);
      });
    }
  });

  it('matches bufferTime + filter for random streams, sizes and waits (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(30), { maxLength: 25 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 20 }),
        (gaps, maxBatchSize, maxBatchWait) => {
          // one event after each gap (in ms), then completion
          const marble =
            gaps
              .map((gap, i) => `${gap > 0 ? `${gap}ms ` : ''}${String.fromCharCode(97 + (i % 26))}`)
              .join(' ') + ' |';
          scheduler().run(({ cold, expectObservable }) => {
            const source = cold(marble);
            expectObservable(source.pipe(batchEvents({ maxBatchSize, maxBatchWait }))).toEqual(
              source.pipe(
                bufferTime(maxBatchWait, null, maxBatchSize),
                filter((batch) => batch.length > 0),
              ),
            );
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('emits the partial batch when the flush notifier emits, and restarts the window', () => {
    scheduler().run(({ cold, hot, expectObservable }) => {
      const source = cold(' -a-b------c----|');
      const flush = hot('  ----f------------');
      // flush at 4 cuts [a,b]; window restarts at 4 → c (at 10) is in window [4,14) → out at 14.
      const expected = '   ----x---------y|';
      expectObservable(source.pipe(batchEvents({ maxBatchSize: 10, maxBatchWait: 10, flush }))).toBe(
        expected,
        {
          x: ['a', 'b'],
          y: ['c'],
        },
      );
    });
  });

  it('ignores a flush while empty', () => {
    scheduler().run(({ cold, hot, expectObservable }) => {
      const source = cold(' ------a|');
      const flush = hot('  -f-f----');
      expectObservable(source.pipe(batchEvents({ maxBatchSize: 10, maxBatchWait: 100, flush }))).toBe(
        '                  -------(x|)',
        { x: ['a'] },
      );
    });
  });

  it('passes empty and never through unchanged', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('|').pipe(batchEvents())).toBe('|');
      expectObservable(NEVER.pipe(batchEvents({ maxBatchWait: 5 })), '^ 100ms !').toBe('-');
    });
  });

  it('forwards a source error (the partial batch is not emitted)', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-#').pipe(batchEvents({ maxBatchWait: 100 }))).toBe('---#');
    });
  });

  it('cancels its timer and the source on early unsubscribe', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a 20ms b|');
      expectObservable(source.pipe(batchEvents({ maxBatchWait: 10 })), '^-----!').toBe('-');
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('with maxBatchWait Infinity emits only full batches and the rest on completion', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(
        cold('-a 1000ms bc 5000ms |').pipe(batchEvents({ maxBatchSize: 2, maxBatchWait: Infinity })),
      ).toBe('-- 1000ms x 5001ms (y|)', { x: ['a', 'b'], y: ['c'] });
    });
  });

  it('keeps order and loses nothing when a batch triggers re-entrant pushes', () => {
    const input = new Subject<number>();
    const out: number[][] = [];
    input.pipe(batchEvents({ maxBatchSize: 2, maxBatchWait: Infinity })).subscribe((batch) => {
      out.push(batch);
      if (batch[0] === 1) input.next(5);
    });
    for (const n of [1, 2, 3, 4]) input.next(n);
    input.complete();
    expect(out).toEqual([[1, 2], [5, 3], [4]]);
  });

  it('rejects invalid limits with a message naming the option and value', () => {
    expect(() => batchEvents({ maxBatchSize: 0 })).toThrow(
      'maxBatchSize must be a positive integer or Infinity, got 0',
    );
    expect(() => batchEvents({ maxBatchSize: 1.5 })).toThrow('got 1.5');
    expect(() => batchEvents({ maxBatchWait: -1 })).toThrow(
      'maxBatchWait must be a non-negative number of milliseconds or Infinity, got -1',
    );
  });
});
