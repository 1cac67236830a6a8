import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ShipCounts } from '../../src/cli/ShipProgress.js';
import { ShipProgress } from '../../src/cli/ShipProgress.js';

function stream(isTTY: boolean): {
  out: PassThrough & { isTTY?: boolean; columns?: number };
  text: () => string;
} {
  let text = '';
  const out = Object.assign(new PassThrough(), { isTTY, columns: 160 });
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { out, text: () => text };
}

const counts: ShipCounts = { read: 300, invalid: 1, delivered: 250, failed: 2, retries: 3, bytes: 500 };

describe('ShipProgress', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('without a TTY prints a plain status line per interval, logs plainly, no control characters', () => {
    const { out, text } = stream(false);
    const progress = new ShipProgress(out, {
      totalBytes: 1000,
      counts: () => counts,
      plainIntervalMs: 100,
      plainFinalLine: true,
    });
    vi.advanceTimersByTime(250);
    progress.log('rx-audit ship: line 7: skipped: not valid JSON');
    progress.stop();
    progress.stop();
    const lines = text().trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /^rx-audit ship: 50% \| 300 read \| 250 delivered \| 2 failed \| 3 retries \| \d+ ev\/s$/,
    );
    expect(lines[2]).toBe('rx-audit ship: line 7: skipped: not valid JSON');
    expect(text()).not.toContain('\x1b');
  });

  it('with a size unknown (stdin) shows no percentage', () => {
    const { out, text } = stream(false);
    const progress = new ShipProgress(out, {
      totalBytes: undefined,
      counts: () => counts,
      plainIntervalMs: 100,
    });
    vi.advanceTimersByTime(100);
    progress.stop();
    expect(text()).toMatch(/^rx-audit ship: 300 read \| 250 delivered/);
  });

  it('on a TTY draws a cli-progress bar with the counts and the ETA', () => {
    const { out, text } = stream(true);
    const progress = new ShipProgress(out, { totalBytes: 1000, counts: () => counts });
    vi.advanceTimersByTime(300);
    progress.log('a line above the bar');
    vi.advanceTimersByTime(300);
    progress.stop();
    expect(text()).toContain('50% | 300 read | 250 delivered | 2 failed | 3 retries |');
    expect(text()).toContain('ETA');
    expect(text()).toContain('a line above the bar\n');
  });

  it('disabled, prints nothing but log lines', () => {
    const { out, text } = stream(true);
    const progress = new ShipProgress(out, { totalBytes: 1000, counts: () => counts, enabled: false });
    vi.advanceTimersByTime(10_000);
    progress.log('only this');
    progress.stop();
    expect(text()).toBe('only this\n');
  });

  it('shows the last error while batches are being retried, in the plain line and on the bar', () => {
    const plain = stream(false);
    const withError = {
      ...counts,
      lastError: 'audit webhook POST http://x/ failed: 503 Service Unavailable',
    };
    const progress = new ShipProgress(plain.out, {
      totalBytes: undefined,
      counts: () => withError,
      plainIntervalMs: 100,
    });
    vi.advanceTimersByTime(150);
    progress.stop();
    expect(plain.text()).toContain(
      '| last error: audit webhook POST http://x/ failed: 503 Service Unavailable\n',
    );
    const tty = stream(true);
    const bar = new ShipProgress(tty.out, { totalBytes: 1000, counts: () => withError });
    vi.advanceTimersByTime(300);
    bar.stop();
    expect(tty.text()).toContain('last error: audit webhook POST http://x/ failed: 503');
  });
});
