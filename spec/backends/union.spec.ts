import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { union } from '../../src/backends/union.js';
import type { UnionBackendOptions } from '../../src/backends/union.js';
import type { AuditBackend, AuditPluginError, DeliveryReport } from '../../src/contract/AuditBackend.js';
import { emptyStats } from '../../src/contract/AuditBackend.js';
import { event, recordingBackend } from './recordingBackend.js';

describe('union', () => {
  it('delivers every event to three backends, in order, and runs each once', async () => {
    const backends = [recordingBackend('a'), recordingBackend('b'), recordingBackend('c')];
    const u = union(...backends);
    u.run();
    expect(await u.processEvents(event('1'), event('2'))).toBe(true);
    expect(await u.processEvents(event('3'))).toBe(true);
    for (const b of backends) {
      expect(b.runs).toBe(1);
      expect(b.calls.map((c) => c.map((e) => e.auditID))).toEqual([['1', '2'], ['3']]);
    }
  });

  it('is named union[a,b,…] after its backends; a union of one is that backend', () => {
    const a = recordingBackend('log');
    expect(union(a, recordingBackend('truncate<buffered<webhook>>')).name).toBe(
      'union[log,truncate<buffered<webhook>>]',
    );
    expect(union(a)).toBe(a);
    expect(union().name).toBe('union[]');
  });

  it('resolves true only if every backend accepted the events', async () => {
    const a = recordingBackend('a');
    const b = recordingBackend('b');
    b.result = (events) => events.length < 2;
    const u = union(a, b);
    expect(await u.processEvents(event('1'))).toBe(true);
    expect(await u.processEvents(event('2'), event('3'))).toBe(false);
    expect(a.calls).toHaveLength(2);
  });

  it('a backend that throws does not stop the others; it is reported once and counted', async () => {
    const a = recordingBackend('a');
    const b = recordingBackend('b');
    const c = recordingBackend('c');
    b.processEvents = () => {
      throw new Error('boom');
    };
    const u = union(a, b, c);
    const errors: AuditPluginError[] = [];
    u.errors$.subscribe((e) => errors.push(e));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await u.processEvents(event('1'), event('2'))).toBe(false);
      expect(stderr.mock.calls.map((c) => String(c[0]))).toEqual([
        'audit plugin=union reason=send-failed events=2 ids=1,2 error="union: backend b failed to process events"\n',
      ]);
    } finally {
      stderr.mockRestore();
    }
    expect(a.calls).toHaveLength(1);
    expect(c.calls).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.plugin).toBe('union');
    expect(errors[0]?.reason).toBe('send-failed');
    expect(errors[0]?.error.message).toBe('union: backend b failed to process events');
    expect(errors[0]?.events.map((e) => e.auditID)).toEqual(['1', '2']);
    expect(u.stats().failed['send-failed']).toBe(2);
  });

  it('flush and shutdown reach every backend and resolve; failures are reported, run rethrows', async () => {
    const a = recordingBackend('a');
    const b = recordingBackend('b');
    const c = recordingBackend('c');
    b.failWith = new Error('b is broken');
    const handled: AuditPluginError[] = [];
    const u = union(a, b, c, { onError: (e) => handled.push(e) });
    const errors: AuditPluginError[] = [];
    u.errors$.subscribe((e) => errors.push(e));
    await expect(u.flush()).resolves.toBeUndefined();
    await expect(u.shutdown()).resolves.toBeUndefined();
    expect(() => u.run()).toThrow('b is broken');
    expect([a.flushes, b.flushes, c.flushes]).toEqual([1, 1, 1]);
    expect([a.shutdowns, b.shutdowns, c.shutdowns]).toEqual([1, 1, 1]);
    expect([a.runs, b.runs, c.runs]).toEqual([1, 1, 1]);
    expect(errors.map((e) => [e.plugin, e.reason, e.error.message, e.events.length])).toEqual([
      ['union', 'send-failed', 'union: backend b failed to flush', 0],
      ['union', 'send-failed', 'union: backend b failed to shut down', 0],
    ]);
    expect((errors[0]?.error as Error & { cause?: unknown }).cause).toBe(b.failWith);
    expect(handled).toEqual(errors);

    c.failWith = new Error('c too');
    await u.flush();
    expect(errors.slice(2).map((e) => e.error.message)).toEqual([
      'union: backend b failed to flush',
      'union: backend c failed to flush',
    ]);
    a.failWith = new Error('a too');
    const err: unknown = (() => {
      try {
        u.run();
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      'a too',
      'b is broken',
      'c too',
    ]);
  });

  it('a trailing options object sends its reports to onError instead of stderr, and is validated', async () => {
    const a = recordingBackend('a');
    const b = recordingBackend('b');
    b.result = () => Promise.reject(new Error('nope'));
    const handled: AuditPluginError[] = [];
    const u = union(a, b, { onError: (e) => handled.push(e) });
    expect(u.name).toBe('union[a,b]');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await u.processEvents(event('1'))).toBe(false);
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      stderr.mockRestore();
    }
    expect(handled.map((e) => [e.plugin, e.reason, e.error.message])).toEqual([
      ['union', 'send-failed', 'union: backend b failed to process events'],
    ]);
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(1);
    expect(union(a, { onError: () => {} })).toBe(a);
    expect(union(a, b, {}).name).toBe('union[a,b]');
    expect(() => union(a, b, { onError: 'log' as never })).toThrow(
      'union.onError must be a function, got "log"',
    );
  });

  it('an argument that is neither a backend nor a trailing options object is a TypeError naming it', () => {
    const a = recordingBackend('a');
    const b = recordingBackend('b');
    const bad =
      (...args: unknown[]) =>
      () =>
        union(...(args as AuditBackend[]));
    const anObject = (i: number) => `union backends[${i}] must be an AuditBackend, got an object`;
    expect(bad(a, 'x')).toThrow(TypeError);
    expect(bad(a, 'x')).toThrow('union backends[1] must be an AuditBackend, got "x"');
    expect(bad(a, { onError: () => {} }, b)).toThrow(anObject(1));
    expect(bad([a, b])).toThrow('union backends[0] must be an AuditBackend, got an array');
    expect(bad(a, b, undefined)).toThrow('union backends[2] must be an AuditBackend, got nothing');
    expect(bad(a, null)).toThrow('union backends[1] must be an AuditBackend, got null');
    expect(bad({ name: 'half', processEvents: 'no' }, a)).toThrow(anObject(0));
    // A class instance is not options: only a plain object may be.
    expect(bad(a, new Date(0))).toThrow(anObject(1));
  });

  it('types: backends with an optional trailing options object; nothing else type-checks', () => {
    const a = recordingBackend('a');
    const b = recordingBackend('b');
    const onError = (_: AuditPluginError) => {};
    expectTypeOf(union).toBeCallableWith(a, b);
    expectTypeOf(union).toBeCallableWith(a, b, { onError });
    expectTypeOf(union).toBeCallableWith();
    expectTypeOf(union(a, b, { onError })).toEqualTypeOf<AuditBackend>();
    expectTypeOf<{ onError: typeof onError }>().toMatchTypeOf<UnionBackendOptions>();
    const list: AuditBackend[] = [a, b];
    expectTypeOf(union(...list, {})).toEqualTypeOf<AuditBackend>();
    // Type-level only (never called): the compiler must reject these.
    const rejected = () => {
      // @ts-expect-error a string is not a backend
      union(a, 'x');
      // @ts-expect-error options only as the last argument
      union(a, { onError }, b);
      // @ts-expect-error no array form (createUnionBackend's) any more
      union([a, b]);
      // @ts-expect-error onError must be a function
      union(a, b, { onError: 'log' });
    };
    expect(typeof rejected).toBe('function');
  });

  it('a union of no backends accepts every call, delivers nowhere and counts nothing', async () => {
    const u = union();
    const errors: AuditPluginError[] = [];
    const deliveries: DeliveryReport[] = [];
    u.errors$.subscribe((e) => errors.push(e));
    u.deliveries$.subscribe((d) => deliveries.push(d));
    expect(u.name).toBe('union[]');
    expect(() => u.run()).not.toThrow();
    expect(await u.processEvents(event('1'), event('2'))).toBe(true);
    await expect(u.flush()).resolves.toBeUndefined();
    await expect(u.shutdown()).resolves.toBeUndefined();
    expect(u.stats()).toEqual(emptyStats());
    expect(errors).toEqual([]);
    expect(deliveries).toEqual([]);
    expect(union({ onError: () => {} }).name).toBe('union[]');
  });

  it('merges errors$ and deliveries$ and sums stats()', async () => {
    const a = recordingBackend('a');
    const b = recordingBackend('b');
    const u = union(a, b);
    const errors: string[] = [];
    const deliveries: DeliveryReport[] = [];
    u.errors$.subscribe((e) => errors.push(`${e.plugin}:${e.reason}`));
    u.deliveries$.subscribe((d) => deliveries.push(d));
    a.errorsSubject.next({ plugin: 'a', reason: 'too-large', error: new Error('x'), events: [] });
    b.errorsSubject.next({ plugin: 'b', reason: 'send-failed', error: new Error('y'), events: [] });
    a.deliveriesSubject.next({ events: 3, ok: true, attempts: 1, durationMs: 5 });
    b.deliveriesSubject.next({ events: 2, ok: false, attempts: 4, durationMs: 9 });
    expect(errors).toEqual(['a:too-large', 'b:send-failed']);
    expect(deliveries.map((d) => d.events)).toEqual([3, 2]);

    await u.processEvents(event('1'), event('2'), event('3'));
    const s = u.stats();
    expect(s.accepted).toBe(6);
    expect(s.delivered).toBe(6);
    expect(s.batches).toBe(2);
  });
});
