// The Kubernetes 2017 batch webhook tests (plugin/pkg/audit/webhook/webhook_test.go: TestBatchWebhookMaxEvents,
// TestBatchWebhookStopCh, TestBatchWebhookProcessEventsAfterStop, TestBatchWebhookShutdown,
// TestBatchWebhookEmptyBuffer, TestBatchBufferFull, TestBatchRun, TestBatchConcurrentRequests) as scenarios
// against a real HTTP webhook on 127.0.0.1, through the real HTTP sender.
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditPluginError } from '../../src/contract/AuditBackend.js';
import type { BatchOptions } from '../../src/contract/options.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import type { Receiver, ReceiverOptions } from '../../src/testing/receiver.js';
import { startReceiver } from '../../src/testing/receiver.js';
import { auditEvents, ids } from '../helpers/fixtures.js';

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function setup(receiverOptions: ReceiverOptions = {}, batch: BatchOptions = {}) {
  const receiver = await startReceiver(receiverOptions);
  receivers.push(receiver);
  const errors: AuditPluginError[] = [];
  const backend = createWebhookBackend({
    mode: 'batch',
    target: { url: receiver.url },
    batch: { maxBatchSize: 100, maxBatchWait: 60_000, ...batch },
    retry: { initialDelay: 10, jitter: 0 },
    onError: (e) => errors.push(e),
  });
  return { receiver, backend, errors };
}

const sizes = (receiver: Receiver) => receiver.requests.map((r) => r.events?.length ?? 0);

describe('Kubernetes 2017 batch webhook scenarios', () => {
  it('max events: 110 events with maxBatchSize 100 arrive as 100, then 10 when the window closes', async () => {
    const { receiver, backend } = await setup({}, { maxBatchWait: 400 });
    backend.run();
    expect(await backend.processEvents(...auditEvents(110))).toBe(true);
    await receiver.waitForRequests(1);
    expect(sizes(receiver)).toEqual([100]);
    await receiver.waitForRequests(2);
    expect(sizes(receiver)).toEqual([100, 10]);
    expect(ids(receiver.events)).toEqual(ids(auditEvents(110)));
    await backend.shutdown();
  });

  it('stop flushes a partial batch', async () => {
    const { receiver, backend } = await setup();
    backend.run();
    await backend.processEvents(...auditEvents(42));
    await backend.shutdown();
    expect(sizes(receiver)).toEqual([42]);
  });

  it('events processed after stop are not sent (they are reported as shut-down)', async () => {
    const { receiver, backend, errors } = await setup();
    backend.run();
    await backend.shutdown();
    expect(await backend.processEvents(...auditEvents(3))).toBe(false);
    expect(receiver.requests).toHaveLength(0);
    expect(errors.map((e) => [e.reason, e.events.length])).toEqual([['shut-down', 3]]);
  });

  it('shutdown waits for a blocked send to finish', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let shutdownDone = false;
    const { receiver, backend } = await setup({ onEvents: () => gate });
    backend.run();
    await backend.processEvents(...auditEvents(100)); // a full batch goes out at once and blocks
    await receiver.waitForRequests(0);
    const down = backend.shutdown().then(() => (shutdownDone = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(shutdownDone).toBe(false);
    release();
    await down;
    expect(sizes(receiver)).toEqual([100]);
    expect(backend.stats()).toMatchObject({ delivered: 100, inFlight: 0 });
  });

  it('an empty buffer sends nothing when the window closes', async () => {
    const { receiver, backend } = await setup({}, { maxBatchWait: 10 });
    backend.run();
    await new Promise((resolve) => setTimeout(resolve, 60));
    await backend.shutdown();
    expect(receiver.requests).toHaveLength(0);
  });

  it('a full buffer does not block the caller: the overflow is reported and the call returns', async () => {
    const { backend, errors } = await setup({ onEvents: () => new Promise(() => {}) }, { bufferSize: 150 });
    backend.run();
    // 100 go in flight (and hang), 50 are queued, 50 do not fit.
    expect(await backend.processEvents(...auditEvents(200))).toBe(false);
    expect(errors.map((e) => [e.reason, e.events.length, e.error.message])).toEqual([
      ['queue-blocked', 50, 'audit webhook queue blocked'],
    ]);
    await backend.shutdown({ timeout: 50 });
    expect(errors.map((e) => [e.reason, e.events.length])).toEqual([
      ['queue-blocked', 50],
      ['send-failed', 100],
      ['send-failed', 50],
    ]);
  });

  it('run: 3 × maxBatchSize events are all delivered', async () => {
    const { receiver, backend } = await setup();
    backend.run();
    await backend.processEvents(...auditEvents(300));
    await receiver.waitForEvents(300);
    expect(sizes(receiver)).toEqual([100, 100, 100]);
    await backend.shutdown();
    expect(backend.stats()).toMatchObject({ accepted: 300, delivered: 300 });
  });

  it('concurrent requests: a webhook that answers no request before all events arrived still gets them all', async () => {
    const total = 400;
    let release!: () => void;
    const all = new Promise<void>((resolve) => (release = resolve));
    let seen = 0;
    const { receiver, backend, errors } = await setup(
      {
        onEvents: async (events) => {
          seen += events.length;
          if (seen >= total) release();
          await all;
        },
      },
      { bufferSize: total },
    );
    backend.run();
    expect(await backend.processEvents(...auditEvents(total))).toBe(true);
    await backend.shutdown();
    expect(receiver.events).toHaveLength(total);
    expect(sizes(receiver)).toEqual([100, 100, 100, 100]);
    expect(errors).toEqual([]);
  });
});
