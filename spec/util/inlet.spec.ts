import type { Observable } from 'rxjs';
import { Subject, bufferCount, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { inlet } from '../../src/util/inlet.js';
import { withSynchronousErrorHandling } from '../helpers/fixtures.js';

describe('inlet', () => {
  it('hands values on as a Subject does, a re-entrant one at once (same script, same batches)', () => {
    const script = (feed: { next(n: number): void }, source$: Observable<number>): number[][] => {
      const seen: number[][] = [];
      source$.pipe(bufferCount(2)).subscribe((pair) => {
        seen.push(pair);
        if (pair[0] === 1) feed.next(5); // re-entrant, from inside a value
      });
      [1, 2, 3, 4, 6].forEach((n) => feed.next(n));
      return seen;
    };
    const subject = new Subject<number>();
    const source = inlet<number>();
    const viaInlet = script(source, source.source$);
    expect(viaInlet).toEqual(script(subject, subject));
    expect(viaInlet).toEqual([
      [1, 2],
      [5, 3],
      [4, 6],
    ]);
  });

  it('drops values while nobody is subscribed, as a Subject with no observers does', () => {
    const source = inlet<number>();
    source.next(1);
    const seen: number[] = [];
    const subscription = source.source$.subscribe((n) => seen.push(n));
    source.next(2);
    subscription.unsubscribe();
    source.next(3);
    source.source$.subscribe((n) => seen.push(n)); // a later subscriber, after the first left
    source.next(4);
    expect(seen).toEqual([2, 4]);
  });

  it('completes its subscriber, and a subscriber after complete() at once; nothing is delivered after it', () => {
    const source = inlet<number>();
    const events: string[] = [];
    source.source$.subscribe({ next: (n) => events.push(`a${n}`), complete: () => events.push('a done') });
    source.next(1);
    source.complete();
    source.next(2);
    source.source$.subscribe({ next: (n) => events.push(`b${n}`), complete: () => events.push('b done') });
    expect(events).toEqual(['a1', 'a done', 'b done']);
  });

  it('stops at an unsubscribe from inside a value (take)', () => {
    const source = inlet<number>();
    const seen: number[] = [];
    source.source$.pipe(take(2)).subscribe((n) => seen.push(n));
    [1, 2, 3].forEach((n) => source.next(n));
    const later: number[] = [];
    source.source$.subscribe((n) => later.push(n)); // the take ended: room for a new subscriber
    source.next(4);
    expect({ seen, later }).toEqual({ seen: [1, 2], later: [4] });
  });

  it('gives a second subscriber an error while the first is subscribed, and the first keeps its values', () => {
    const source = inlet<number>();
    const first: number[] = [];
    source.source$.subscribe((n) => first.push(n));
    const errors: string[] = [];
    source.source$.subscribe({ error: (e: Error) => errors.push(e.message) });
    source.next(1);
    expect({ first, errors }).toEqual({ first: [1], errors: ['an inlet takes one subscriber at a time'] });
  });

  it("throws a subscriber's error back out of next() under rxjs' deprecated synchronous error handling, as a Subject does", async () => {
    await withSynchronousErrorHandling(() => {
      const thrown = (feed: { next(n: number): void }, source$: Observable<number>): unknown => {
        source$.subscribe((n) => {
          if (n === 2) throw new Error(`subscriber bug at ${n}`);
        });
        feed.next(1);
        try {
          feed.next(2);
        } catch (error) {
          return (error as Error).message;
        }
        return 'nothing thrown';
      };
      const subject = new Subject<number>();
      const source = inlet<number>();
      expect(thrown(source, source.source$)).toBe('subscriber bug at 2');
      expect(thrown(subject, subject)).toBe('subscriber bug at 2');
    });
  });
});
