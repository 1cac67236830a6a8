import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Counter, Registry } from 'prom-client';
import type { OpenMetricsContentType } from 'prom-client';
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { createLogBackend } from '../../src/backends/createLogBackend.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import { WebhookError } from '../../src/transport/WebhookError.js';
import type { AuditBatch } from '../../src/contract/AuditSender.js';
import { createTruncatingBackend } from '../../src/backends/createTruncatingBackend.js';
import { union } from '../../src/backends/union.js';
import type { AuditBackend } from '../../src/contract/AuditBackend.js';
import { registerMetrics } from '../../src/metrics/registerMetrics.js';
import { event, recordingBackend } from '../backends/recordingBackend.js';
import { repoRoot } from '../helpers/corpus.js';

/**
 * A scripted stand-in for a webhook: a call whose first event ID starts with `fail` is a batch that failed
 * after 3 attempts in 1.5 s; any other call is delivered in 20 ms.
 */
function scriptedWebhook(): AuditBackend & { queuedNow: number } {
  const fake = recordingBackend('webhook');
  let retries = 0;
  let failed = 0;
  const backend = {
    ...fake,
    queuedNow: 0,
    async processEvents(...events: Parameters<AuditBackend['processEvents']>) {
      await fake.processEvents(...events);
      if (events[0]?.auditID.startsWith('fail')) {
        retries += 2;
        failed += events.length;
        fake.deliveriesSubject.next({ events: events.length, ok: false, attempts: 3, durationMs: 1500 });
        fake.errorsSubject.next({
          plugin: 'webhook',
          reason: 'send-failed',
          error: new Error('503'),
          events,
        });
        return false;
      }
      fake.deliveriesSubject.next({ events: events.length, ok: true, attempts: 1, durationMs: 20 });
      return true;
    },
    stats() {
      const s = fake.stats();
      return {
        ...s,
        delivered: s.delivered - failed,
        failed: { ...s.failed, 'send-failed': failed },
        retries,
        queued: backend.queuedNow,
      };
    },
  };
  return backend;
}

/** The sample lines of one metric family from the text exposition format. */
function samples(text: string, family: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(family) && !line.startsWith('#'));
}

