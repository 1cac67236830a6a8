import { describe, expect, it } from 'vitest';
import { ServeTally } from '../../src/cli/ServeTally.js';
import type { ReceivedRequest } from '../../src/testing/receiver.js';

const request = (
  reply: ReceivedRequest['reply'],
  events: { verb: string; stage: string }[] = [],
  decodeError?: string,
) =>
  ({
    index: 1,
    method: 'POST',
    path: '/',
    headers: {},
    body: '',
    attempt: 1,
    reply,
    events: events.map((e, i) => ({ level: 'Metadata', auditID: `a${i}`, requestURI: '/', ...e })),
    ...(decodeError === undefined ? {} : { decodeError }),
  }) as ReceivedRequest;

describe('ServeTally', () => {
  it('counts accepted events by verb and stage, and each kind of refusal', () => {
    const tally = new ServeTally(503);
    tally.add(
      request(200, [
        { verb: 'get', stage: 'ResponseComplete' },
        { verb: 'get', stage: 'RequestReceived' },
      ]),
    );
    tally.add(request(200, [{ verb: 'create', stage: 'ResponseComplete' }]));
    tally.add(request(400, [], 'invalid audit EventList: …'));
    tally.add(request(401));
    tally.add(request(503));
    tally.add(request(503));
    tally.add(request(413));
    expect(tally.totals).toEqual({
      events: 3,
      posts: 2,
      rejected: 1,
      unauthorized: 1,
      injected: 2,
      otherErrors: 1,
      verbs: { get: 2, create: 1 },
      stages: { ResponseComplete: 2, RequestReceived: 1 },
    });
  });

  it('renders one line: events/s over the last seconds, verbs and stages by count, refusals', () => {
    const tally = new ServeTally(503);
    const t0 = Date.now();
    expect(tally.line(t0)).toBe(
      '0 events in 0 POSTs (0/s) | verbs: - | stages: - | rejected 0 | unauthorized 0 | failed on purpose 0',
    );
    tally.add(
      request(
        200,
        Array.from({ length: 100 }, () => ({ verb: 'list', stage: 'ResponseComplete' })),
      ),
    );
    tally.add(request(200, [{ verb: 'get', stage: 'ResponseComplete' }]));
    tally.add(request(400, [], 'bad'));
    expect(tally.line(t0 + 2000)).toBe(
      '101 events in 2 POSTs (51/s) | verbs: list 100, get 1 | stages: ResponseComplete 101 | rejected 1 | unauthorized 0 | failed on purpose 0',
    );
  });

  it('shows the five most frequent verbs, then …', () => {
    const tally = new ServeTally(503);
    const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
    tally.add(
      request(
        200,
        verbs.flatMap((verb, i) =>
          Array.from({ length: 7 - i }, () => ({ verb, stage: 'ResponseComplete' })),
        ),
      ),
    );
    expect(tally.line()).toContain('| verbs: get 7, list 6, watch 5, create 4, update 3, … |');
  });
});
