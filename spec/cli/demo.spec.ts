// `rx-audit demo` (the BUILT bin, as `npm run demo` runs it): the report proves exactly-once delivery.
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from './builtCli.js';

beforeAll(assertBuilt);

describe('rx-audit demo', { timeout: 40_000 }, () => {
  it('ships the bundled sample through a failing server and reports every event arrived exactly once', async () => {
    const run = await runCli(['demo'], { timeoutMs: 30_000 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/serve: http:\/\/127\.0\.0\.1:\d+\/ answers (\d+)% of POSTs with 503 on purpose/);
    expect(out).toContain('ship:  300 real apiserver audit events');
    expect(out).toMatch(/progress: 100% \| 300 read \| 300 delivered \| 0 failed/);
    expect(out).toContain('sent:      300 events with 300 unique (auditID, stage) keys');
    const received =
      /received: +(\d+) events in (\d+) accepted POSTs?; (\d+) POSTs? failed on purpose, (\d+) retr(?:y|ies)/.exec(
        out,
      );
    expect(received?.[1]).toBe('300');
    expect(received?.[2]).toBe('15'); // 300 events, 20 per POST
    // Every failure the server injected was retried once, and each shows as a line.
    expect(received?.[4]).toBe(received?.[3]);
    expect(out.match(/serve: answered 503 to a POST of 20 events/g)?.length ?? 0).toBe(Number(received?.[3]));
    expect(out).toContain(
      'exactly once: 0 duplicates, 0 missing, 0 unexpected; 300/300 identical to what was sent',
    );
    expect(out).toMatch(/result: +OK — every event arrived exactly once \(\d+\.\d s\)/);
  });
});
