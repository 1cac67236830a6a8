import { describe, expect, it } from 'vitest';
import { createTruncatingBackend } from '../../src/backends/createTruncatingBackend.js';
import type { AuditPluginError } from '../../src/contract/AuditBackend.js';
import type { AuditEvent } from '../../src/events/Event.js';
import { encodeEvent } from '../../src/events/encodeEvent.js';
import { encodeEventList } from '../../src/events/encodeEventList.js';
import { event, recordingBackend } from './recordingBackend.js';

const KiB = 1024;
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

function setup(options: Parameters<typeof createTruncatingBackend>[1] = {}) {
  const delegate = recordingBackend('webhook');
  const handled: AuditPluginError[] = [];
  const backend = createTruncatingBackend(delegate, { onError: (e) => handled.push(e), ...options });
  const errors: AuditPluginError[] = [];
  backend.errors$.subscribe((e) => errors.push(e));
  return { delegate, backend, errors, handled };
}

describe('createTruncatingBackend', () => {
  it('is named truncate<delegate> and validates its options', () => {
    expect(setup().backend.name).toBe('truncate<webhook>');
    const d = recordingBackend();
    expect(() => createTruncatingBackend(d, { maxEventSize: 0 })).toThrow(
      'truncate.maxEventSize must be a positive integer, got 0',
    );
    expect(() => createTruncatingBackend(d, { maxBatchSize: 1.5 })).toThrow(
      'truncate.maxBatchSize must be a positive integer, got 1.5',
    );
    expect(() => createTruncatingBackend(d, { groupVersion: 'audit.k8s.io/v2' as never })).toThrow(
      'truncate.groupVersion must be one of audit.k8s.io/v1|audit.k8s.io/v1beta1|audit.k8s.io/v1alpha1, got "audit.k8s.io/v2"',
    );
    expect(() => createTruncatingBackend(d, { onError: 1 as never })).toThrow(
      'truncate.onError must be a function, got 1',
    );
  });

  describe('truncating events (upstream TestTruncatingEvents)', () => {
    it('passes a small event through untouched, as the same object, in one call', async () => {
      const { delegate, backend, errors } = setup();
      const small = event('small', { level: 'RequestResponse', requestObject: { spec: { replicas: 1 } } });
      expect(await backend.processEvents(small)).toBe(true);
      expect(delegate.calls).toHaveLength(1);
      expect(delegate.calls[0]?.[0]).toBe(small);
      expect(errors).toEqual([]);
    });

    it('truncates a Request-level event with a 100 KiB body on a copy: annotation set, bodies gone', async () => {
      const { delegate, backend, errors } = setup();
      const big: AuditEvent = event('big', {
        level: 'Request',
        requestObject: 'A'.repeat(100 * KiB),
        responseObject: { kind: 'Status' },
        annotations: { 'authorization.k8s.io/decision': 'allow' },
      });
      const before = structuredClone(big);
      expect(await backend.processEvents(big)).toBe(true);

      expect(delegate.calls).toHaveLength(1);
      const sent = delegate.calls[0]?.[0];
      expect(sent).not.toBe(big);
      expect(sent).not.toHaveProperty('requestObject');
      expect(sent).not.toHaveProperty('responseObject');
      expect(sent?.annotations).toEqual({
        'authorization.k8s.io/decision': 'allow',
        'audit.k8s.io/truncated': 'true',
      });
      expect(sent?.auditID).toBe('big');
      // The caller's event is unchanged.
      expect(big).toEqual(before);
      expect(errors).toEqual([]);
    });

    it('truncates a RequestResponse event whose response alone is too large', async () => {
      const { delegate, backend } = setup({ maxEventSize: 2 * KiB });
      await backend.processEvents(
        event('r', { level: 'RequestResponse', responseObject: { x: 'B'.repeat(4 * KiB) } }),
      );
      expect(delegate.calls[0]?.[0]?.annotations).toEqual({ 'audit.k8s.io/truncated': 'true' });
    });

    it('reports a Metadata-level event with too large metadata as too-large and does not deliver it', async () => {
      const { delegate, backend, errors } = setup();
      const fat = event('fat', { annotations: { key: 'A'.repeat(100 * KiB) } });
      expect(await backend.processEvents(fat)).toBe(false);
      expect(delegate.calls).toEqual([]);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.plugin).toBe('truncate');
      expect(errors[0]?.reason).toBe('too-large');
      expect(errors[0]?.error.message).toBe('event is too large even after truncating');
      expect(errors[0]?.events.map((e) => e.auditID)).toEqual(['fat']);
      expect(backend.stats().failed['too-large']).toBe(1);
    });

    it('drops a Request-level event still too large after truncation; the rest of the call goes on', async () => {
      const { delegate, backend, errors, handled } = setup();
      const huge = event('huge', {
        level: 'RequestResponse',
        requestObject: 'A'.repeat(200 * KiB),
        annotations: { note: 'N'.repeat(101 * KiB) },
      });
      const huge2 = event('huge2', { annotations: { note: 'M'.repeat(101 * KiB) } });
      expect(await backend.processEvents(event('a'), huge, event('b'), huge2)).toBe(false);
      expect(delegate.calls.flat().map((e) => e.auditID)).toEqual(['a', 'b']);
      // One report per call, with every dropped event.
      expect(errors).toHaveLength(1);
      expect(errors[0]?.events.map((e) => e.auditID)).toEqual(['huge', 'huge2']);
      // What was reported for the Request-level event is the truncated copy.
      expect(errors[0]?.events[0]).not.toHaveProperty('requestObject');
      expect(huge.requestObject).toHaveLength(200 * KiB);
      expect(backend.stats().failed['too-large']).toBe(2);
      // onError gets the same single report.
      expect(handled).toEqual(errors);
    });

    it('measures sizes in the configured group version', async () => {
      const e = event('gv', { level: 'Request', requestObject: { a: 'x'.repeat(200) } });
      // Sized as upstream's calcSize: the JSON and the newline Go's encoder ends it with.
      const v1 = bytes(encodeEvent(e, 'audit.k8s.io/v1')) + 1;
      const v1beta1 = bytes(encodeEvent(e, 'audit.k8s.io/v1beta1')) + 1;
      expect(v1beta1).toBeGreaterThan(v1);
      // Exactly at the limit in v1: untouched. The same limit in v1beta1: truncated.
      const atV1 = setup({ maxEventSize: v1 });
      await atV1.backend.processEvents(e);
      expect(atV1.delegate.calls[0]?.[0]).toBe(e);
      const atV1beta1 = setup({ maxEventSize: v1, groupVersion: 'audit.k8s.io/v1beta1' });
      await atV1beta1.backend.processEvents(e);
      expect(atV1beta1.delegate.calls[0]?.[0]?.annotations).toEqual({ 'audit.k8s.io/truncated': 'true' });
    });

    it("counts < > & as Go's encoder writes them (\\u0026, six bytes each) and the newline after the event", async () => {
      const e = event('amp', {
        level: 'Request',
        requestURI: `/x?${'a=1&'.repeat(50)}`,
        requestObject: { a: 'x'.repeat(100) },
      });
      const plain = bytes(encodeEvent(e, 'audit.k8s.io/v1'));
      const go = plain + 5 * 50 + 1;
      const fits = setup({ maxEventSize: go });
      await fits.backend.processEvents(e);
      expect(fits.delegate.calls[0]?.[0]).toBe(e);
      const under = setup({ maxEventSize: go - 1 });
      await under.backend.processEvents(e);
      expect(under.delegate.calls[0]?.[0]?.annotations).toEqual({ 'audit.k8s.io/truncated': 'true' });
    });

    it('reports an event that cannot be serialised as invalid', async () => {
      const { delegate, backend, errors } = setup();
      const bad = event('bad', { level: 'Request', requestObject: { n: 10n } });
      expect(await backend.processEvents(bad, event('ok'))).toBe(false);
      expect(delegate.calls.flat().map((e) => e.auditID)).toEqual(['ok']);
      expect(errors.map((e) => [e.reason, e.events.map((x) => x.auditID)])).toEqual([['invalid', ['bad']]]);
      expect(errors[0]?.error.message).toMatch(/^event could not be encoded as audit\.k8s\.io\/v1: /);
    });
  });

  describe('splitting batches (upstream TestSplittingBatches)', () => {
    it('does not split events fitting in one batch', async () => {
      const { delegate, backend } = setup();
      await backend.processEvents(event('1'), event('2'), event('3'));
      expect(delegate.calls.map((c) => c.length)).toEqual([3]);
    });

    it('splits events not fitting in one batch (maxBatchSize 1: every event alone)', async () => {
      const { delegate, backend } = setup({ maxBatchSize: 1 });
      const e = (id: string) => event(id, { annotations: { key: 'A'.repeat(50) } });
      expect(await backend.processEvents(e('1'), e('2'))).toBe(true);
      expect(delegate.calls.map((c) => c.map((x) => x.auditID))).toEqual([['1'], ['2']]);
    });

    it('splits by the EventList JSON bytes: each group fits, and an oversized event goes alone', async () => {
      const small = (id: string) => event(id, { annotations: { k: 'x'.repeat(200) } });
      const events = [small('1'), small('2'), small('3')];
      const two = bytes(encodeEventList(events.slice(0, 2)));
      const three = bytes(encodeEventList(events));
      // Room for exactly two events per POST.
      const { delegate, backend } = setup({ maxBatchSize: two });
      const big = event('big', { annotations: { k: 'y'.repeat(three) } });
      expect(await backend.processEvents(...events, big, small('4'), small('5'))).toBe(true);
      expect(delegate.calls.map((c) => c.map((x) => x.auditID))).toEqual([
        ['1', '2'],
        ['3'],
        ['big'],
        ['4', '5'],
      ]);
      for (const call of delegate.calls) {
        if (call.length > 1) expect(bytes(encodeEventList(call))).toBeLessThanOrEqual(two);
      }
      expect(bytes(encodeEventList([big]))).toBeGreaterThan(two);
    });

    it('counts bytes exactly: a list one byte over the limit is split', async () => {
      const events = [event('1'), event('2')];
      const exact = bytes(encodeEventList(events));
      const fits = setup({ maxBatchSize: exact });
      await fits.backend.processEvents(...events);
      expect(fits.delegate.calls).toHaveLength(1);
      const over = setup({ maxBatchSize: exact - 1 });
      await over.backend.processEvents(...events);
      expect(over.delegate.calls).toHaveLength(2);
    });

    it('resolves false when a delegate call resolves false', async () => {
      const { delegate, backend } = setup({ maxBatchSize: 1 });
      delegate.result = (events) => events[0]?.auditID !== '2';
      expect(await backend.processEvents(event('1'), event('2'), event('3'))).toBe(false);
      expect(delegate.calls).toHaveLength(3);
    });

    it('reports a delegate call that rejects once, with its group, and keeps the other groups', async () => {
      const { delegate, backend, errors, handled } = setup({ maxBatchSize: 1 });
      const boom = new Error('delegate broke');
      delegate.result = (events) => (events[0]?.auditID === '2' ? Promise.reject(boom) : true);
      expect(await backend.processEvents(event('1'), event('2'), event('3'))).toBe(false);
      expect(delegate.calls.map((c) => c.map((e) => e.auditID))).toEqual([['1'], ['2'], ['3']]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ plugin: 'truncate', reason: 'send-failed', error: boom });
      expect(errors[0]?.events.map((e) => e.auditID)).toEqual(['2']);
      expect(handled).toEqual(errors);
      expect(backend.stats().failed['send-failed']).toBe(1);
      // The others resolved true; only the rejected group makes the call false.
      delegate.result = true;
      expect(await backend.processEvents(event('4'))).toBe(true);
    });

    it('reports a delegate call that throws synchronously the same way', async () => {
      const { delegate, backend, errors } = setup();
      delegate.processEvents = () => {
        throw new Error('sync throw');
      };
      expect(await backend.processEvents(event('1'), event('2'))).toBe(false);
      expect(errors.map((e) => [e.reason, e.error.message, e.events.length])).toEqual([
        ['send-failed', 'sync throw', 2],
      ]);
    });

    it('a rejection that is not an Error is named by its kind, the value kept as the cause', async () => {
      const { delegate, backend, errors } = setup();
      const reason = { token: 'secret' };
      delegate.result = () => Promise.reject(reason as unknown as Error);
      expect(await backend.processEvents(event('1'))).toBe(false);
      expect(errors.map((e) => [e.error.message, e.error.cause])).toEqual([
        ['a non-Error was thrown: an object', reason],
      ]);
    });
  });

  it('flush and shutdown resolve when the delegate rejects; the failure is reported', async () => {
    const { delegate, backend, errors, handled } = setup();
    delegate.failWith = new Error('disk gone');
    await expect(backend.flush()).resolves.toBeUndefined();
    await expect(backend.shutdown()).resolves.toBeUndefined();
    expect(errors.map((e) => [e.plugin, e.reason, e.error.message, e.events.length])).toEqual([
      ['truncate', 'send-failed', 'truncate: delegate webhook failed to flush', 0],
      ['truncate', 'send-failed', 'truncate: delegate webhook failed to shut down', 0],
    ]);
    expect((errors[0]?.error as Error & { cause?: unknown }).cause).toBe(delegate.failWith);
    expect(handled).toHaveLength(2);
  });

  it('passes run, flush and shutdown to the delegate, and merges its errors and stats', async () => {
    const { delegate, backend, errors, handled } = setup();
    backend.run();
    await backend.flush();
    await backend.shutdown();
    expect([delegate.runs, delegate.flushes, delegate.shutdowns]).toEqual([1, 1, 1]);
    delegate.errorsSubject.next({
      plugin: 'webhook',
      reason: 'send-failed',
      error: new Error('x'),
      events: [],
    });
    expect(errors.map((e) => e.plugin)).toEqual(['webhook']);
    // The delegate's reports go to its own handler, not this layer's onError.
    expect(handled).toEqual([]);
    await backend.processEvents(event('1'), event('2'));
    expect(backend.stats().accepted).toBe(2);
  });
});
