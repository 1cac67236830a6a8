import { EMPTY, Subject, defer, of, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { mergeMapFlat } from '../../src/util/mergeMapFlat.js';

describe('mergeMapFlat', () => {
  it('runs a backlog of inners that end during their own subscribe as a loop: every one, in order', () => {
    const input = new Subject<number>();
    const gate = new Subject<number>();
    const out: number[] = [];
    input.pipe(mergeMapFlat((n) => (n === 0 ? gate : defer(() => of(n))), 1)).subscribe((n) => out.push(n));
    for (let n = 0; n <= 10_000; n++) input.next(n);
    gate.complete(); // the first ends: the other 10 000 run one after another
    expect(out).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
  });

  it('keeps the concurrency bound and subscribes at once outside another subscribe', () => {
    const started: number[] = [];
    const gates = [new Subject<void>(), new Subject<void>(), new Subject<void>()];
    const input = new Subject<number>();
    input.pipe(mergeMapFlat((n) => (started.push(n), gates[n]!), 2)).subscribe();
    input.next(0);
    expect(started).toEqual([0]);
    input.next(1);
    input.next(2);
    expect(started).toEqual([0, 1]);
    gates[0]!.complete();
    expect(started).toEqual([0, 1, 2]);
  });

  it("errors the stream with a project's throw, as mergeMap does, and a later pipeline still runs", () => {
    const operator = mergeMapFlat((n: number) => (n === 2 ? throwError(() => new Error('two')) : EMPTY), 1);
    const errors: string[] = [];
    const input = new Subject<number>();
    input.pipe(operator).subscribe({ error: (e: Error) => errors.push(e.message) });
    [1, 2, 3].forEach((n) => input.next(n));
    expect(errors).toEqual(['two']);
    const seen: number[] = [];
    const again = new Subject<number>();
    again.pipe(mergeMapFlat((n: number) => of(n), 1)).subscribe((n) => seen.push(n));
    again.next(7);
    expect(seen).toEqual([7]);
  });
});
