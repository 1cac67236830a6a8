// `rx-audit serve` (the BUILT bin) answered with plain fetch: 400 with the decode error, 401, 200 + --out.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, decodeLines, OPENSHIFT, runCli, startServe } from './builtCli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rx-audit-cli-serve-'));
beforeAll(assertBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rx-audit serve', () => {
  it('answers 400 with the decode error, 401 for a wrong token, 200 after appending; SIGTERM closes cleanly', async () => {
    const out = path.join(dir, 'events.jsonl');
    const serve = await startServe(['--out', out, '--token', 't0ken']);
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const [first, second] = readFileSync(OPENSHIFT, 'utf8')
      .split('\n')
      .map((line) => JSON.parse(line || 'null') as object);
    const post = (body: string, token = 't0ken') =>
      fetch(serve.url, {
        method: 'POST',
        body,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      });
    const list = (items: unknown[]) =>
      JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items });

    const bad = await post(list([{ ...first, stage: 'Halfway' }]));
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain(
      'items.0.stage: expected one of RequestReceived|ResponseStarted|ResponseComplete|Panic, got "Halfway"',
    );

    const unauthorized = await post(list([first]), 'nope');
    expect(unauthorized.status).toBe(401);

    const ok = await post(list([first, second]));
    expect(ok.status).toBe(200);
    // 200 means written: the file already holds both events, as complete lines.
    const text = readFileSync(out, 'utf8');
    expect(text.split('\n')).toHaveLength(3);
    expect(decodeLines(text)).toEqual(
      decodeLines([JSON.stringify(first), JSON.stringify(second)].join('\n')),
    );

    const stopped = await serve.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(
      /^rx-audit serve stopped \(SIGTERM\): 2 events in 1 POST \(\d+\/s\) \| verbs: create 1, get 1 \| stages: ResponseComplete 2 \| rejected 1 \| unauthorized 1 \| failed on purpose 0$/m,
    );
    expect(stopped.stdout + stopped.stderr).not.toContain('t0ken');
  });

  it('--out is optional: without it POSTs are answered 200 and the events only counted', async () => {
    const help = await runCli(['serve', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(
      'append received events to this file as JSON lines (default: none, events are only counted)',
    );
    const serve = await startServe([]);
    const [first] = readFileSync(OPENSHIFT, 'utf8')
      .split('\n')
      .map((line) => JSON.parse(line || 'null') as object);
    const ok = await fetch(serve.url, {
      method: 'POST',
      body: JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [first, first] }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(ok.status).toBe(200);
    const stopped = await serve.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).not.toContain('appending events');
    expect(stopped.stdout).toMatch(/^rx-audit serve stopped \(SIGTERM\): 2 events in 1 POST /m);
  });
});
