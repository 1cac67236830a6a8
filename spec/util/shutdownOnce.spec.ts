import { describe, expect, it } from 'vitest';
import { shutdownOnce } from '../../src/util/shutdownOnce.js';

describe('shutdownOnce', () => {
  it('runs once, synchronously, with the timeout; later and re-entrant calls get the same promise', async () => {
    const runs: Array<number | undefined> = [];
    let inner: Promise<void> | undefined;
    const once = shutdownOnce((timeout) => {
      runs.push(timeout);
      inner = once.shutdown({ timeout: 1 }); // re-entrant
      return Promise.resolve();
    });
    expect(once.started()).toBe(false);
    const first = once.shutdown({ timeout: 5 });
    expect(runs).toEqual([5]);
    expect(once.started()).toBe(true);
    expect(inner).toBe(first);
    expect(once.shutdown()).toBe(first);
    await first;
    expect(runs).toEqual([5]);
  });

  it('rejects options that are not an object (a bare number would drain with no deadline), naming them', async () => {
    const runs: Array<number | undefined> = [];
    const once = shutdownOnce((timeout) => {
      runs.push(timeout);
      return Promise.resolve();
    });
    const bare = once.shutdown as (options?: unknown) => Promise<void>;
    await expect(bare(5000)).rejects.toThrow('shutdown options must be an object ({ timeout }), got 5000');
    await expect(bare(null)).rejects.toThrow('shutdown options must be an object ({ timeout }), got null');
    expect(once.started()).toBe(false);
    await once.shutdown({ timeout: 5000 });
    expect(runs).toEqual([5000]);
  });

  it('rejects a bad timeout without starting; a throwing run becomes a rejection', async () => {
    const once = shutdownOnce(() => {
      throw new Error('boom');
    });
    await expect(once.shutdown({ timeout: -1 })).rejects.toThrow(
      'shutdown timeout must be a non-negative number of milliseconds, got -1',
    );
    expect(once.started()).toBe(false);
    await expect(once.shutdown()).rejects.toThrow('boom');
  });
});
