// The one resolver of each shared options type, and the public entries that share it: the same bad option gets
// the same message from the webhook backend, the auditWebhook operator and deliverBatches.
import { EMPTY, asyncScheduler, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import { RETRY_DEFAULTS, WEBHOOK_DEFAULTS } from '../../src/contract/options.js';
import { auditWebhook } from '../../src/operators/auditWebhook.js';
import { deliverBatches } from '../../src/operators/deliverBatches.js';
import { resolveDeliveryOptions, resolveSendOptions } from '../../src/util/validateOptions.js';

describe('resolveDeliveryOptions', () => {
  it('applies every default: v1, 5 attempts in batch mode, 1 in blocking mode, 30 s, asyncScheduler', () => {
    const batch = resolveDeliveryOptions({});
    expect(batch).toEqual({
      groupVersion: 'audit.k8s.io/v1',
      retry: { ...RETRY_DEFAULTS },
      timeout: WEBHOOK_DEFAULTS.timeout,
      scheduler: asyncScheduler,
      sender: undefined,
    });
    expect(resolveDeliveryOptions({}, 'blocking').retry).toEqual({ ...RETRY_DEFAULTS, attempts: 1 });
    expect(resolveDeliveryOptions({ retry: { attempts: 3 } }, 'blocking').retry.attempts).toBe(3);
  });

  it('keeps what is given', () => {
    const scheduler = new TestScheduler(() => undefined);
    const sender = () => EMPTY;
    const resolved = resolveDeliveryOptions({
      groupVersion: 'audit.k8s.io/v1beta1',
      retry: { initialDelay: 5, factor: 2, jitter: 0, attempts: 2 },
      timeout: Infinity,
      scheduler,
      sender,
    });
    expect(resolved).toEqual({
      groupVersion: 'audit.k8s.io/v1beta1',
      retry: { initialDelay: 5, factor: 2, jitter: 0, attempts: 2 },
      timeout: Infinity,
      scheduler,
      sender,
    });
  });

  it.each([
    [{ groupVersion: 'audit.k8s.io/v2' }, 'groupVersion must be one of audit.k8s.io/v1|'],
    [{ sender: 'http://x' }, 'sender must be a function, got "http://x"'],
    [{ timeout: -1 }, 'timeout must be a positive number of milliseconds or Infinity, got -1'],
    [{ retry: { factor: 0.5 } }, 'retry.factor must be a number ≥ 1, got 0.5'],
    [{ retry: 3 }, 'retry must be an object, got 3'],
  ])('rejects %j with a TypeError naming it', (options, message) => {
    expect(() => resolveDeliveryOptions(options as never)).toThrow(TypeError);
    expect(() => resolveDeliveryOptions(options as never)).toThrow(message);
  });
});

describe('one resolver, one message', () => {
  const sender = () => EMPTY;
  const entries: Array<[string, (options: object) => unknown]> = [
    ['createWebhookBackend', (o) => createWebhookBackend({ mode: 'batch', sender, ...o })],
    ['createWebhookBackend (blocking)', (o) => createWebhookBackend({ mode: 'blocking', sender, ...o })],
    ['auditWebhook', (o) => auditWebhook({ sender, ...o })],
  ];
  const bad: object[] = [
    { timeout: 0 },
    { retry: { attempts: 1.5 } },
    { retry: { jitter: -1 } },
    { groupVersion: 'v1' },
    { sender: 42 },
  ];

  it.each(bad)('%j: the same message from the backend (both modes) and the operator', (options) => {
    const messages = entries.map(([, make]) => {
      try {
        make(options);
        return 'no error';
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(messages[0]).not.toBe('no error');
    expect(new Set(messages)).toEqual(new Set([messages[0]]));
  });

  it('deliverBatches resolves retry and timeout with the same rules', () => {
    const send = () => of(undefined);
    for (const options of [{ timeout: 0 }, { retry: { attempts: 1.5 } }]) {
      expect(() => deliverBatches(send, options)).toThrow(resolveError(options));
    }
  });
});

function resolveError(options: object): string {
  try {
    resolveSendOptions(options);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${JSON.stringify(options)} was accepted`);
}
