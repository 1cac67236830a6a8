import { Subject, from, lastValueFrom, map, throwError, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/events/Event.js';
import { encodeEventList } from '../../src/events/encodeEventList.js';
import type { Delivery } from '../../src/operators/deliverBatches.js';
import { auditWebhook } from '../../src/operators/auditWebhook.js';
import { createTestSender } from '../../src/testing/marbles.js';
import type { Receiver } from '../../src/testing/receiver.js';
import { startReceiver } from '../../src/testing/receiver.js';
import { WebhookError } from '../../src/transport/WebhookError.js';
import { auditEvent, auditEvents, ids } from '../helpers/fixtures.js';

const summary = (d: Delivery<AuditEvent>) => ({ ok: d.ok, ids: ids(d.events).join(), attempts: d.attempts });
const mapSummary = map(summary);

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe('auditWebhook', () => {
  it('batches, sends EventList bodies and emits one delivery per POST, in virtual time', () => {
    const t = new TestScheduler((a, b) => expect(a).toEqual(b));
    t.run(({ cold, expectObservable }) => {
      const sender = createTestSender(() => cold('--|'), t);
      const events = cold('abc 20ms d|', {
        a: auditEvent('a'),
        b: auditEvent('b'),
        c: auditEvent('c'),
        d: auditEvent('d'),
      });
      const out = events.pipe(
        auditWebhook({ sender: sender.send, scheduler: t, batch: { maxBatchSize: 2, maxBatchWait: 10 } }),
      );
      // [a,b] cut at 1 → delivered at 3; [c] window [1,11) → sent at 11 → 13; d at 23 + completion at 24 → 26.
      expectObservable(out.pipe((o) => o.pipe(mapSummary))).toBe('---x 9ms y 12ms (z|)', {
        x: { ok: true, ids: 'a,b', attempts: 1 },
        y: { ok: true, ids: 'c', attempts: 1 },
        z: { ok: true, ids: 'd', attempts: 1 },
      });
      t.flush();
      expect(sender.calls[0]?.batch.body).toBe(
        JSON.stringify(encodeEventList([auditEvent('a'), auditEvent('b')])),
      );
    });
  });

  it('retries on the scheduler and reports a failed batch as a value, not an error', () => {
    const t = new TestScheduler((a, b) => expect(a).toEqual(b));
    t.run(({ cold, expectObservable, expectSubscriptions }) => {
      const failing = cold('-#', undefined, new WebhookError('HTTP 502', { status: 502 }));
      const out = cold('a|', { a: auditEvent('a') }).pipe(
        auditWebhook({
          sender: () => failing,
          scheduler: t,
          batch: { maxBatchSize: 1 },
          retry: { initialDelay: 100, factor: 2, jitter: 0, attempts: 3 },
        }),
        (o) => o.pipe(mapSummary),
      );
      // attempt 1: 0–1, +100 → 101–102, +200 → 302–303.
      expectObservable(out).toBe('303ms (x|)', { x: { ok: false, ids: 'a', attempts: 3 } });
      expectSubscriptions(failing.subscriptions).toBe(['^!', '101ms ^!', '302ms ^!']);
    });
  });

  it('turns an event that cannot be serialized into a failed delivery of its own and goes on', async () => {
    const bad = { ...auditEvent('bad') } as Record<string, unknown>;
    bad['me'] = bad;
    const sender = createTestSender();
    const deliveries = await lastValueFrom(
      from([auditEvent('a'), bad as AuditEvent, auditEvent('b')]).pipe(
        auditWebhook({ sender: sender.send, batch: { maxBatchWait: Infinity } }),
        toArray(),
      ),
    );
    expect(deliveries.map(summary)).toEqual([
      { ok: false, ids: 'bad', attempts: 0 },
      { ok: true, ids: 'a,b', attempts: 1 },
    ]);
  });

  it('snapshots each event on arrival', async () => {
    const input = new Subject<AuditEvent>();
    const sender = createTestSender();
    const done = lastValueFrom(input.pipe(auditWebhook({ sender: sender.send }), toArray()));
    const event = auditEvent('a');
    input.next(event);
    event.verb = 'delete';
    input.complete();
    await done;
    expect(JSON.parse(sender.calls[0]?.batch.body ?? '{}').items[0].verb).toBe('get');
  });

  it('delivers to a real webhook over HTTP and drains when the source completes', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    receiver.failNext(1, 503);
    const deliveries = await lastValueFrom(
      from(auditEvents(5)).pipe(
        auditWebhook({
          target: { url: receiver.url },
          batch: { maxBatchSize: 2 },
          retry: { initialDelay: 5, jitter: 0 },
        }),
        toArray(),
      ),
    );
    expect(deliveries.map(summary).sort((a, b) => a.ids.localeCompare(b.ids))).toEqual([
      { ok: true, ids: 'e0,e1', attempts: 2 },
      { ok: true, ids: 'e2,e3', attempts: 1 },
      { ok: true, ids: 'e4', attempts: 1 },
    ]);
    expect(ids(receiver.events).sort()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
  });

  it('validates its options up front', () => {
    expect(() => auditWebhook({})).toThrow('target is required unless sender is given');
    expect(() => auditWebhook({ sender: 'http://x' as never })).toThrow(
      'sender must be a function, got "http://x"',
    );
    expect(() =>
      auditWebhook({ sender: () => throwError(() => new Error()), groupVersion: 'v9' as never }),
    ).toThrow('groupVersion must be one of');
    expect(() => auditWebhook({ sender: () => [], batch: { maxBatchSize: -1 } })).toThrow(
      'batch.maxBatchSize must be a positive integer, got -1',
    );
  });
});