describe('registerMetrics', () => {
  it('exposes exact counts after a scripted run with failures, scraped from a real prom-client Registry', async () => {
    const webhook = scriptedWebhook();
    const log = createLogBackend(new PassThrough(), { scheduler: new VirtualTimeScheduler() });
    const backend = union(log, createTruncatingBackend(webhook, { maxEventSize: 2048, onError: () => {} }));
    const registry = new Registry();
    registerMetrics(backend, registry);
    backend.run();

    expect(await backend.processEvents(event('a'), event('b'), event('c'))).toBe(true);
    expect(await backend.processEvents(event('fail-1'), event('fail-2'))).toBe(false);
    const fat = event('fat', { annotations: { big: 'x'.repeat(3000) } });
    expect(await backend.processEvents(fat, event('d'))).toBe(false);
    webhook.queuedNow = 4;

    const text = await registry.metrics();
    expect(text).toContain('# TYPE audit_event_total counter');
    // log accepted 7, truncate<webhook> 6 (the too-large event was not accepted).
    expect(samples(text, 'audit_event_total')).toEqual(['audit_event_total 13']);
    expect(samples(text, 'audit_error_total')).toEqual([
      'audit_error_total{plugin="webhook",reason="send-failed"} 2',
      'audit_error_total{plugin="truncate",reason="too-large"} 1',
    ]);
    expect(samples(text, 'audit_queue_length')).toEqual(['audit_queue_length 4']);
    expect(text).toContain('# TYPE audit_queue_length gauge');
    expect(samples(text, 'audit_retries_total')).toEqual(['audit_retries_total 2']);
    // Deliveries: log 3, 2, 2 events (0 s, virtual clock); webhook 3, 2, 1 events (0.02 s, 1.5 s, 0.02 s).
    expect(text).toContain('# TYPE audit_batch_size histogram');
    expect(samples(text, 'audit_batch_size')).toEqual([
      'audit_batch_size_bucket{le="1"} 1',
      'audit_batch_size_bucket{le="2"} 4',
      'audit_batch_size_bucket{le="5"} 6',
      'audit_batch_size_bucket{le="10"} 6',
      'audit_batch_size_bucket{le="20"} 6',
      'audit_batch_size_bucket{le="50"} 6',
      'audit_batch_size_bucket{le="100"} 6',
      'audit_batch_size_bucket{le="200"} 6',
      'audit_batch_size_bucket{le="500"} 6',
      'audit_batch_size_bucket{le="1000"} 6',
      'audit_batch_size_bucket{le="+Inf"} 6',
      'audit_batch_size_sum 13',
      'audit_batch_size_count 6',
    ]);
    const duration = samples(text, 'audit_send_duration_seconds');
    expect(duration).toContain('audit_send_duration_seconds_bucket{le="0.005"} 3');
    expect(duration).toContain('audit_send_duration_seconds_bucket{le="0.01"} 3');
    expect(duration).toContain('audit_send_duration_seconds_bucket{le="0.025"} 5');
    expect(duration).toContain('audit_send_duration_seconds_bucket{le="1"} 5');
    expect(duration).toContain('audit_send_duration_seconds_bucket{le="2.5"} 6');
    expect(duration).toContain('audit_send_duration_seconds_bucket{le="+Inf"} 6');
    expect(duration).toContain('audit_send_duration_seconds_count 6');
    const sum = duration.find((l) => l.startsWith('audit_send_duration_seconds_sum '));
    expect(Number(sum?.split(' ')[1])).toBeCloseTo(1.54, 9);

    // The JSON form a prom-client registry builds from the same objects.
    const json = await registry.getMetricsAsJSON();
    expect(json.map((m) => [m.name, m.type])).toEqual([
      ['audit_event_total', 'counter'],
      ['audit_error_total', 'counter'],
      ['audit_queue_length', 'gauge'],
      ['audit_batch_size', 'histogram'],
      ['audit_send_duration_seconds', 'histogram'],
      ['audit_retries_total', 'counter'],
    ]);
  });

  it('exposes exact counts for a real blocking webhook backend with retries and failures', async () => {
    const attempts = new Map<string, number>();
    const sender = async (batch: AuditBatch) => {
      const id = batch.events[0]?.auditID ?? '';
      const n = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, n);
      if (id.startsWith('bad')) throw new WebhookError('HTTP 400', { status: 400 });
      if (id.startsWith('down') || (id.startsWith('flaky') && n === 1)) {
        throw new WebhookError('HTTP 503', { status: 503 });
      }
    };
    const backend = createWebhookBackend({
      mode: 'blocking',
      sender,
      retry: { attempts: 3, initialDelay: 1, jitter: 0 },
      onError: () => {},
    });
    const registry = new Registry();
    registerMetrics(backend, registry);
    backend.run();
    expect(await backend.processEvents(event('ok-1'), event('ok-2'), event('ok-3'))).toBe(true);
    expect(await backend.processEvents(event('flaky-1'))).toBe(true);
    expect(await backend.processEvents(event('bad-1'), event('bad-2'))).toBe(false);
    expect(await backend.processEvents(event('down-1'))).toBe(false);
    await backend.shutdown();
    expect([...attempts.values()]).toEqual([1, 2, 1, 3]);

    const text = await registry.metrics();
    expect(samples(text, 'audit_event_total')).toEqual(['audit_event_total 7']);
    expect(samples(text, 'audit_error_total')).toEqual([
      'audit_error_total{plugin="webhook",reason="send-failed"} 3',
    ]);
    expect(samples(text, 'audit_retries_total')).toEqual(['audit_retries_total 3']);
    expect(samples(text, 'audit_queue_length')).toEqual(['audit_queue_length 0']);
    expect(samples(text, 'audit_batch_size').filter((l) => /le="(1|2|5|\+Inf)"|_sum|_count/.test(l))).toEqual(
      [
        'audit_batch_size_bucket{le="1"} 2',
        'audit_batch_size_bucket{le="2"} 3',
        'audit_batch_size_bucket{le="5"} 4',
        'audit_batch_size_bucket{le="+Inf"} 4',
        'audit_batch_size_sum 7',
        'audit_batch_size_count 4',
      ],
    );
    expect(samples(text, 'audit_send_duration_seconds_count')).toEqual([
      'audit_send_duration_seconds_count 4',
    ]);
  });

  it('lives beside prom-client metrics; the returned function unregisters and stops counting', async () => {
    const fake = recordingBackend();
    const registry = new Registry();
    const mine = new Counter({ name: 'my_requests_total', help: 'mine', registers: [registry] });
    mine.inc(5);
    const unregister = registerMetrics(fake, registry);
    fake.errorsSubject.next({
      plugin: 'webhook',
      reason: 'queue-blocked',
      error: new Error('x'),
      events: [event('1')],
    });
    let text = await registry.metrics();
    expect(samples(text, 'my_requests_total')).toEqual(['my_requests_total 5']);
    expect(samples(text, 'audit_error_total')).toEqual([
      'audit_error_total{plugin="webhook",reason="queue-blocked"} 1',
    ]);

    unregister();
    unregister();
    text = await registry.metrics();
    expect(text).not.toContain('audit_');
    expect(samples(text, 'my_requests_total')).toEqual(['my_requests_total 5']);

    // Registering again starts the errors counter afresh; the old subscription no longer counts.
    registerMetrics(fake, registry);
    fake.errorsSubject.next({
      plugin: 'webhook',
      reason: 'queue-blocked',
      error: new Error('x'),
      events: [event('2')],
    });
    text = await registry.metrics();
    expect(samples(text, 'audit_error_total')).toEqual([
      'audit_error_total{plugin="webhook",reason="queue-blocked"} 1',
    ]);
  });

  it('a name clash throws prom-client’s error and leaves nothing half-registered; a prefix avoids it', async () => {
    const registry = new Registry();
    new Counter({ name: 'audit_queue_length', help: 'taken', registers: [registry] });
    expect(() => registerMetrics(recordingBackend(), registry)).toThrow(
      'A metric with the name audit_queue_length has already been registered.',
    );
    expect(registry.getMetricsAsArray()).toHaveLength(1);

    registerMetrics(recordingBackend(), registry, { prefix: 'svc_' });
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toContain('svc_audit_queue_length');
    expect(names).toContain('audit_queue_length');
  });

  it('writes counters correctly in the OpenMetrics format', async () => {
    const fake = recordingBackend();
    await fake.processEvents(event('1'), event('2'));
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const unregister = registerMetrics(fake, registry);
    const text = await registry.metrics();
    expect(samples(text, 'audit_event')).toEqual(['audit_event_total 2']);
    expect(samples(text, 'audit_retries')).toEqual(['audit_retries_total 0']);
    expect(text).toContain('# TYPE audit_event counter');
    // The registry renamed the counters in place; unregistering still removes them.
    unregister();
    expect(await registry.metrics()).toBe('\n# EOF\n');
  });

  it('resetMetrics restarts counters from zero', async () => {
    const fake = recordingBackend();
    await fake.processEvents(event('1'), event('2'));
    const registry = new Registry();
    registerMetrics(fake, registry);
    fake.deliveriesSubject.next({ events: 2, ok: true, attempts: 1, durationMs: 1 });
    registry.resetMetrics();
    await fake.processEvents(event('3'));
    const text = await registry.metrics();
    expect(samples(text, 'audit_event_total')).toEqual(['audit_event_total 1']);
    expect(samples(text, 'audit_batch_size_count')).toEqual(['audit_batch_size_count 0']);
  });

  it('validates its options', () => {
    const registry = new Registry();
    expect(() => registerMetrics(recordingBackend(), registry, { prefix: 'bad-prefix' })).toThrow(
      'metrics.prefix must be a valid Prometheus metric name prefix, got "bad-prefix"',
    );
    expect(() => registerMetrics(recordingBackend(), registry, { batchSizeBuckets: [] })).toThrow(
      'metrics.batchSizeBuckets must be a non-empty array of finite numbers',
    );
  });

  it('the package root loads and registerMetrics works when prom-client cannot be loaded', async () => {
    vi.resetModules();
    vi.doMock('prom-client', () => {
      throw new Error('Cannot find module prom-client');
    });
    try {
      const root = await import('../../src/index.js');
      const registered: string[] = [];
      const dispose = root.registerMetrics(recordingBackend(), {
        registerMetric: (m) => registered.push((m as unknown as { name: string }).name),
        removeSingleMetric: () => {},
      });
      expect(registered).toContain('audit_event_total');
      dispose();
    } finally {
      vi.doUnmock('prom-client');
      vi.resetModules();
    }
  });

  it('rx-audit never loads prom-client itself (it is an optional peer; only the CLI imports it, on demand)', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
        d.isDirectory()
          ? files(path.join(dir, d.name))
          : d.name.endsWith('.ts')
            ? [path.join(dir, d.name)]
            : [],
      );
    const code = (f: string): string => readFileSync(f, 'utf8').replace(/^\s*(?:\/\/|\*).*$/gm, '');
    const loads = (f: string): boolean =>
      /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]prom-client['"]/.test(
        code(f).replace(/import type[^;]*;/g, ''),
      );
    const cli = path.join(repoRoot, 'src', 'cli');
    const offenders = files(path.join(repoRoot, 'src')).filter((f) => !f.startsWith(cli) && loads(f));
    expect(offenders).toEqual([]);
    // `rx-audit serve` serves /metrics when prom-client is installed: a dynamic import, never a static one.
    const cliLoaders = files(cli).filter(loads);
    expect(cliLoaders.map((f) => path.relative(repoRoot, f))).toEqual(['src/cli/ServeMetrics.ts']);
    expect(code(cliLoaders[0] as string)).not.toMatch(/^import\s+(?!type)[^;]*['"]prom-client['"]/m);
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    expect(pkg.dependencies?.['prom-client']).toBeUndefined();
    expect(pkg.peerDependencies?.['prom-client']).toBeDefined();
    expect(pkg.peerDependenciesMeta?.['prom-client']?.optional).toBe(true);
  });
});
