import { describe, expect, it } from 'vitest';
import type { ServeOutcome } from '../../src/cli/ServeOutcome.js';
import { MAX_TALLY_KEYS, ServeTally } from '../../src/cli/ServeTally.js';
import type { AuditEvent } from '../../src/events/Event.js';

const outcome = (
  status: number,
  events: { verb: string; stage: string }[] = [],
  injected = false,
): ServeOutcome => ({
  method: 'POST',
  status,
  bytes: 10,
  injected,
  events: events.map(
    (e, i) => ({ level: 'Metadata', auditID: `a${i}`, requestURI: '/', ...e }) as AuditEvent,
  ),
});

describe('ServeTally', () => {
  it('counts accepted events by verb and stage, and each kind of refusal', () => {
    const tally = new ServeTally();
    tally.add(
      outcome(200, [
        { verb: 'get', stage: 'ResponseComplete' },
        { verb: 'get', stage: 'RequestReceived' },
      ]),
    );
    tally.add(outcome(200, [{ verb: 'create', stage: 'ResponseComplete' }]));
    tally.add(outcome(400));
    tally.add(outcome(401));
    tally.add(outcome(503, [], true));
    tally.add(outcome(503, [], true));
    tally.add(outcome(413));
    tally.add(outcome(415));
    tally.add(outcome(500));
    tally.add({ ...outcome(200), method: 'GET' }); // /healthz is not a POST
    expect(tally.totals).toEqual({
      events: 3,
      posts: 2,
      rejected: 1,
      unauthorized: 1,
      injected: 2,
      tooLarge: 2,
      otherErrors: 1,
      verbs: new Map([
        ['get', 2],
        ['create', 1],
      ]),
      stages: new Map([
        ['ResponseComplete', 2],
        ['RequestReceived', 1],
      ]),
    });
  });

  it('renders one line: events/s over the last seconds, verbs and stages by count, refusals; singular for 1', () => {
    const tally = new ServeTally();
    const t0 = Date.now();
    expect(tally.line(t0)).toBe(
      '0 events in 0 POSTs (0/s) | verbs: - | stages: - | rejected 0 | unauthorized 0 | failed on purpose 0',
    );
    tally.add(outcome(200, [{ verb: 'get', stage: 'ResponseComplete' }]));
    expect(tally.line(t0 + 1000)).toMatch(/^1 event in 1 POST \(/);
    tally.add(
      outcome(
        200,
        Array.from({ length: 100 }, () => ({ verb: 'list', stage: 'ResponseComplete' })),
      ),
    );
    tally.add(outcome(400));
    expect(tally.line(t0 + 2000)).toBe(
      '101 events in 2 POSTs (51/s) | verbs: list 100, get 1 | stages: ResponseComplete 101 | rejected 1 | unauthorized 0 | failed on purpose 0',
    );
  });

  it('shows the five most frequent verbs, then …', () => {
    const tally = new ServeTally();
    const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
    tally.add(
      outcome(
        200,
        verbs.flatMap((verb, i) =>
          Array.from({ length: 7 - i }, () => ({ verb, stage: 'ResponseComplete' })),
        ),
      ),
    );
    expect(tally.line()).toContain('| verbs: get 7, list 6, watch 5, create 4, update 3, … |');
  });

  it('verbs named constructor, toString and __proto__ are plain keys; control characters are escaped', () => {
    const tally = new ServeTally();
    tally.add(
      outcome(200, [
        { verb: '__proto__', stage: 'ResponseComplete' },
        { verb: '__proto__', stage: 'ResponseComplete' },
        { verb: 'constructor', stage: 'ResponseComplete' },
        { verb: 'toString', stage: 'ResponseComplete' },
        { verb: 'get\nrx-audit serve: forged', stage: 'ResponseComplete' },
      ]),
    );
    expect(tally.totals.verbs.get('__proto__')).toBe(2);
    expect(tally.totals.verbs.get('constructor')).toBe(1);
    expect(tally.totals.verbs.get('toString')).toBe(1);
    const line = tally.line();
    expect(line).toContain('verbs: __proto__ 2, constructor 1, get\\nrx-audit serve: forged 1, toString 1 |');
    expect(line).not.toContain('\n');
  });

  it(`counts at most ${MAX_TALLY_KEYS} distinct verbs by name, the rest as (other)`, () => {
    const tally = new ServeTally();
    tally.add(
      outcome(
        200,
        Array.from({ length: MAX_TALLY_KEYS + 50 }, (_, i) => ({ verb: `v${i}`, stage: 'ResponseComplete' })),
      ),
    );
    expect(tally.totals.verbs.size).toBe(MAX_TALLY_KEYS + 1);
    expect(tally.totals.verbs.get('(other)')).toBe(50);
  });
});
