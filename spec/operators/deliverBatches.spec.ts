import type { Observable } from 'rxjs';
import { NEVER, Subject, map, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Delivery } from '../../src/operators/deliverBatches.js';
import { deliverBatches } from '../../src/operators/deliverBatches.js';
import { WebhookError, isWebhookError } from '../../src/transport/WebhookError.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const exact = { initialDelay: 10, factor: 2, jitter: 0 };
const http503 = () => new WebhookError('HTTP 503 Service Unavailable', { status: 503 });

/** A delivery without its error object, for marble values. */
const shape = (d: Delivery<number>) =>
  d.ok
    ? { ok: true, events: d.events, attempts: d.attempts }
    : { ok: false, events: d.events, attempts: d.attempts, message: d.error.message, status: d.error.status };

afterEach(() => vi.restoreAllMocks());

describe('deliverBatches', () => {
  it('emits one ok delivery per batch when the sender completes, and completes after the last one', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b|', { a: [1, 2], b: [3] });
      const response = cold('--|');
      const out = source.pipe(deliverBatches(() => response, { retry: exact }));
      expectObservable(out).toBe('---x-(y|)', {
        x: { ok: true, events: [1, 2], attempts: 1 },
        y: { ok: true, events: [3], attempts: 1 },
      });
    });
  });

  it('retries a retryable failure with exponential backoff (each resubscription at its time)', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const response = cold('-#', undefined, http503());
      const out = cold('a|', { a: [1] }).pipe(
        deliverBatches(() => response, { retry: { ...exact, attempts: 4 } }),
      );
      // attempt 1: 0–1, wait 10 → attempt 2: 11–12, wait 20 → attempt 3: 32–33, wait 40 → attempt 4: 73–74.
      expectObservable(out.pipe((d) => mapShape(d))).toBe('74ms (x|)', {
        x: { ok: false, events: [1], attempts: 4, message: 'HTTP 503 Service Unavailable', status: 503 },
      });
      expectSubscriptions(response.subscriptions).toBe(['^!', '11ms ^!', '32ms ^!', '73ms ^!']);
    });
  });

  it('stops retrying as soon as an attempt succeeds', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const failing = cold('-#', undefined, http503());
      const ok = cold('--|');
      let calls = 0;
      const out = cold('a|', { a: [1] }).pipe(
        deliverBatches(() => (++calls < 3 ? failing : ok), { retry: exact }),
      );
      expectObservable(out).toBe('34ms (x|)', { x: { ok: true, events: [1], attempts: 3 } });
      expectSubscriptions(failing.subscriptions).toBe(['^!', '11ms ^!']);
      expectSubscriptions(ok.subscriptions).toBe('32ms ^-!');
    });
  });

  it('does not retry a final failure (4xx other than 408/429, or retryable: false)', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const badRequest = cold('-#', undefined, new WebhookError('HTTP 400 Bad Request', { status: 400 }));
      const final = cold('--#', undefined, Object.assign(new Error('no such queue'), { retryable: false }));
      const out = cold('a-b|', { a: [1], b: [2] }).pipe(
        deliverBatches((batch) => (batch[0] === 1 ? badRequest : final), { retry: exact }),
        (d) => mapShape(d),
      );
      expectObservable(out).toBe('-x--(y|)', {
        x: { ok: false, events: [1], attempts: 1, message: 'HTTP 400 Bad Request', status: 400 },
        y: {
          ok: false,
          events: [2],
          attempts: 1,
          message: 'audit send failed: no such queue',
          status: undefined,
        },
      });
      expectSubscriptions(badRequest.subscriptions).toBe('^!');
      expectSubscriptions(final.subscriptions).toBe('--^-!');
    });
  });

  it('retries 408, 429 and network errors, and reports the last error when attempts run out', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const errors = [
        new WebhookError('HTTP 408', { status: 408 }),
        new WebhookError('HTTP 429', { status: 429 }),
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      ];
      let n = 0;
      const out = cold('a|', { a: [1] }).pipe(
        deliverBatches(() => cold('-#', undefined, errors[n++]), { retry: { ...exact, attempts: 3 } }),
      );
      expectObservable(out.pipe((d) => mapShape(d))).toBe('33ms (x|)', {
        x: {
          ok: false,
          events: [1],
          attempts: 3,
          message: 'audit send failed: connect ECONNREFUSED 127.0.0.1:1',
          status: undefined,
        },
      });
    });
  });

  it('waits for retryAfterMs when the error carries it (capped at 60 s)', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const slowDown = cold('-#', undefined, new WebhookError('HTTP 429', { status: 429, retryAfterMs: 5 }));
      const busy = cold(
        '-#',
        undefined,
        new WebhookError('HTTP 503', { status: 503, retryAfterMs: 3_600_000 }),
      );
      const ok = cold('|');
      let n = 0;
      const out = cold('a|', { a: [1] }).pipe(
        deliverBatches(() => [slowDown, busy, ok][n++] as Observable<unknown>, { retry: exact }),
      );
      // 429 at 1 → retry at 6; 503 at 7 → capped 60 s → retry at 60007, which succeeds at once.
      expectObservable(out).toBe('60007ms (x|)', { x: { ok: true, events: [1], attempts: 3 } });
      expectSubscriptions(slowDown.subscriptions).toBe('^!');
      expectSubscriptions(busy.subscriptions).toBe('6ms ^!');
    });
  });

  it('adds up to `jitter` of each delay', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    scheduler().run(({ cold, expectSubscriptions, flush }) => {
      const response = cold('-#', undefined, http503());
      cold('a|', { a: [1] })
        .pipe(
          deliverBatches(() => response, {
            retry: { initialDelay: 100, factor: 1, jitter: 0.5, attempts: 2 },
          }),
        )
        .subscribe();
      flush();
      // 1 + 100 + 0.5 × 100 × 0.999999 = 150.9999 → the retry subscribes at ≈151.
      const [, second] = response.subscriptions;
      expect(second?.subscribedFrame).toBeGreaterThan(150);
      expect(second?.subscribedFrame).toBeLessThanOrEqual(151);
      expectSubscriptions(response.subscriptions.slice(0, 1)).toBe('^!');
    });
  });

  it('sends at most maxInFlight batches at once; the others wait their turn', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const responses = { 1: cold('----|'), 2: cold('------|'), 3: cold('--|'), 4: cold('-----|') };
      const source = cold('(abcd|)', { a: [1], b: [2], c: [3], d: [4] });
      const out = source.pipe(
        deliverBatches((batch: number[]) => responses[batch[0] as 1 | 2 | 3 | 4], {
          maxInFlight: 2,
          retry: exact,
        }),
      );
      expectObservable(out).toBe('----x-(yz)-(w|)', {
        x: { ok: true, events: [1], attempts: 1 },
        y: { ok: true, events: [2], attempts: 1 },
        z: { ok: true, events: [3], attempts: 1 },
        w: { ok: true, events: [4], attempts: 1 },
      });
      expectSubscriptions(responses[1].subscriptions).toBe('^---!');
      expectSubscriptions(responses[2].subscriptions).toBe('^-----!');
      expectSubscriptions(responses[3].subscriptions).toBe('----^-!');
      expectSubscriptions(responses[4].subscriptions).toBe('------^----!');
    });
  });

  it('times out an attempt that never answers, aborts its signal, and retries it', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const silent = cold('-');
      const signals: AbortSignal[] = [];
      const out = cold('a|', { a: [1] }).pipe(
        deliverBatches(
          (_batch, signal) => {
            signals.push(signal);
            return silent;
          },
          { timeout: 50, retry: { ...exact, attempts: 2 } },
        ),
        (d) => mapShape(d),
      );
      expectObservable(out).toBe('110ms (x|)', {
        x: {
          ok: false,
          events: [1],
          attempts: 2,
          message: 'audit send timed out after 50 ms',
          status: undefined,
        },
      });
      expectSubscriptions(silent.subscriptions).toBe(['^ 49ms !', '60ms ^ 49ms !']);
      flush();
      expect(signals.map((s) => s.aborted)).toEqual([true, true]);
      expect(isWebhookError(signals[0]?.reason)).toBe(true);
    });
  });

  it('treats a synchronous throw and a non-observable result as failed attempts, not stream errors', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const out = cold('a-b|', { a: [1], b: [2] }).pipe(
        deliverBatches(
          (batch) => {
            if (batch[0] === 1) throw new TypeError('boom');
            return undefined as unknown as Observable<unknown>;
          },
          { retry: { ...exact, attempts: 2 } },
        ),
        (d) => mapShape(d),
      );
      expectObservable(out).toBe('10ms x-(y|)', {
        x: { ok: false, events: [1], attempts: 2, message: 'audit send failed: boom', status: undefined },
        y: {
          ok: false,
          events: [2],
          attempts: 2,
          message: expect.stringContaining('audit send failed:') as unknown as string,
          status: undefined,
        },
      });
    });
  });

  it('names a rejection that is not an Error as a value, never "[object Object]"', async () => {
    const results: Delivery<number>[] = [];
    scheduler().run(({ cold }) => {
      cold('a-b|', { a: [1], b: [2] })
        .pipe(
          deliverBatches(
            (batch) => cold('#', undefined, batch[0] === 1 ? { secret: 'x' } : 'the peer hung up'),
            {
              retry: { ...exact, attempts: 1 },
            },
          ),
        )
        .subscribe((d) => results.push(d));
    });
    expect(results.map((d) => (d.ok ? 'ok' : d.error.message))).toEqual([
      'audit send failed: a non-Error was thrown: an object',
      'audit send failed: the peer hung up',
    ]);
  });

  it("never modifies the sender's error: a new WebhookError with it as cause keeps status, retryable, retryAfterMs", async () => {
    const shared = new WebhookError('HTTP 429 Too Many Requests', { status: 429, retryAfterMs: 5 });
    Object.freeze(shared);
    const plain = Object.assign(
      new Error('POST https://u:pw@h/x?token=SECRET failed: {"requestObject":{"a":1}}'),
      {
        status: 400,
      },
    );
    const results: Delivery<number>[] = [];
    const ts = scheduler();
    ts.run(({ cold }) => {
      cold('a-b|', { a: [1], b: [2] })
        .pipe(
          deliverBatches((batch) => cold('#', undefined, batch[0] === 1 ? shared : plain), {
            retry: { ...exact, attempts: 3 },
          }),
        )
        .subscribe((d) => results.push(d));
    });
    const byBatch = new Map(results.map((d) => [d.events[0], d]));
    const first = byBatch.get(1);
    const second = byBatch.get(2);
    if (first?.ok !== false || second?.ok !== false) throw new Error('expected two failed deliveries');
    expect(first.error).not.toBe(shared);
    expect(first.error.cause).toBe(shared);
    expect([
      first.error.message,
      first.error.status,
      first.error.retryable,
      first.error.retryAfterMs,
    ]).toEqual(['HTTP 429 Too Many Requests', 429, true, 5]);
    expect([first.attempts, first.error.attempts, shared.attempts]).toEqual([3, 3, 1]);
    expect(second.error.cause).toBe(plain);
    expect([second.error.status, second.error.retryable, second.error.attempts]).toEqual([400, false, 1]);
    expect(second.error.message).toBe('audit send failed: POST https://h/x failed: {…}');
    expect(Object.keys(plain)).toEqual(['status']);
  });

  it('delivers a backlog of batches whose sends end at once, behind a slow one, without deep recursion', () => {
    const input = new Subject<number[]>();
    const first = new Subject<void>();
    const out: Delivery<number>[] = [];
    let completed = false;
    input
      .pipe(deliverBatches((batch) => (batch[0] === 0 ? first : of(true)), { maxInFlight: 1 }))
      .subscribe({ next: (d) => out.push(d), complete: () => (completed = true) });
    const n = 5_000; // each would nest a few subscribes deeper: past the stack long before this
    for (let i = 0; i < n; i++) input.next([i]);
    input.complete();
    first.complete();
    expect(out).toHaveLength(n);
    expect(out.every((d) => d.ok)).toBe(true);
    expect(out.map((d) => d.events[0])).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(completed).toBe(true);
  });

  it('keeps delivering after a failed batch', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const out = cold('a-b-c|', { a: [1], b: [2], c: [3] }).pipe(
        deliverBatches(
          (batch) => (batch[0] === 2 ? cold('#', undefined, new WebhookError('x', { status: 500 })) : of(1)),
          {
            retry: { attempts: 1 },
          },
        ),
        (d) => d.pipe(mapOk),
      );
      expectObservable(out).toBe('x-y-z|', { x: [1, true], y: [2, false], z: [3, true] });
    });
  });

  it('accepts promises: resolving means delivered, rejecting means failed', async () => {
    const input = new Subject<number[]>();
    const seen: Array<[number, boolean]> = [];
    const done = new Promise<void>((resolve) =>
      input
        .pipe(
          deliverBatches(
            (batch) => (batch[0] === 1 ? Promise.resolve('ignored') : Promise.reject(new Error('nope'))),
            {
              retry: { attempts: 1 },
            },
          ),
        )
        .subscribe({ next: (d) => seen.push([d.events[0] as number, d.ok]), complete: resolve }),
    );
    input.next([1]);
    input.next([2]);
    input.complete();
    await done;
    expect(seen.sort()).toEqual([
      [1, true],
      [2, false],
    ]);
  });

  it('aborts the signal of in-flight sends on unsubscribe', () => {
    const signals: AbortSignal[] = [];
    const subscription = of([1], [2])
      .pipe(
        deliverBatches(
          (_b, signal) => {
            signals.push(signal);
            return NEVER;
          },
          { timeout: Infinity },
        ),
      )
      .subscribe();
    expect(signals.map((s) => s.aborted)).toEqual([false, false]);
    subscription.unsubscribe();
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
  });

  it('passes an empty source through and stays silent on a never-ending one', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const send = () => cold('-|');
      expectObservable(cold<number[]>('|').pipe(deliverBatches(send))).toBe('|');
      expectObservable(cold<number[]>('-').pipe(deliverBatches(send)), '^ 1000ms !').toBe('-');
    });
  });

  it('rejects invalid options with a message naming the option and value', () => {
    const send = () => of(null);
    expect(() => deliverBatches(send, { maxInFlight: 0 })).toThrow(
      'maxInFlight must be a positive integer or Infinity, got 0',
    );
    expect(() => deliverBatches(send, { retry: { attempts: 0 } })).toThrow(
      'retry.attempts must be a positive integer, got 0',
    );
    expect(() => deliverBatches(send, { retry: { factor: 0.5 } })).toThrow(
      'retry.factor must be a number ≥ 1, got 0.5',
    );
    expect(() => deliverBatches(send, { retry: { initialDelay: -5 } })).toThrow(
      'retry.initialDelay must be a non-negative number, got -5',
    );
    expect(() => deliverBatches(send, { timeout: 0 })).toThrow(
      'timeout must be a positive number of milliseconds or Infinity, got 0',
    );
  });
});

function mapShape(source: Observable<Delivery<number>>) {
  return source.pipe(map(shape));
}
const mapOk = map((d: Delivery<number>) => [d.events[0], d.ok] as const);
