import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type { AuditPluginError } from '../../src/contract/AuditBackend.js';
import { createLogBackend } from '../../src/backends/createLogBackend.js';
import { createTruncatingBackend } from '../../src/backends/createTruncatingBackend.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import { union } from '../../src/backends/union.js';
import { recordingBackend } from '../backends/recordingBackend.js';
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

  it('log, truncate and union take a logger too, and refuse it beside onError, naming their options', async () => {
    const logger = { warn: vi.fn(), error: vi.fn() };
    const onError = () => {};
    const sink = new PassThrough();
    expect(() => createLogBackend(sink, { logger, onError })).toThrow(
      'log.onError and log.logger are alternatives: pass one of them, not both',
    );
    expect(() => createTruncatingBackend(recordingBackend('d'), { logger, onError })).toThrow(
      'truncate.onError and truncate.logger are alternatives',
    );
    expect(() => union(recordingBackend('a'), recordingBackend('b'), { logger, onError })).toThrow(
      'union.onError and union.logger are alternatives',
    );
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const log = createLogBackend(sink, { logger });
      await log.shutdown();
      expect(await log.processEvents(auditEvent('late'))).toBe(false); // shut-down: warn
      expect(logger.warn.mock.calls.map((c) => String(c[0]))).toEqual([
        expect.stringContaining('audit log shut down'),
      ]);

      const truncate = createTruncatingBackend(recordingBackend('d'), { maxEventSize: 10, logger });
      expect(await truncate.processEvents(auditEvent('big'))).toBe(false); // too-large: error
      const failing = recordingBackend('b');
      failing.result = () => Promise.reject(new Error('nope'));
      const both = union(recordingBackend('a'), failing, { logger });
      expect(await both.processEvents(auditEvent('u'))).toBe(false); // send-failed: error
      expect(logger.error.mock.calls.map((c) => String(c[0]))).toEqual([
        expect.stringContaining('event is too large even after truncating'),
        expect.stringContaining('union: backend b failed to process events'),
      ]);
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      stderr.mockRestore();
    }
  });
});
