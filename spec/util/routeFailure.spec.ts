import { describe, expect, it, vi } from 'vitest';
import type { AuditPluginError } from '../../src/contract/AuditBackend.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import { routeFailure } from '../../src/util/routeFailure.js';
import { auditEvent } from '../helpers/fixtures.js';

const item: AuditPluginError = {
  plugin: 'webhook',
  reason: 'queue-blocked',
  error: new Error('audit webhook queue blocked'),
  events: [auditEvent('a1')],
};

describe('routeFailure', () => {
  it('calls onError, ignoring a throw from it', () => {
    const seen: AuditPluginError[] = [];
    const route = routeFailure((e) => {
      seen.push(e);
      throw new Error('handler bug');
    });
    expect(() => route(item)).not.toThrow();
    expect(seen).toEqual([item]);
  });

  it('without onError, a logger gets the item (warn for queue-blocked); without either, stderr', () => {
    const logger = { warn: vi.fn(), error: vi.fn() };
    routeFailure(undefined, logger)(item);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.error).not.toHaveBeenCalled();
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      routeFailure(undefined)(item);
      expect(String(write.mock.calls[0]?.[0])).toContain('reason=queue-blocked');
    } finally {
      write.mockRestore();
    }
  });

  it('refuses onError and logger together, and the backends take logger', () => {
    const logger = { warn: vi.fn(), error: vi.fn() };
    expect(() =>
      createWebhookBackend({ mode: 'batch', sender: () => Promise.resolve(), logger, onError: () => {} }),
    ).toThrow('onError and logger are alternatives: pass one of them, not both');
    const backend = createWebhookBackend({ mode: 'batch', sender: () => Promise.resolve(), logger });
    void backend.shutdown();
    void backend.processEvents(auditEvent('late'));
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });
});
