import { NEVER } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import { WebhookError } from '../../src/transport/WebhookError.js';
import { createTestScheduler } from '../../src/testing/createTestScheduler.js';
import { createTestSender } from '../../src/testing/marbles.js';
import { auditEvents } from '../helpers/fixtures.js';

describe('createTestSender', () => {
  it('records each call (time, batch, auditIDs, signal, index) and answers with the marble it is given', () => {
    createTestScheduler().run(({ cold, flush }) => {
      const answers = [cold('--#', undefined, new WebhookError('HTTP 503', { status: 503 })), cold('---|')];
      const sender = createTestSender((call) => answers[call.index] ?? NEVER);
      const backend = createWebhookBackend({
        mode: 'batch',
        sender: sender.send,
        batch: { maxBatchSize: 2 },
        retry: { initialDelay: 10, factor: 1, jitter: 0 },
        onError: () => {},
      });
      backend.run();
      void backend.processEvents(...auditEvents(2));
      flush();
      expect(sender.calls.map((c) => ({ time: c.time, ids: c.auditIDs, index: c.index }))).toEqual([
        { time: 0, ids: ['e0', 'e1'], index: 0 },
        { time: 12, ids: ['e0', 'e1'], index: 1 },
      ]);
      expect(sender.calls[0]?.batch.events.map((e) => e.auditID)).toEqual(['e0', 'e1']);
      expect(JSON.parse(sender.calls[0]?.batch.body ?? '')).toMatchObject({ kind: 'EventList' });
      expect(sender.calls[0]?.signal).toBeInstanceOf(AbortSignal);
      expect(backend.stats()).toMatchObject({ delivered: 2, retries: 1 });
    });
  });

  it('delivers at once by default', () => {
    createTestScheduler().run(({ flush }) => {
      const sender = createTestSender();
      const backend = createWebhookBackend({
        mode: 'batch',
        sender: sender.send,
        batch: { maxBatchSize: 1 },
      });
      backend.run();
      void backend.processEvents(...auditEvents(3));
      flush();
      expect(sender.calls.map((c) => c.auditIDs)).toEqual([['e0'], ['e1'], ['e2']]);
      expect(backend.stats()).toMatchObject({ delivered: 3 });
    });
  });
});
