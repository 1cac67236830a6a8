// Composition of the public backends, built only from the package root as a user would.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createBufferedBackend,
  createLogBackend,
  createTruncatingBackend,
  createWebhookBackend,
  decodeEvent,
  decodeEventList,
  registerMetrics,
  union,
} from '../../src/index.js';
import type { AuditBatch, AuditEvent, AuditPluginError, AuditSender } from '../../src/index.js';
import { corpusSample } from '../helpers/corpus.js';

/** A sender that records every POST body it is given and succeeds. */
function recordingSender(): { sender: AuditSender; bodies: string[] } {
  const bodies: string[] = [];
  return {
    bodies,
    sender: async (batch: AuditBatch) => {
      bodies.push(batch.body);
    },
  };
}

const quiet = { onError: () => {} };

describe('composing backends like the apiserver', () => {
  it('names the five upstream combinations as upstream does', () => {
    const { sender } = recordingSender();
    const blocking = () => createWebhookBackend({ mode: 'blocking', sender });
    const batch = () => createWebhookBackend({ mode: 'batch', sender });

    expect(blocking().name).toBe('webhook');
    expect(batch().name).toBe('buffered<webhook>');
    expect(createBufferedBackend(blocking()).name).toBe('buffered<webhook>');
    expect(createTruncatingBackend(blocking()).name).toBe('truncate<webhook>');
    expect(createTruncatingBackend(batch()).name).toBe('truncate<buffered<webhook>>');
    expect(createTruncatingBackend(createBufferedBackend(blocking())).name).toBe(
      'truncate<buffered<webhook>>',
    );
    expect(union(createLogBackend(new PassThrough()), createTruncatingBackend(batch())).name).toBe(
      'union[log,truncate<buffered<webhook>>]',
    );
    expect(union(createLogBackend(new PassThrough()), batch()).name).toBe('union[log,buffered<webhook>]');
  });

  describe('union(log to a file, truncate<buffered<webhook>>)', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'rx-audit-compose-'));
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('delivers every event to both: the file gets them whole, the webhook truncated where too large', async () => {
      const file = path.join(dir, 'audit.log');
      const { sender, bodies } = recordingSender();
      const errors: AuditPluginError[] = [];
      const backend = union(
        createLogBackend(file, quiet),
        createTruncatingBackend(
          createBufferedBackend(createWebhookBackend({ mode: 'blocking', sender, ...quiet }), {
            maxBatchSize: 10,
            ...quiet,
          }),
          { maxEventSize: 4096, ...quiet },
        ),
      );
      backend.errors$.subscribe((e) => errors.push(e));
      const registry = new Registry();
      registerMetrics(backend, registry);
      expect(backend.name).toBe('union[log,truncate<buffered<webhook>>]');

      const events: AuditEvent[] = corpusSample(24);
      const big: AuditEvent = {
        ...corpusSample(1)[0]!,
        level: 'RequestResponse',
        requestObject: 'x'.repeat(8000),
      };
      backend.run();
      expect(await backend.processEvents(...events.slice(0, 12))).toBe(true);
      expect(await backend.processEvents(big, ...events.slice(12))).toBe(true);
      await backend.shutdown();

      const all = [...events.slice(0, 12), big, ...events.slice(12)];
      const logged = readFileSync(file, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => decodeEvent(JSON.parse(line)));
      expect(logged).toEqual(all);

      const posted = bodies.flatMap((body) => decodeEventList(JSON.parse(body)));
      expect(posted.map((e) => e.auditID)).toEqual(all.map((e) => e.auditID));
      const truncated = posted.find((e) => e.auditID === big.auditID);
      expect(truncated?.annotations?.['audit.k8s.io/truncated']).toBe('true');
      expect(truncated).not.toHaveProperty('requestObject');
      expect(big.requestObject).toHaveLength(8000);
      expect(bodies.length).toBe(3); // 25 events in batches of at most 10
      expect(errors).toEqual([]);

      const text = await registry.metrics();
      // The log and the webhook path each accepted all 25 events.
      expect(text).toContain('\naudit_event_total 50\n');
      expect(text).toContain('\naudit_queue_length 0\n');
    });
  });
});
