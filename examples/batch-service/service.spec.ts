import { describe, expect, it } from 'vitest';
import { runDemo } from './service.js';

describe('examples/batch-service', () => {
  it('delivers every event despite a webhook that fails 10% of POSTs', async () => {
    const { received, stats } = await runDemo(300);
    expect(stats.accepted).toBe(300);
    expect(stats.delivered).toBe(300);
    expect(received).toBeGreaterThanOrEqual(300); // a retried POST may have been received twice
    expect(stats.retries).toBeGreaterThan(0);
  });
});
