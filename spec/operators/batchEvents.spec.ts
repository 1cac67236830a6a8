import fc from 'fast-check';
import type { SchedulerLike } from 'rxjs';
import { NEVER, Subject, bufferTime, filter, from, lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { encodeEventList } from '../../src/events/encodeEventList.js';
import type { AuditEvent } from '../../src/events/Event.js';
import { EVENT_LIST_ENVELOPE_BYTES, batchEvents, jsonByteLength } from '../../src/operators/batchEvents.js';
import { arbitraryEvent } from '../events/arbitraryEvent.js';
import { corpusEvents } from '../helpers/corpus.js';

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

  it('keeps one window timer across back-to-back size cuts, and still times each window from its cut', () => {
    const t = scheduler();
    let timers = 0;
    const schedule = (...args: Parameters<TestScheduler['schedule']>) => (timers++, t.schedule(...args));
    const counting = { now: () => t.now(), schedule } as SchedulerLike;
    t.run(({ cold, expectObservable }) => {
      // Size cuts at 2, 5, 8 and 11; m at 12 is in the window opened by the cut at 11, so it goes at 31. The
      // timer set at subscription (due at 20) outlives the cuts and then times m's window: two timers in all,
      // where setting one per window took five.
      const source = cold(' abcdefghijklm 27ms |');
      const expected = '     --w--x--y--z 19ms v 8ms |';
      expectObservable(
        source.pipe(batchEvents({ maxBatchSize: 3, maxBatchWait: 20, scheduler: counting })),
      ).toBe(expected, {
        w: ['a', 'b', 'c'],
        x: ['d', 'e', 'f'],
        y: ['g', 'h', 'i'],
        z: ['j', 'k', 'l'],
        v: ['m'],
      });
    });
    expect(timers).toBe(2);
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

describe('batchEvents with maxBatchBytes', () => {
  // Each value's bytes are its string length, and the envelope is 2 bytes (like `[]`), so a batch of n strings
  // counts 2 + Σ lengths + (n − 1) commas — the sums in the comments below.
  const v = { a: 'aaa', b: 'bbbb', c: 'cc', d: 'dddddddddd', e: 'e' };
  const bytes = { maxBatchBytes: 10, envelopeBytes: 2, byteLength: (s: string) => s.length };

  it('cuts before the event that would make the batch pass the limit', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // a → 2+3 = 5; c → 5+1+2 = 8; b → 8+1+4 = 13 > 10: [a,c] goes out when b arrives; b waits for completion.
      const source = cold(' -a-c-b-|', v);
      const expected = '   -----x-(y|)';
      expectObservable(source.pipe(batchEvents({ ...bytes, maxBatchSize: 10, maxBatchWait: 100 }))).toBe(
        expected,
        { x: ['aaa', 'cc'], y: ['bbbb'] },
      );
    });
  });

  it('emits a batch at once when it reaches the limit exactly', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // a → 5; b → 5+1+4 = 10: full, nothing more can fit (a next item adds at least its comma).
      const source = cold(' -a-b---|', v);
      const expected = '   ---x---|';
      expectObservable(source.pipe(batchEvents({ ...bytes, maxBatchSize: 10, maxBatchWait: 100 }))).toBe(
        expected,
        { x: ['aaa', 'bbbb'] },
      );
    });
  });

  it('emits an event that alone passes the limit in a batch of its own, at once', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // a → 5; d alone is 2+10 = 12 > 10: [a] is cut, then [d] goes out by itself; c starts a new batch.
      const source = cold(' -a-d-c-|', v);
      const expected = '   ---(xy)(z|)';
      expectObservable(source.pipe(batchEvents({ ...bytes, maxBatchSize: 10, maxBatchWait: 100 }))).toBe(
        expected,
        { x: ['aaa'], y: ['dddddddddd'], z: ['cc'] },
      );
    });
  });

  it('still cuts by count when the bytes allow more', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold(' -e-e-e-e-e-|', v);
      const expected = '   ---x---y---(z|)';
      expectObservable(
        source.pipe(batchEvents({ ...bytes, maxBatchBytes: 1000, maxBatchSize: 2, maxBatchWait: 100 })),
      ).toBe(expected, { x: ['e', 'e'], y: ['e', 'e'], z: ['e'] });
    });
  });

  it('still cuts by time, and a byte cut restarts the window', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // a at 1 → window [0,10) → out at 10. b at 12 (6), b at 15 would make 11: byte cut at 15 → the window
      // restarts: [15,25) → the second b goes out at 25, not at 20.
      const source = cold(' -a 10ms b--b 20ms |', v);
      const expected = '   10ms x 4ms y 9ms z 10ms |';
      expectObservable(source.pipe(batchEvents({ ...bytes, maxBatchSize: 10, maxBatchWait: 10 }))).toBe(
        expected,
        { x: ['aaa'], y: ['bbbb'], z: ['bbbb'] },
      );
    });
  });

  it('mixes count, byte and time cuts in one stream', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // 0–2: e,e,e → count cut at 2 (maxBatchSize 3). 3: a (5), 4: b → 10, byte-full at 4.
      // 5: c (4), 6: d → cut [c] at 6, [d] alone at 6. 8: e → window [6,26) → out at 26. Then complete at 40.
      const source = cold(' eeeabcd-e 31ms |', v);
      const expected = '   --x-y-(zw) 16ms u 13ms |';
      expectObservable(source.pipe(batchEvents({ ...bytes, maxBatchSize: 3, maxBatchWait: 20 }))).toBe(
        expected,
        {
          x: ['e', 'e', 'e'],
          y: ['aaa', 'bbbb'],
          z: ['cc'],
          w: ['dddddddddd'],
          u: ['e'],
        },
      );
    });
  });

  it('starts counting bytes afresh after a flush', () => {
    scheduler().run(({ cold, hot, expectObservable }) => {
      // a at 1 (5); flush at 2 cuts [a]; then a (5) and b (10) fit together: out at once when full, at 4.
      const source = cold(' -a-ab----|', v);
      const flush = hot('  --f-------');
      const expected = '   --x-y----|';
      expectObservable(
        source.pipe(batchEvents({ ...bytes, maxBatchSize: 10, maxBatchWait: 100, flush })),
      ).toBe(expected, { x: ['aaa'], y: ['aaa', 'bbbb'] });
    });
  });

  it('never calls byteLength when maxBatchBytes is absent', () => {
    let calls = 0;
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-|', v);
      const config = { maxBatchWait: 100, byteLength: (s: string) => (calls++, s.length) };
      expectObservable(source.pipe(batchEvents(config))).toBe('-----(x|)', { x: ['aaa', 'bbbb'] });
    });
    expect(calls).toBe(0);
  });

  it('counts by default exactly the bytes of JSON.stringify(encodeEventList(batch)) (corpus events)', async () => {
    const events = corpusEvents().slice(0, 300);
    const bodyBytes = (batch: readonly AuditEvent[]) =>
      Buffer.byteLength(JSON.stringify(encodeEventList(batch)));
    expect(bodyBytes([])).toBe(EVENT_LIST_ENVELOPE_BYTES);
    for (const maxBatchBytes of [200, 5_000, 64_000]) {
      const batches = await lastValueFrom(
        from(events).pipe(
          batchEvents<AuditEvent>({ maxBatchBytes, maxBatchSize: Infinity, maxBatchWait: Infinity }),
          toArray(),
        ),
      );
      expect(batches.flat()).toEqual(events);
      for (const [i, batch] of batches.entries()) {
        // Within the limit, or a single event that alone passes it.
        if (batch.length > 1) expect(bodyBytes(batch)).toBeLessThanOrEqual(maxBatchBytes);
        else expect(batch.length).toBe(1);
        // Cut only when needed: the next batch's first event would not have fit.
        const next = batches[i + 1];
        if (next !== undefined) {
          expect(bodyBytes([...batch, next[0] as AuditEvent])).toBeGreaterThan(maxBatchBytes);
        }
      }
      if (maxBatchBytes === 200) expect(batches.every((b) => b.length === 1)).toBe(true);
      else expect(batches.length).toBeLessThan(events.length);
    }
  });

  it('keeps every batch within the limit, loses nothing and cuts only when needed (property)', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryEvent, { maxLength: 30 }),
        fc.integer({ min: 50, max: 4_000 }),
        fc.integer({ min: 1, max: 8 }),
        (events, maxBatchBytes, maxBatchSize) => {
          const out: AuditEvent[][] = [];
          from(events)
            .pipe(batchEvents<AuditEvent>({ maxBatchBytes, maxBatchSize, maxBatchWait: Infinity }))
            .subscribe((batch) => out.push(batch));
          expect(out.flat()).toEqual(events);
          const body = (batch: readonly AuditEvent[]) =>
            EVENT_LIST_ENVELOPE_BYTES + batch.reduce((n, e) => n + jsonByteLength(e), 0) + batch.length - 1;
          for (const [i, batch] of out.entries()) {
            expect(batch.length).toBeGreaterThan(0);
            expect(batch.length).toBeLessThanOrEqual(maxBatchSize);
            if (batch.length > 1) expect(body(batch)).toBeLessThanOrEqual(maxBatchBytes);
            const next = out[i + 1];
            if (next !== undefined && batch.length < maxBatchSize) {
              expect(body([...batch, next[0] as AuditEvent])).toBeGreaterThan(maxBatchBytes);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('with a limit never reached, matches bufferTime + filter (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(30), { maxLength: 25 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 20 }),
        (gaps, maxBatchSize, maxBatchWait) => {
          const marble =
            gaps
              .map((gap, i) => `${gap > 0 ? `${gap}ms ` : ''}${String.fromCharCode(97 + (i % 26))}`)
              .join(' ') + ' |';
          scheduler().run(({ cold, expectObservable }) => {
            const source = cold(marble);
            expectObservable(
              source.pipe(batchEvents({ maxBatchSize, maxBatchWait, maxBatchBytes: 1_000_000 })),
            ).toEqual(
              source.pipe(
                bufferTime(maxBatchWait, null, maxBatchSize),
                filter((batch) => batch.length > 0),
              ),
            );
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('keeps arrival order and the byte bound when a batch triggers re-entrant pushes', () => {
    const input = new Subject<string>();
    const out: string[][] = [];
    input.pipe(batchEvents({ ...bytes, maxBatchSize: 100, maxBatchWait: Infinity })).subscribe((batch) => {
      out.push(batch);
      if (batch[0] === 'aaa') input.next('bbbb'); // pushed while [aaa] is emitted, after dddddddddd arrived
    });
    input.next('aaa'); // 5
    // Cuts [aaa] and opens [dddddddddd] (12, past the limit) → re-entrant bbbb cuts it → [bbbb] (6), then cc fits.
    input.next('dddddddddd');
    input.next('cc');
    input.complete();
    expect(out).toEqual([['aaa'], ['dddddddddd'], ['bbbb', 'cc']]);
  });

  it('schedules no window after a subscriber unsubscribes during a byte cut', () => {
    const virtual = scheduler();
    const input = new Subject<string>();
    const subscription = input
      .pipe(batchEvents({ ...bytes, maxBatchWait: 1000, scheduler: virtual }))
      .subscribe(() => subscription.unsubscribe());
    input.next('aaa');
    input.next('ddddddd'); // cuts [aaa]; the subscriber unsubscribes during that emission
    expect(subscription.closed).toBe(true);
    expect(virtual.actions).toHaveLength(0);
  });

  it('emits every event once, in arrival order, whatever a subscriber pushes during a byte cut', async () => {
    await fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 30 }),
        fc.integer({ min: 3, max: 20 }),
        fc.integer({ min: 1, max: 6 }),
        (values, maxBatchBytes, maxBatchSize) => {
          const input = new Subject<string>();
          const out: string[][] = [];
          const arrived: string[] = [];
          let done = false;
          const push = (value: string) => {
            arrived.push(value);
            input.next(value);
          };
          input
            .pipe(batchEvents({ ...bytes, maxBatchBytes, maxBatchSize, maxBatchWait: Infinity }))
            .subscribe((batch) => {
              out.push(batch);
              if (!done && out.length <= values.length) push(`r${out.length}`);
            });
          values.forEach(push);
          done = true; // the last batch is emitted on completion, when a push would be dropped
          input.complete();
          expect(out.flat()).toEqual(arrived);
          for (const batch of out) {
            const size = 2 + batch.reduce((n, s) => n + s.length, 0) + batch.length - 1;
            expect(batch.length === 1 || size <= maxBatchBytes).toBe(true);
            expect(batch.length).toBeLessThanOrEqual(maxBatchSize);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('errors the stream when byteLength throws or returns a bad size', () => {
    const failure = new Error('cannot size');
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-|', v);
      const throwing = (s: string) => {
        if (s === 'bbbb') throw failure;
        return s.length;
      };
      expectObservable(source.pipe(batchEvents({ ...bytes, byteLength: throwing }))).toBe(
        '---#',
        undefined,
        failure,
      );
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectObservable(cold('-a|', v).pipe(batchEvents({ ...bytes, byteLength: () => -1 }))).toBe(
        '-#',
        undefined,
        new TypeError('byteLength must return a non-negative number, got -1'),
      );
    });
  });

  it('rejects invalid byte options with a message naming the option and value', () => {
    expect(() => batchEvents({ maxBatchBytes: 0 })).toThrow(
      'maxBatchBytes must be a positive integer or Infinity, got 0',
    );
    expect(() => batchEvents({ envelopeBytes: -1 })).toThrow(
      'envelopeBytes must be a non-negative integer, got -1',
    );
    expect(() => batchEvents({ byteLength: 'x' as unknown as () => number })).toThrow(
      'byteLength must be a function, got "x"',
    );
  });
});

describe('batchEvents with byteBound', () => {
  // Strings of ASCII and multi-byte characters; byteLength is their UTF-8 bytes, the bound three per code unit.
  const utf8 = (s: string) => Buffer.byteLength(s);
  const bound = (s: string) => 3 * s.length;
  const strings = fc.array(fc.string({ unit: fc.constantFrom('a', 'é', '日', '😀'), maxLength: 12 }), {
    maxLength: 40,
  });
  const run = async (values: string[], config: Parameters<typeof batchEvents<string>>[0]) =>
    lastValueFrom(from(values).pipe(batchEvents<string>(config), toArray()));

  it('cuts the same batches as byteLength alone, for any events, limit, size and re-entrance', async () => {
    await fc.assert(
      fc.asyncProperty(
        strings,
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 12 }),
        async (values, maxBatchBytes, maxBatchSize) => {
          const base = {
            maxBatchBytes,
            maxBatchSize,
            maxBatchWait: Infinity,
            envelopeBytes: 2,
            byteLength: utf8,
          };
          expect(await run(values, { ...base, byteBound: bound })).toEqual(await run(values, base));
          // Re-entrant pushes while a batch is emitted see the same cuts too.
          const reentrant = (withBound: boolean) => {
            const input = new Subject<string>();
            const out: string[][] = [];
            const pushed = new Set<number>();
            input
              .pipe(batchEvents({ ...base, ...(withBound ? { byteBound: bound } : {}) }))
              .subscribe((batch) => {
                out.push(batch);
                if (out.length % 2 === 1 && !pushed.has(out.length)) {
                  pushed.add(out.length);
                  input.next(`r${out.length}`);
                }
              });
            for (const v of values) input.next(v);
            input.complete();
            return out;
          };
          expect(reentrant(true)).toEqual(reentrant(false));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('measures only when the bounds could reach the limit', async () => {
    const measured: string[] = [];
    const byteLength = (s: string) => (measured.push(s), utf8(s));
    // 'aaaa' is bounded by 12, so the bounds of the first three sum to 2 + 3·12 + 2 = 40 < 50: no measure yet;
    // the fourth could reach 50 by its bound, so the batch is measured then (2 + 4·4 + 3 commas = 21 fits).
    const out = await run(['aaaa', 'aaaa', 'aaaa', 'aaaa'], {
      maxBatchBytes: 50,
      maxBatchWait: Infinity,
      envelopeBytes: 2,
      byteLength,
      byteBound: bound,
    });
    expect(out).toEqual([['aaaa', 'aaaa', 'aaaa', 'aaaa']]);
    expect(measured).toEqual(['aaaa', 'aaaa', 'aaaa', 'aaaa']);
    measured.length = 0;
    await run(['aa', 'bb'], { maxBatchBytes: 1000, maxBatchWait: Infinity, byteLength, byteBound: bound });
    expect(measured).toEqual([]);
  });

  it('errors the stream when byteBound throws or returns a bad size, and rejects a non-function', async () => {
    const failure = new Error('no bound');
    const config = { maxBatchBytes: 10, maxBatchWait: Infinity, byteLength: utf8 };
    await expect(
      run(['a'], {
        ...config,
        byteBound: () => {
          throw failure;
        },
      }),
    ).rejects.toBe(failure);
    await expect(run(['a'], { ...config, byteBound: () => Number.NaN })).rejects.toThrow(
      'byteBound must return a non-negative number, got NaN',
    );
    expect(() => batchEvents({ byteBound: 3 as unknown as () => number })).toThrow(
      'byteBound must be a function, got 3',
    );
  });
});
