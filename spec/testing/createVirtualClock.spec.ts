import { timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import { createTestScheduler } from '../../src/testing/createTestScheduler.js';
import { createTestSender } from '../../src/testing/marbles.js';
import { createVirtualClock } from '../../src/testing/createVirtualClock.js';
import { auditEvent } from '../helpers/fixtures.js';

describe('createVirtualClock', () => {
  it('runs the timers due up to the frame, and stops exactly there', async () => {
    const clock = createVirtualClock();
    const fired: number[] = [];
    timer(5, clock.scheduler).subscribe(() => fired.push(clock.now()));
    timer(10, clock.scheduler).subscribe(() => fired.push(clock.now()));
    await clock.advanceTo(7);
    expect(fired).toEqual([5]);
    expect(clock.now()).toBe(7);
    await clock.advanceBy(3);
    expect(fired).toEqual([5, 10]);
    expect(clock.now()).toBe(10);
  });

  it('lets promise callbacks run between instants, so what they schedule still runs on time', async () => {
    const clock = createVirtualClock();
    const fired: number[] = [];
    timer(5, clock.scheduler).subscribe(() => {
      void Promise.resolve().then(() => {
        // scheduled from a promise callback at frame 5: due at 6, inside the advance
        timer(1, clock.scheduler).subscribe(() => fired.push(clock.now()));
      });
    });
    await clock.advanceTo(20);
    expect(fired).toEqual([6]);
    expect(clock.now()).toBe(20);
  });

  it('lets a test await a backend between virtual instants (shutdown resolves at 110, not before)', async () => {
    const clock = createVirtualClock();
    const sender = createTestSender(() => timer(110, clock.scheduler), clock.scheduler);
    const backend = createWebhookBackend({
      mode: 'batch',
      sender: sender.send,
      scheduler: clock.scheduler,
      onError: () => {},
    });
    backend.run();
    expect(await backend.processEvents(auditEvent('a'))).toBe(true);
    let done = false;
    void backend.shutdown().then(() => (done = true));
    await clock.advanceTo(109);
    expect(done).toBe(false);
    expect(sender.calls.map((c) => [c.time, c.auditIDs])).toEqual([[0, ['a']]]);
    await clock.advanceTo(110);
    expect(done).toBe(true);
    expect(backend.stats()).toMatchObject({ delivered: 1 });
  });

  it('shows a batch window closing at its exact instant (the doc comment example)', async () => {
    const clock = createVirtualClock();
    const sender = createTestSender(undefined, clock.scheduler);
    const backend = createWebhookBackend({
      mode: 'batch',
      sender: sender.send,
      batch: { maxBatchWait: 1_000 },
      scheduler: clock.scheduler,
    });
    backend.run();
    await backend.processEvents(auditEvent('a'));
    await clock.advanceTo(999);
    expect(sender.calls.length).toBe(0);
    await clock.advanceTo(1_000);
    expect(sender.calls.map((c) => [c.time, c.auditIDs])).toEqual([[1_000, ['a']]]);
    await backend.shutdown();
  });

  it('drives the scheduler it is given, and leaves the clock alone for a frame already past', async () => {
    const scheduler = createTestScheduler();
    const clock = createVirtualClock({ scheduler });
    expect(clock.scheduler).toBe(scheduler);
    await clock.advanceTo(50);
    await clock.advanceTo(10);
    expect(clock.now()).toBe(50);
  });

  it('settle runs promise callbacks without moving the clock', async () => {
    const clock = createVirtualClock();
    let resolved = false;
    void Promise.resolve()
      .then(() => undefined)
      .then(() => (resolved = true));
    await clock.settle();
    expect(resolved).toBe(true);
    expect(clock.now()).toBe(0);
  });

  it('rejects instead of spinning when timers and promise callbacks keep rescheduling each other', async () => {
    const clock = createVirtualClock({ maxSteps: 50 });
    // Each run waits for a promise callback, which schedules the next run with no delay: the clock never moves.
    const spin = (): void => {
      void Promise.resolve().then(() => clock.scheduler.schedule(spin, 0));
    };
    clock.scheduler.schedule(spin, 1);
    await expect(clock.advanceTo(5)).rejects.toThrow(
      'advanceTo(5): still busy after 50 steps at frame 1 — is a timer rescheduling itself with no delay?',
    );
  });

  it('rejects bad arguments with a message naming them', async () => {
    const clock = createVirtualClock();
    await expect(clock.advanceTo(Infinity)).rejects.toThrow('advanceTo needs a finite frame, got Infinity');
    expect(() => createVirtualClock({ maxSteps: 0 })).toThrow('maxSteps must be a positive integer, got 0');
  });
});
