// Re-entrancy (issue 12): user callbacks — onError, a sender, an errors$ subscriber — may call back into the
// backend synchronously. Each named test is a failure the first engine had (its shared call cursor).
import { EMPTY, throwError, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { AuditBackend, AuditPluginError } from '../../src/contract/AuditBackend.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import { WebhookError } from '../../src/transport/WebhookError.js';
import { auditEvent, virtualClock } from '../helpers/fixtures.js';

const finalError = () => new WebhookError('refused', { status: 400 });

/** Every ID delivered or reported, and how often. */
function tally(delivered: string[], errors: AuditPluginError[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of [...delivered, ...errors.flatMap((e) => e.events.map((ev) => ev.auditID))]) {
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe('createWebhookBackend re-entrancy (regressions)', () => {
  it('onError calling processEvents while a synchronous sender fails: every event ends once, the outer call resolves true', async () => {
    const clock = virtualClock();
    const errors: AuditPluginError[] = [];
    let reentered = false;
    const box: { backend?: AuditBackend } = {};
    const inner: Array<Promise<boolean>> = [];
    const backend = (box.backend = createWebhookBackend({
      mode: 'batch',
      scheduler: clock.scheduler,
      retry: { attempts: 1 },
      batch: { maxBatchSize: 1, maxBatchWait: 10 },
      sender: () => throwError(finalError),
      onError: (e) => {
        errors.push(e);
        if (!reentered) {
          reentered = true;
          inner.push(box.backend!.processEvents(auditEvent('x1'), auditEvent('x2')));
        }
      },
    }));
    backend.run();
    const ok = await backend.processEvents(auditEvent('a'), auditEvent('b'), auditEvent('c'));
    await clock.advanceBy(100);
    await backend.shutdown();
    expect(ok).toBe(true);
    expect(await Promise.all(inner)).toEqual([true]);
    const counts = tally([], errors);
    expect([...counts.keys()].sort()).toEqual(['a', 'b', 'c', 'x1', 'x2']);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(backend.stats().failed['send-failed']).toBe(5);
  });

  it('a synchronous sender calling processEvents: each batch is sent once', async () => {
    const clock = virtualClock();
    const sent: string[][] = [];
    const box: { backend?: AuditBackend } = {};
    let n = 0;
    const backend = (box.backend = createWebhookBackend({
      mode: 'batch',
      scheduler: clock.scheduler,
      batch: { maxBatchSize: 1, maxBatchWait: 10 },
      sender: (batch) => {
        const ids = batch.events.map((e) => e.auditID);
        sent.push(ids);
        // Each batch of the caller's own events adds one event of the sender's (which does not re-enter).
        // (Capped, so an engine that loops ends the test instead of hanging it.)
        if (sent.length < 500 && ids.some((id) => !id.startsWith('s')))
          void box.backend!.processEvents(auditEvent(`s${n++}`));
        return EMPTY;
      },
      onError: () => {},
    }));
    backend.run();
    expect(await backend.processEvents(auditEvent('a'), auditEvent('b'), auditEvent('c'))).toBe(true);
    await clock.advanceBy(100);
    await backend.shutdown();
    expect(sent.filter((ids) => ids.includes('b'))).toHaveLength(1);
    expect(sent.flat().sort()).toEqual(['a', 'b', 'c', 's0', 's1', 's2']);
    expect(backend.stats().delivered).toBe(6);
  });

  it('onError calling flush() and processEvents: each event is reported once', async () => {
    const clock = virtualClock();
    const errors: AuditPluginError[] = [];
    const box: { backend?: AuditBackend } = {};
    let reentries = 0;
    const backend = (box.backend = createWebhookBackend({
      mode: 'batch',
      scheduler: clock.scheduler,
      retry: { attempts: 1 },
      batch: { maxBatchSize: 3, maxBatchWait: 10 },
      sender: () => throwError(finalError),
      onError: (e) => {
        errors.push(e);
        if (reentries < 2) {
          reentries++;
          void box.backend!.flush();
          void box.backend!.processEvents(auditEvent(`x${reentries}`));
          void box.backend!.flush();
        }
      },
    }));
    backend.run();
    await backend.processEvents(auditEvent('a'), auditEvent('b'), auditEvent('c'), auditEvent('d'));
    await backend.flush();
    await clock.advanceBy(100);
    await backend.shutdown();
    const counts = tally([], errors);
    expect([...counts.keys()].sort()).toEqual(['a', 'b', 'c', 'd', 'x1', 'x2']);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  });

  it.each(['batch', 'blocking'] as const)(
    '%s mode: a sender calling shutdown() while run() hands on what came before it: every event ends once',
    async (mode) => {
      const clock = virtualClock();
      const sent: string[] = [];
      const errors: AuditPluginError[] = [];
      const box: { backend?: AuditBackend } = {};
      const backend = (box.backend = createWebhookBackend({
        mode,
        scheduler: clock.scheduler,
        batch: { maxBatchSize: 1, maxBatchWait: 10 },
        sender: (batch) => {
          sent.push(...batch.events.map((e) => e.auditID));
          void box.backend!.shutdown();
          return EMPTY;
        },
        onError: (e) => errors.push(e),
      }));
      const calls =
        mode === 'batch'
          ? [backend.processEvents(auditEvent('a'), auditEvent('b'), auditEvent('c'))]
          : ['a', 'b', 'c'].map((id) => backend.processEvents(auditEvent(id)));
      backend.run();
      await clock.advanceBy(100);
      await backend.shutdown();
      expect(await Promise.all(calls)).toEqual(calls.map(() => true));
      expect(sent).toEqual(['a', 'b', 'c']);
      expect(errors).toEqual([]);
      expect(backend.stats()).toMatchObject({ accepted: 3, delivered: 3, queued: 0, inFlight: 0 });
    },
  );

  it('blocking mode: a call made by a sender while run() hands on earlier calls is sent after them', async () => {
    const clock = virtualClock();
    const sent: string[] = [];
    const box: { backend?: AuditBackend } = {};
    const backend = (box.backend = createWebhookBackend({
      mode: 'blocking',
      scheduler: clock.scheduler,
      sender: (batch) => {
        const id = batch.events[0]!.auditID;
        sent.push(id);
        if (id === 'a') void box.backend!.processEvents(auditEvent('x'));
        return EMPTY;
      },
    }));
    const calls = [backend.processEvents(auditEvent('a')), backend.processEvents(auditEvent('b'))];
    backend.run();
    await Promise.all(calls);
    await backend.shutdown();
    expect(sent).toEqual(['a', 'b', 'x']);
  });

  it.each([
    ['batch', 'block'],
    ['blocking', 'drop'],
  ] as const)(
    '%s mode (whenFull %s): onError calling shutdown() on an invalid event of a call refuses the rest of it',
    async (mode, whenFull) => {
      const clock = virtualClock();
      const errors: AuditPluginError[] = [];
      const box: { backend?: AuditBackend } = {};
      const backend = (box.backend = createWebhookBackend({
        mode,
        scheduler: clock.scheduler,
        batch: { maxBatchSize: 10, maxBatchWait: 10, whenFull },
        sender: () => EMPTY,
        onError: (e) => {
          errors.push(e);
          void box.backend!.shutdown();
        },
      }));
      backend.run();
      const circular = auditEvent('bad') as unknown as Record<string, unknown>;
      circular['self'] = circular;
      const ok = await backend.processEvents(auditEvent('good'), circular as never);
      await backend.flush();
      await backend.shutdown();
      expect(ok).toBe(false);
      expect(errors.map((e) => [e.reason, e.events.map((ev) => ev.auditID)])).toEqual([
        ['invalid', ['bad']],
        ['shut-down', ['good']],
      ]);
      expect(backend.stats()).toMatchObject({ accepted: 0, queued: 0 });
    },
  );

  it("whenFull 'block': a sender calling shutdown() while the call's last event is placed: the call resolves true", async () => {
    const clock = virtualClock();
    const errors: AuditPluginError[] = [];
    const box: { backend?: AuditBackend } = {};
    const backend = (box.backend = createWebhookBackend({
      mode: 'batch',
      scheduler: clock.scheduler,
      batch: { maxBatchSize: 1, maxBatchWait: 10, whenFull: 'block' },
      sender: () => {
        void box.backend!.shutdown();
        return EMPTY;
      },
      onError: (e) => errors.push(e),
    }));
    backend.run();
    const ok = await backend.processEvents(auditEvent('a'));
    await backend.shutdown();
    expect(ok).toBe(true);
    expect(errors).toEqual([]);
    expect(backend.stats()).toMatchObject({ accepted: 1, delivered: 1 });
  });

  it.each(['batch', 'blocking'] as const)(
    '%s mode: a backlog of sends that end at once runs as a loop, not on the stack',
    async (mode) => {
      const clock = virtualClock();
      let first = true;
      const backend = createWebhookBackend({
        mode,
        scheduler: clock.scheduler,
        batch: { maxBatchSize: 1, maxBatchWait: 10, maxInFlight: 1, bufferSize: 20_000 },
        // The first send waits, so the rest queue behind it; each of those ends during its own subscribe.
        sender: () => (first ? ((first = false), timer(10, clock.scheduler)) : EMPTY),
      });
      backend.run();
      const n = 5_000;
      const calls = Array.from({ length: n }, (_, i) => backend.processEvents(auditEvent(`e${i}`)));
      await clock.advanceBy(100);
      expect((await Promise.all(calls)).every(Boolean)).toBe(true);
      await backend.shutdown();
      expect(backend.stats()).toMatchObject({ accepted: n, delivered: n, queued: 0, inFlight: 0 });
    },
  );
});
