// Marble tests of a pipeline built on batchEvents/deliverBatches: a fresh TestScheduler per test, virtual
// time ('2s' is two seconds that take no time), a cold() observable as the broker's answer, and
// expectSubscriptions to see each publish attempt (retries included) at its exact time.
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/index.js';
import { WebhookError } from '../../src/index.js';
import { publishAuditEvents } from './pipeline.js';

const event = (auditID: string, level: AuditEvent['level'] = 'Metadata'): AuditEvent => ({
  level,
  auditID,
  stage: 'ResponseComplete',
  requestURI: '/api/v1/pods',
  verb: 'list',
});
const events = { a: event('a'), b: event('b'), n: event('n', 'None'), c: event('c') };

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('publishAuditEvents (marble tests)', () => {
  it('publishes what arrived within 2 s as one batch, and drops level None', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const broker = cold('10ms |'); // the broker acknowledges after 10 ms
      const source = cold('a 500ms b n 3s c|', events);
      const published = source.pipe(publishAuditEvents(() => broker));
      // [a, b]: window [0, 2000) → published at 2000, acknowledged at 2010.
      // [c]: arrives at 3503, the source completes at 3504 → published then, acknowledged at 3514.
      expectObservable(published).toBe('2010ms x 1503ms (y|)', {
        x: { ok: true, ids: ['a', 'b'], attempts: 1 },
        y: { ok: true, ids: ['c'], attempts: 1 },
      });
    });
  });

  it('retries a failed publish after 1 s, then 2 s — each attempt is a new subscription', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const down = cold('5ms #', undefined, new WebhookError('broker unavailable', { status: 503 }));
      const source = cold('a|', events);
      expectObservable(source.pipe(publishAuditEvents(() => down))).toBe('3016ms (x|)', {
        x: { ok: false, ids: ['a'], attempts: 3 },
      });
      // attempt 1: 1–6 (the batch is cut when the source completes at 1), +1 s → 1006–1011, +2 s → 3011–3016.
      expectSubscriptions(down.subscriptions).toBe(['1ms ^ 4ms !', '1006ms ^ 4ms !', '3011ms ^ 4ms !']);
    });
  });

  it('keeps publishing after a batch failed for good', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const refused = cold('#', undefined, new WebhookError('bad request', { status: 400 }));
      const ok = cold('|');
      let n = 0;
      const source = cold('a 2s b|', events);
      expectObservable(source.pipe(publishAuditEvents(() => (n++ === 0 ? refused : ok)))).toBe(
        '2s x 1ms (y|)',
        {
          x: { ok: false, ids: ['a'], attempts: 1 },
          y: { ok: true, ids: ['b'], attempts: 1 },
        },
      );
    });
  });
});
