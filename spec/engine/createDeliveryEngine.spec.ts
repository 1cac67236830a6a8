// The engine hook for the spool: enqueue() takes already-snapshotted items with an opaque key, waiting first
// come first served for room; `ended` is told exactly once per placed item when it ends, delivered or not.
import { throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { AuditPluginError } from '../../src/contract/AuditBackend.js';
import { engineItem } from '../../src/engine/EngineBatch.js';
import type { EngineItem } from '../../src/engine/EngineBatch.js';
import { createDeliveryEngine } from '../../src/engine/createDeliveryEngine.js';
import { restoreItems } from '../../src/transport/encodeItems.js';
import { resolveBatchOptions, resolveRetryOptions } from '../../src/util/validateOptions.js';
import { WebhookError } from '../../src/transport/WebhookError.js';
import { auditEvent, virtualClock } from '../helpers/fixtures.js';
import { engineConfig } from '../helpers/engineConfig.js';

const item = (id: string): EngineItem => {
  const json = JSON.stringify(auditEvent(id));
  return engineItem(json, Buffer.byteLength(json), `key-${id}`);
};

function engineFor(options: { bufferSize: number; fail?: (ids: string[]) => boolean }) {
  const clock = virtualClock();
  const ended: Array<[string, boolean]> = [];
  const sent: string[][] = [];
  const reports: AuditPluginError[] = [];
  const engine = createDeliveryEngine(
    engineConfig({
      batch: resolveBatchOptions({ bufferSize: options.bufferSize, maxBatchSize: 2, maxBatchWait: 10 }),
      retry: resolveRetryOptions({ attempts: 1 }),
      scheduler: clock.scheduler,
      send: (batch) => {
        const ids = restoreItems(batch.items, 'audit.k8s.io/v1').map((e) => e.auditID);
        sent.push(ids);
        if (options.fail?.(ids) === true) return throwError(() => new WebhookError('no', { status: 400 }));
        return new Promise<void>((resolve) => clock.scheduler.schedule(() => resolve(), 5));
      },
      report: (e) => reports.push(e),
      ended: (items, delivered) => {
        for (const i of items) ended.push([String(i.key), delivered]);
      },
    }),
  );
  return { clock, engine, ended, sent, reports };
}

describe('createDeliveryEngine: the engine hook for the spool', () => {
  it('enqueue places keyed items first come first served as room frees; ended tells once per item', async () => {
    const { clock, engine, ended, sent } = engineFor({ bufferSize: 2 });
    engine.run();
    const order: string[] = [];
    const first = engine
      .enqueue([item('a'), item('b'), item('c')])
      .then((rest) => order.push(`1:${rest.length}`));
    const second = engine.enqueue([item('d')]).then((rest) => order.push(`2:${rest.length}`));
    await clock.advanceBy(100);
    await Promise.all([first, second]);
    expect(order).toEqual(['1:0', '2:0']);
    expect(sent.flat()).toEqual(['a', 'b', 'c', 'd']);
    expect(ended).toEqual([
      ['key-a', true],
      ['key-b', true],
      ['key-c', true],
      ['key-d', true],
    ]);
    const done = engine.shutdown(undefined);
    await clock.advanceBy(100);
    await done;
    expect(engine.stats()).toMatchObject({ accepted: 4, delivered: 4, queued: 0, inFlight: 0 });
  });

  it('a failed item is reported and ended(false), once', async () => {
    const { clock, engine, ended, reports } = engineFor({ bufferSize: 10, fail: (ids) => ids.includes('x') });
    engine.run();
    expect(await engine.enqueue([item('x'), item('y'), item('z')])).toEqual([]);
    const done = engine.shutdown(undefined);
    await clock.advanceBy(100);
    await done;
    expect(reports.map((r) => [r.reason, r.events.map((e) => e.auditID).join()])).toEqual([
      ['send-failed', 'x,y'],
    ]);
    expect(ended).toEqual([
      ['key-x', false],
      ['key-y', false],
      ['key-z', true],
    ]);
  });

  it('at shutdown, enqueued items not placed yet are handed back: neither reported nor ended', async () => {
    const { clock, engine, ended, reports } = engineFor({ bufferSize: 1 });
    engine.run();
    const rest = engine.enqueue([item('a'), item('b'), item('c')]);
    const done = engine.shutdown(undefined);
    expect((await rest).map((i) => i.key)).toEqual(['key-b', 'key-c']);
    expect(await engine.enqueue([item('late')])).toEqual([item('late')]);
    await clock.advanceBy(100);
    await done;
    expect(reports).toEqual([]);
    expect(ended).toEqual([['key-a', true]]);
  });
});
