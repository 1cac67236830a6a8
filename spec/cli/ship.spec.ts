// serve + ship, both the BUILT bin as child processes, over real loopback ports with the real corpus logs.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTls } from '../transport/fixtures/tls.js';
import {
  assertBuilt,
  decodeFile,
  decodeLines,
  deliveredCount,
  eventKey,
  LIGGITT,
  OPENSHIFT,
  runCli,
  startServe,
  withoutProgressLines,
} from './builtCli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rx-audit-cli-ship-'));
beforeAll(assertBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Flags that keep retries short in tests (the defaults wait 10 s before the first retry). */
const FAST = ['--max-batch-wait', '20', '--retry-initial-delay', '10'];

describe('rx-audit serve + ship', { timeout: 40_000 }, () => {
  it('ships the corpus from stdin and from a gzip file; serve --out holds exactly what was shipped', async () => {
    const out = path.join(dir, 'received.jsonl');
    const gz = path.join(dir, 'openshift.log.gz');
    writeFileSync(gz, gzipSync(readFileSync(OPENSHIFT)));
    const serve = await startServe(['--out', out]);

    const fromStdin = await runCli(['ship', '-', '--url', serve.url, ...FAST], {
      input: readFileSync(LIGGITT),
    });
    expect(withoutProgressLines(fromStdin.stderr)).toEqual([]);
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toContain(`rx-audit ship: stdin → ${serve.url}, batch mode`);
    expect(fromStdin.stdout).toMatch(/read: +757 events, 0 invalid lines skipped/);
    expect(deliveredCount(fromStdin.stdout)).toBe(757);
    expect(fromStdin.stdout).toMatch(/failed: +0 events/);
    expect(fromStdin.stdout).toContain('OK, every valid event was delivered');

    // A long --max-batch-wait: only size cuts apply (the end of the input flushes the last batch), so the count of
    // POSTs holds by construction, however slow the machine.
    const sizeCutsOnly = [
      '--max-batch-wait',
      '600000',
      '--retry-initial-delay',
      '10',
      '--max-batch-size',
      '7',
    ];
    const fromGzip = await runCli(['ship', gz, '--url', serve.url, ...sizeCutsOnly]);
    expect(fromGzip.code).toBe(0);
    expect(fromGzip.stdout).toContain('openshift.log.gz (gzip)');
    expect(deliveredCount(fromGzip.stdout)).toBe(100);
    expect(fromGzip.stdout).toMatch(/in 15 batches/); // 100 events, at most 7 per POST

    const stopped = await serve.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/rx-audit serve stopped \(SIGTERM\): 857 events in \d+ POSTs/);
    expect(stopped.stdout).toMatch(/stages: ResponseComplete 529, RequestReceived 320, ResponseStarted 8/);
    const shipped = [...decodeFile(LIGGITT), ...decodeFile(OPENSHIFT)].sort((a, b) =>
      eventKey(a).localeCompare(eventKey(b)),
    );
    const text = readFileSync(out, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(
      text
        .split('\n')
        .slice(0, -1)
        .every((line) => line.startsWith('{"kind":"Event","apiVersion":"audit.k8s.io/v1",')),
    ).toBe(true);
    expect(decodeLines(text)).toEqual(shipped);
  });

  it('with --fail-rate, retries still deliver every event exactly once', async () => {
    const out = path.join(dir, 'flaky.jsonl');
    const serve = await startServe(['--out', out, '--fail-rate', '0.4']);
    const run = await runCli([
      'ship',
      LIGGITT,
      '--url',
      serve.url,
      ...FAST,
      '--max-batch-size',
      '25',
      '--retry-attempts',
      '20',
      '--buffer-size',
      '100',
    ]);
    const stopped = await serve.stop();
    expect(run.code).toBe(0);
    expect(deliveredCount(run.stdout)).toBe(757);
    const retries = Number(/(\d+) retr(?:y|ies)/.exec(run.stdout)?.[1]);
    const injected = Number(/failed on purpose (\d+)/.exec(stopped.stdout)?.[1]);
    // 31+ POSTs failing 40% of the time: retries happen, and each injected 503 caused exactly one retry.
    expect(retries).toBeGreaterThan(0);
    expect(retries).toBe(injected);
    // Every batch ship counted as delivered is one accepted POST (at least 31: 25 events at most each).
    const batches = Number(/in (\d+) batches/.exec(run.stdout)?.[1]);
    expect(batches).toBeGreaterThanOrEqual(31);
    expect(stopped.stdout).toContain(`: 757 events in ${batches} POSTs`);
    const received = decodeLines(readFileSync(out, 'utf8'));
    expect(new Set(received.map(eventKey)).size).toBe(757);
    expect(received).toEqual(decodeFile(LIGGITT));
  });

  it('skips invalid lines, reporting each with its line number, and ships the rest (blocking mode)', async () => {
    const [a, b, c] = readFileSync(OPENSHIFT, 'utf8').split('\n');
    const halfway = JSON.stringify({ ...(JSON.parse(b as string) as object), stage: 'Halfway' });
    const file = path.join(dir, 'mixed.log');
    writeFileSync(
      file,
      [a, '{"verb": "get",}', halfway, '', '{"kind": 0}', c, 'this is not json'].join('\n') + '\n',
    );
    const out = path.join(dir, 'mixed.jsonl');
    const serve = await startServe(['--out', out]);
    const run = await runCli(['ship', file, '--url', serve.url, '--mode', 'blocking']);
    await serve.stop();
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/read: +2 events, 4 invalid lines skipped/);
    expect(run.stdout).toContain('blocking mode');
    expect(deliveredCount(run.stdout)).toBe(2);
    const reports = withoutProgressLines(run.stderr);
    expect(reports).toEqual([
      'rx-audit ship: line 2: skipped: not valid JSON at column 16',
      expect.stringMatching(
        /^rx-audit ship: line 3: skipped: .*stage: expected one of RequestReceived\|ResponseStarted\|ResponseComplete\|Panic, got "Halfway"/,
      ),
      expect.stringMatching(/^rx-audit ship: line 5: skipped: .*level/),
      'rx-audit ship: line 7: skipped: not valid JSON',
    ]);
    expect(decodeLines(readFileSync(out, 'utf8')).map(eventKey).sort()).toEqual(
      [a, c]
        .map((line) => decodeLines(line as string)[0])
        .map((e) => eventKey(e!))
        .sort(),
    );
  });

  it('ships to a kubeconfig target over mutual TLS with a bearer token; a wrong token fails with exit code 1', async () => {
    const tls = generateTls(mkdtempSync(path.join(dir, 'tls-')));
    const serve = await startServe([
      '--tls-cert',
      tls.server.certFile,
      '--tls-key',
      tls.server.keyFile,
      '--client-ca',
      tls.clientCa.certFile,
      '--token',
      'audit-s3cr3t',
    ]);
    expect(serve.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    const kubeDir = mkdtempSync(path.join(dir, 'kube-'));
    copyFileSync(tls.ca.certFile, path.join(kubeDir, 'ca.crt'));
    copyFileSync(tls.client.certFile, path.join(kubeDir, 'client.crt'));
    copyFileSync(tls.client.keyFile, path.join(kubeDir, 'client.key'));
    const kubeconfig = (token: string): string => {
      const file = path.join(kubeDir, `${token}.kubeconfig`);
      writeFileSync(
        file,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          '- name: audit',
          '  cluster:',
          `    server: ${serve.url}audit`,
          '    certificate-authority: ca.crt',
          'users:',
          '- name: apiserver',
          '  user:',
          '    client-certificate: client.crt',
          '    client-key: client.key',
          `    token: ${token}`,
          'contexts:',
          '- name: default',
          '  context: {cluster: audit, user: apiserver}',
          'current-context: default',
        ].join('\n') + '\n',
      );
      return file;
    };

    const good = await runCli(['ship', OPENSHIFT, '--kubeconfig', kubeconfig('audit-s3cr3t'), ...FAST]);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain(`→ ${serve.url}audit (kubeconfig), batch mode`);
    expect(deliveredCount(good.stdout)).toBe(100);

    const bad = await runCli(['ship', OPENSHIFT, '--kubeconfig', kubeconfig('wrong-token'), ...FAST]);
    const stopped = await serve.stop();
    expect(bad.code).toBe(1);
    expect(deliveredCount(bad.stdout)).toBe(0);
    expect(bad.stdout).toMatch(/failed: +100 events \(send-failed 100\)/);
    expect(bad.stdout).toContain('FAILED, not every valid event was delivered');
    expect(bad.stderr).toMatch(/not delivered: audit plugin=webhook reason=send-failed events=\d+/);
    expect(bad.stdout + bad.stderr).not.toContain('wrong-token');
    // 401 is final: one attempt per batch, no retries.
    expect(bad.stdout).toMatch(/0 retries/);
    expect(stopped.stdout).toMatch(/: 100 events in \d+ POSTs? .* unauthorized \d+ /);
  });

  it('exits 1 when the webhook is unreachable', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as { port: number };
        server.close(() => resolve(free));
      });
    });
    const run = await runCli([
      'ship',
      OPENSHIFT,
      '--url',
      `http://127.0.0.1:${port}/`,
      ...FAST,
      '--retry-attempts',
      '2',
    ]);
    expect(run.code).toBe(1);
    expect(deliveredCount(run.stdout)).toBe(0);
    expect(run.stdout).toMatch(/failed: +100 events \(send-failed 100\)/);
    // Two attempts per batch: exactly one retry each.
    const [, batches, retries] = /in (\d+) batch(?:es)?, (\d+) retr/.exec(run.stdout) ?? [];
    expect(Number(batches)).toBeGreaterThan(0);
    expect(retries).toBe(batches);
    expect(run.stderr).toMatch(/a POST of \d+ events? failed: .*ECONNREFUSED/);
  });
});
