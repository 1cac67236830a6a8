import { describe, expect, it } from 'vitest';
import { runDemo } from './transfer.js';

describe('examples/blocking-call', () => {
  it('performs an operation only after its audit record was delivered', async () => {
    const { performed, refused, reports } = await runDemo();
    expect(performed.map((t) => t.user)).toEqual(['alice']);
    expect(refused).toEqual(['transfer by mallory refused: audit record not delivered']);
    expect(reports.map((r) => [r.plugin, r.reason, r.events.length])).toEqual([
      ['webhook', 'send-failed', 1],
    ]);
  });
});
