// startServe in-process: what a bug in answering a request leaves behind.
import { afterEach, describe, expect, it } from 'vitest';
import type { ServeHandle } from '../../src/cli/startServe.js';
import { startServe } from '../../src/cli/startServe.js';
import { encodeEventList } from '../../src/events/encodeEventList.js';
import { auditEvent } from '../helpers/fixtures.js';

let serve: ServeHandle | undefined;
afterEach(async () => {
  await serve?.close();
  serve = undefined;
});

describe('startServe', () => {
  it('a request that hits a bug is said on stderr (a notice), and the server keeps serving', async () => {
    const notices: string[] = [];
    serve = await startServe({
      port: 0,
      host: '127.0.0.1',
      failRate: 0,
      delayMs: 0,
      onNotice: (line) => notices.push(line),
    });
    let bug = true;
    // A listener that throws stands for a bug on the answering path (it runs inside the request's handling).
    serve.onRequest(() => {
      if (bug) throw new TypeError('listener bug');
    });
    const body = JSON.stringify(encodeEventList([auditEvent('a1')]));
    const post = () =>
      fetch(serve?.url ?? '', { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
    await post();
    await expect.poll(() => notices.length).toBe(1);
    expect(notices[0]).toBe('internal error answering POST (500): TypeError: listener bug');
    bug = false;
    expect((await post()).status).toBe(200);
    expect(notices).toHaveLength(1);
  });
});
