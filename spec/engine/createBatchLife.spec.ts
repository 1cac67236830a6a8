// A batch's life in the engine: opened alive, delivered with backoff retry, ended exactly once with its one
// report (or none, when the delegate made it), the room freed and `deliveries$` told.
import { throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { AuditPluginError, DeliveryReport } from '../../src/contract/AuditBackend.js';
import { BufferRoom } from '../../src/engine/BufferRoom.js';
import { SENDER } from '../../src/engine/DeliveryEngineConfig.js';
import type { DelegateStrategy, DeliveryEngineConfig } from '../../src/engine/DeliveryEngineConfig.js';
import { EngineAccounts } from '../../src/engine/EngineAccounts.js';
import { engineItem } from '../../src/engine/EngineBatch.js';
import type { EngineBatch, EngineItem } from '../../src/engine/EngineBatch.js';
import { FORGOTTEN, createBatchLife } from '../../src/engine/createBatchLife.js';
import { WebhookError } from '../../src/transport/WebhookError.js';
import { resolveBatchOptions, resolveRetryOptions } from '../../src/util/validateOptions.js';
import { auditEvent, virtualClock } from '../helpers/fixtures.js';
import { engineConfig } from '../helpers/engineConfig.js';

const items = (...ids: string[]): EngineItem[] =>
  ids.map((id) => engineItem(JSON.stringify(auditEvent(id)), undefined));

function lifeFor(options: {
  send: DeliveryEngineConfig['send'];
  delegate?: DelegateStrategy;
  attempts?: number;
}) {
  const clock = virtualClock();
  const reports: AuditPluginError[] = [];
  const deliveries: DeliveryReport[] = [];
  const ended: Array<[number, boolean]> = [];
  const batch = resolveBatchOptions({ bufferSize: 10, maxBatchSize: 2, maxInFlight: 4, throttle: false });
  const config = engineConfig({
    batch,
    retry: resolveRetryOptions({ attempts: options.attempts ?? 1, initialDelay: 10, jitter: 0 }),
    scheduler: clock.scheduler,
    send: options.send,
    report: (e) => reports.push(e),
    ended: (list, delivered) => ended.push([list.length, delivered]),
  });
  const books = new EngineAccounts(config.plugin, config.report);
  books.deliveries$.subscribe((d) => deliveries.push(d));
  const room = new BufferRoom(batch, () => books.accept(1));
  const life = createBatchLife({ config, delegate: options.delegate ?? SENDER, books, room });
  /** A batch as the pipeline has it: its items placed in the room (accepted), then opened. */
  const cut = (list: EngineItem[]): EngineBatch => {
    expect(room.placeNow(list).placed).toBe(list.length);
    return life.open(list);
  };
  return { clock, reports, deliveries, ended, books, room, life, cut };
}

describe('createBatchLife', () => {
  it('delivers a batch after a retry: counted once, room freed, deliveries$ told, no longer alive', async () => {
    let calls = 0;
    const t = lifeFor({
      attempts: 2,
      send: () =>
        ++calls === 1 ? throwError(() => new WebhookError('busy', { status: 503 })) : Promise.resolve(),
    });
    const batch = t.cut(items('a', 'b'));
    expect(t.life.alive.has(batch)).toBe(true);
    t.life.deliver(batch).subscribe();
    await t.clock.advanceBy(100);
    expect(calls).toBe(2);
    expect(t.life.alive.size).toBe(0);
    expect(t.room.held).toBe(0);
    expect(t.ended).toEqual([[2, true]]);
    expect(t.deliveries).toEqual([{ events: 2, ok: true, attempts: 2, durationMs: 10 }]);
    expect(t.books.stats()).toMatchObject({ accepted: 2, delivered: 2, queued: 0, inFlight: 0, retries: 1 });
    expect(t.reports).toEqual([]);
  });

  it('ends a batch once: a second finish changes nothing', () => {
    const t = lifeFor({ send: () => Promise.resolve() });
    const batch = t.cut(items('a'));
    t.life.finish(batch, new Error('first'), 'shut-down');
    t.life.finish(batch, new Error('second'), 'shut-down');
    t.life.finish(batch);
    expect(t.reports.map((r) => [r.reason, r.error.message, r.events.length])).toEqual([
      ['shut-down', 'first', 1],
    ]);
    expect(t.ended).toEqual([[1, false]]);
    expect(t.books.stats()).toMatchObject({
      accepted: 1,
      delivered: 0,
      queued: 0,
      failed: { 'shut-down': 1 },
    });
    expect(t.deliveries).toEqual([]); // never attempted
  });

  it('reports a failed send once as send-failed, with its attempts; a too-large answer as too-large', async () => {
    const t = lifeFor({
      send: (b) =>
        throwError(() =>
          b.items.length === 1
            ? Object.assign(new Error('over max_payload'), { reason: 'too-large' })
            : new WebhookError('bad request', { status: 400, retryable: false }),
        ),
    });
    t.life.deliver(t.cut(items('a', 'b'))).subscribe();
    t.life.deliver(t.cut(items('c'))).subscribe();
    await t.clock.advanceBy(10);
    expect(t.reports.map((r) => [r.reason, r.events.map((e) => e.auditID)])).toEqual([
      ['send-failed', ['a', 'b']],
      ['too-large', ['c']],
    ]);
    expect((t.reports[0]?.error as WebhookError).attempts).toBe(1);
    expect(t.deliveries.map((d) => d.ok)).toEqual([false, false]);
  });

  it('makes no second report of what the delegate reported, nor of a forgotten batch', () => {
    const reported = new Error('the delegate said false');
    const delegate: DelegateStrategy = { ...SENDER, isReported: (e) => e === reported };
    const t = lifeFor({ send: () => Promise.resolve(), delegate });
    t.life.finish(t.cut(items('a')), reported);
    t.life.finish(t.cut(items('b')), FORGOTTEN);
    expect(t.reports).toEqual([]);
    expect(t.ended).toEqual([
      [1, false],
      [1, false],
    ]);
    expect(t.books.stats()).toMatchObject({ accepted: 2, delivered: 0, queued: 0 });
  });

  it('sends nothing for a batch that ended before its first attempt', async () => {
    let sends = 0;
    const t = lifeFor({ send: () => (sends++, Promise.resolve()) });
    const batch = t.cut(items('a'));
    t.life.finish(batch, t.life.pastDeadline(batch, 50));
    t.life.deliver(batch).subscribe();
    await t.clock.advanceBy(10);
    expect(sends).toBe(0);
    expect(t.reports.map((r) => r.error.message)).toEqual([
      'audit webhook shutdown deadline of 50 ms passed before delivery (0 attempts made)',
    ]);
  });
});
