import type * as PromClient from 'prom-client';
import type { ServeOutcome } from './ServeOutcome.js';

/** `serve`'s Prometheus metrics (`GET /metrics`). */
export interface ServeMetrics {
  /** Counts one answered request. */
  observe(outcome: ServeOutcome): void;
  /** The exposition text and its content type. */
  scrape(): Promise<{ contentType: string; text: string }>;
}

/**
 * `serve`'s metrics on a fresh prom-client registry: `rx_audit_serve_events_received_total`,
 * `rx_audit_serve_posts_total{code}`, `rx_audit_serve_received_bytes_total` (body bytes off the wire) and
 * prom-client's default process metrics (RSS, CPU, event-loop lag). prom-client is an optional peer dependency,
 * loaded only here: without it, `undefined` (and `/metrics` answers 501).
 *
 * @returns The metrics, or `undefined` when prom-client is not installed.
 */
export async function createServeMetrics(): Promise<ServeMetrics | undefined> {
  let client: typeof PromClient;
  try {
    client = await import('prom-client');
  } catch {
    return undefined;
  }
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const events = new client.Counter({
    name: 'rx_audit_serve_events_received_total',
    help: 'Audit events accepted (in POSTs answered 2xx).',
    registers: [registry],
  });
  const posts = new client.Counter({
    name: 'rx_audit_serve_posts_total',
    help: 'POSTs answered, by HTTP status code.',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const bytes = new client.Counter({
    name: 'rx_audit_serve_received_bytes_total',
    help: 'Request body bytes read from the wire (before decompression).',
    registers: [registry],
  });
  return {
    observe(outcome) {
      if (outcome.method !== 'POST') return;
      posts.inc({ code: String(outcome.status) });
      if (outcome.bytes > 0) bytes.inc(outcome.bytes);
      if (outcome.status >= 200 && outcome.status < 300 && outcome.events.length > 0) {
        events.inc(outcome.events.length);
      }
    },
    async scrape() {
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
  };
}
