// `rx-audit ship` as a production sidecar (the BUILT bin, real child processes, real signals, real files):
// JSON documents, no valid event, idle batches, SIGTERM with --drain-timeout, a second signal, --follow through
// rename and truncate rotations, --checkpoint restarts, last errors, --log-format json, kubeconfig with
// client-certificate-data over mutual TLS to serve --token-file.
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTls } from '../transport/fixtures/tls.js';
import {
  assertBuilt,
  corpusDir,
  decodeLines,
  deliveredCount,
  eventKey,
  hasOpen,
  OPENSHIFT,
  runCli,
  spawnCli,
  startServe,
  waitUntil,
} from './builtCli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rx-audit-cli-prod-'));
beforeAll(assertBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Upper bound for one ship run after its signal: a guard against a hang, not a measure of speed. */
const HANG_GUARD_MS = 20_000;
const FAST = ['--max-batch-wait', '50', '--retry-initial-delay', '10', '--no-progress'];
const LINES = readFileSync(OPENSHIFT, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '');
const linesOf = (out: string): number =>
  existsSync(out) ? readFileSync(out, 'utf8').split('\n').length - 1 : 0;

/** A webhook that never answers and counts the POSTs that arrived. */
async function hangingWebhook() {
  const server = createServer(() => void webhook.arrived++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const webhook = {
    arrived: 0,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return webhook;
}

describe('rx-audit ship in production', { timeout: 60_000 }, () => {
  it('reads pretty-printed JSON documents; a log with no valid event exits 1 saying so', async () => {
    const out = path.join(dir, 'docs.jsonl');
    const serve = await startServe(['--out', out]);
    const list = await runCli([
      'ship',
      path.join(corpusDir, 'kubernetes__website__audit.md.v1alpha1-eventlist.json'),
      '--url',
      serve.url,
      ...FAST,
    ]);
    expect(list.code).toBe(0);
    expect(deliveredCount(list.stdout)).toBe(1);
    const single = await runCli([
      'ship',
      path.join(corpusDir, 'openshift__cluster-logging-operator__raw_audit_openshift.json'),
      '--url',
      serve.url,
      ...FAST,
    ]);
    expect(single.code).toBe(0);
    expect(single.stdout).toMatch(/read: +1 event, 0 invalid lines skipped/);
    expect(single.stdout).toMatch(/delivered: +1 event in 1 batch, 0 retries/);
    // An array of events, concatenated pretty objects.
    const mixed = path.join(dir, 'mixed.json');
    const [a, b, c] = LINES.map((l) => JSON.parse(l) as object);
    writeFileSync(mixed, `${JSON.stringify([a, b], null, 2)}\n${JSON.stringify(c, null, 2)}`);
    expect(deliveredCount((await runCli(['ship', mixed, '--url', serve.url, ...FAST])).stdout)).toBe(3);

    const falco = await runCli([
      'ship',
      path.join(corpusDir, 'falcosecurity__falco__fal_01_003.json'),
      '--url',
      serve.url,
      ...FAST,
    ]);
    expect(falco.code).toBe(1);
    expect(falco.stdout).toContain(
      'FAILED, no valid audit event in falcosecurity__falco__fal_01_003.json (1 invalid line)',
    );
    const empty = path.join(dir, 'empty.log');
    writeFileSync(empty, '');
    const none = await runCli(['ship', empty, '--url', serve.url, ...FAST]);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('FAILED, no valid audit event in empty.log');
    await serve.stop();
    expect(decodeLines(readFileSync(out, 'utf8'))).toHaveLength(5);
  });

  it('sends a partial batch while stdin is idle; SIGTERM stops reading at once and exits 0 when all was delivered', async () => {
    const out = path.join(dir, 'idle.jsonl');
    const serve = await startServe(['--out', out]);
    const ship = spawnCli(
      ['ship', '-', '--url', serve.url, ...FAST, '--max-batch-size', '100'],
      HANG_GUARD_MS,
    );
    ship.child.stdin.write(`${LINES.slice(0, 5).join('\n')}\n`);
    await waitUntil(() => linesOf(out) === 5, '5 events sent while stdin stays open');
    // stdin stays open: only the signal can end this run (within the hang guard, or `done` rejects).
    ship.child.kill('SIGTERM');
    const run = await ship.done;
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'rx-audit ship: interrupted — stopped reading, draining what was accepted for at most 10 s',
    );
    expect(run.stdout).toMatch(/read: +5 events, 0 invalid lines skipped \(interrupted\)/);
    expect(deliveredCount(run.stdout)).toBe(5);
    await serve.stop();
  });

  it('the drain lasts at most --drain-timeout, then exits 1; a second signal exits 130 at once with the counts', async () => {
    // A webhook that never answers, and says when a POST has arrived. With --timeout 60000 and a 60 s drain, only
    // the drain deadline (first run) or the second signal (second run) can end ship within the hang guard: the
    // outcome holds by construction, not by how fast the machine is.
    const hanging = await hangingWebhook();
    const serve = { url: hanging.url };
    const file = path.join(dir, 'ten.log');
    writeFileSync(file, `${LINES.slice(0, 10).join('\n')}\n`);
    const args = ['ship', file, '--url', serve.url, ...FAST, '--timeout', '60000', '--follow'];
    const ship = spawnCli([...args, '--drain-timeout', '500'], HANG_GUARD_MS);
    // A POST in flight: ship is past its start-up, its signal listeners are installed.
    await waitUntil(() => hanging.arrived === 1, 'the batch is in flight');
    ship.child.kill('SIGTERM');
    const run = await ship.done;
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/failed: +10 events \(send-failed 10\)/);
    expect(run.stdout).toContain('FAILED, not every valid event was delivered');
    expect(hanging.arrived).toBe(1); // the deadline ended the POST in flight; it was not sent again

    hanging.arrived = 0;
    const again = spawnCli([...args, '--drain-timeout', '60000'], HANG_GUARD_MS);
    await waitUntil(() => hanging.arrived === 1, "the second run's batch is in flight");
    again.child.kill('SIGTERM');
    await waitUntil(() => again.output().stderr.includes('interrupted'), 'the first signal is seen');
    again.child.kill('SIGTERM');
    const forced = await again.done;
    expect(forced.code).toBe(130);
    const last = forced.stderr.trimEnd().split('\n').at(-1);
    expect(last).toBe(
      'rx-audit ship: interrupted again — exiting now: 10 events read, 0 delivered, 10 not yet delivered',
    );
    await hanging.close();
  });

  it('a file read to its end, then SIGTERM: the drain still lasts at most --drain-timeout', async () => {
    const hanging = await hangingWebhook();
    const { url } = hanging;
    const file = path.join(dir, 'read-whole.log');
    writeFileSync(file, `${LINES.slice(0, 10).join('\n')}\n`);
    const args = ['ship', file, '--url', url, ...FAST, '--timeout', '60000', '--drain-timeout', '500'];
    const ship = spawnCli(args, HANG_GUARD_MS);
    await waitUntil(() => hanging.arrived === 1, 'the batch is in flight');
    await new Promise((resolve) => setTimeout(resolve, 300)); // ten lines: read to the end long before this
    ship.child.kill('SIGTERM');
    const run = await ship.done;
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/failed: +10 events \(send-failed 10\)/);
    await hanging.close();
  });

  it('--follow keeps shipping through a rename and a truncate; --checkpoint resumes with nothing twice and nothing skipped', async () => {
    const out = path.join(dir, 'follow.jsonl');
    const log = path.join(dir, 'audit.log');
    const checkpoint = path.join(dir, 'audit.checkpoint');
    const serve = await startServe(['--out', out]);
    writeFileSync(log, `${LINES.slice(0, 10).join('\n')}\n`);
    const args = ['ship', log, '--url', serve.url, ...FAST, '--checkpoint', checkpoint];
    const ship = spawnCli([...args, '--follow']);
    await waitUntil(() => linesOf(out) === 10, 'the first 10 events');
    appendFileSync(log, `${LINES.slice(10, 15).join('\n')}\n`);
    await waitUntil(() => linesOf(out) === 15, '5 appended events');
    // Rotation by rename: the old file gets one last line after the rename, then a new file appears.
    renameSync(log, `${log}.1`);
    appendFileSync(`${log}.1`, `${LINES[15]}\n`);
    writeFileSync(log, `${LINES.slice(16, 40).join('\n')}\n`);
    await waitUntil(() => linesOf(out) === 40, "the renamed file's last line and the new file");
    // Rotation by truncation (copytruncate): the file shrinks, then gets new lines.
    truncateSync(log, 0);
    writeFileSync(log, `${LINES.slice(40, 43).join('\n')}\n`);
    await waitUntil(() => linesOf(out) === 43, 'the lines after the truncation');
    ship.child.kill('SIGTERM');
    const first = await ship.done;
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/checkpoint: byte \d+ \(line 4\)/);

    // While it was down, the log grew; the restart sends only the new lines.
    appendFileSync(log, `${LINES.slice(43, 50).join('\n')}\n`);
    const second = await runCli(args);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/resuming audit\.log at byte \d+ \(line 4\) from the checkpoint/);
    expect(second.stdout).toMatch(/read: +7 events/);
    // And once more: nothing new, nothing sent.
    const third = await runCli(args);
    expect(third.stdout).toMatch(/read: +0 events/);
    await serve.stop();
    const received = decodeLines(readFileSync(out, 'utf8'));
    expect(received).toHaveLength(50);
    expect(new Set(received.map(eventKey)).size).toBe(50);
    expect(received).toEqual(decodeLines(LINES.slice(0, 50).join('\n')));
  });

  it('says why a POST fails while it retries (last error); --log-format json writes only JSON lines on stderr', async () => {
    const serve = await startServe(['--fail-rate', '1']);
    const run = await runCli([
      'ship',
      OPENSHIFT,
      '--url',
      `${serve.url}?token=s3cret`,
      ...FAST,
      '--retry-attempts',
      '2',
      '--log-format',
      'json',
    ]);
    await serve.stop();
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const records = run.stderr
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: string; msg: string; ok?: boolean; delivered?: number });
    const failure = records.find((r) => r.msg.includes('failed: audit webhook POST'));
    expect(failure).toMatchObject({ level: 'warn' });
    expect(failure?.msg).toMatch(
      /^rx-audit ship: a POST of \d+ events? failed: audit webhook POST http:\/\/127\.0\.0\.1:\d+\/ failed: 503/,
    );
    expect(run.stderr).not.toContain('s3cret');
    const summary = records.at(-1);
    expect(summary).toMatchObject({ level: 'info', ok: false, delivered: 0 });
    expect(summary?.msg).toContain('FAILED, not every valid event was delivered');
  });

  it('ships to serve over mutual TLS with a kubeconfig holding client-certificate-data and a token from --token-file', async () => {
    const tls = generateTls(mkdtempSync(path.join(dir, 'tls-')));
    const tokenFile = path.join(dir, 'serve.token');
    writeFileSync(tokenFile, 'rotating-t0ken\n');
    const out = path.join(dir, 'mtls.jsonl');
    const serve = await startServe([
      '--tls-cert',
      tls.server.certFile,
      '--tls-key',
      tls.server.keyFile,
      '--client-ca',
      tls.clientCa.certFile,
      '--token-file',
      tokenFile,
      '--out',
      out,
    ]);
    const b64 = (text: string): string => Buffer.from(text).toString('base64');
    const kubeconfig = path.join(dir, 'data.kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'audit',
            cluster: { server: `${serve.url}audit`, 'certificate-authority-data': b64(tls.ca.cert) },
          },
        ],
        users: [
          {
            name: 'apiserver',
            user: {
              'client-certificate-data': b64(tls.client.cert),
              'client-key-data': b64(tls.client.key),
              token: 'rotating-t0ken',
            },
          },
        ],
        contexts: [{ name: 'default', context: { cluster: 'audit', user: 'apiserver' } }],
        'current-context': 'default',
      }),
    );
    const run = await runCli(['ship', OPENSHIFT, '--kubeconfig', kubeconfig, ...FAST]);
    expect(run.code).toBe(0);
    expect(deliveredCount(run.stdout)).toBe(100);
    const stopped = await serve.stop();
    expect(stopped.stdout).toMatch(/: 100 events in \d+ POSTs? .* unauthorized 0 /);
    expect(decodeLines(readFileSync(out, 'utf8'))).toEqual(decodeLines(LINES.join('\n')));
  });

  it('--checkpoint on a gzip log resumes in its text: a second run sends nothing again', async () => {
    // The checkpoint's offset counts the inflated text, far past the compressed size once a run has read on.
    const out = path.join(dir, 'gzip-checkpoint.jsonl');
    const log = path.join(dir, 'checkpointed.log.gz');
    const checkpoint = path.join(dir, 'gzip.checkpoint');
    writeFileSync(log, gzipSync(`${LINES.slice(0, 40).join('\n')}\n`));
    const serve = await startServe(['--out', out]);
    const args = ['ship', log, '--url', serve.url, ...FAST, '--checkpoint', checkpoint];
    const first = await runCli(args);
    expect(first.stdout).toMatch(/read: +40 events/);
    const saved = JSON.parse(readFileSync(checkpoint, 'utf8')) as { offset: number };
    expect(saved.offset).toBeGreaterThan(statSync(log).size);
    const second = await runCli(args);
    await serve.stop();
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(
      /resuming checkpointed\.log\.gz at byte \d+ \(line 41\) from the checkpoint/,
    );
    expect(second.stdout).toMatch(/read: +0 events/);
    expect(linesOf(out)).toBe(40);
  });

  it('--checkpoint: a log truncated and written again past the checkpoint while ship was down is read from its start', async () => {
    const out = path.join(dir, 'regrown.jsonl');
    const log = path.join(dir, 'regrown.log');
    const checkpoint = path.join(dir, 'regrown.checkpoint');
    writeFileSync(log, `${LINES.slice(0, 10).join('\n')}\n`);
    const serve = await startServe(['--out', out]);
    const args = ['ship', log, '--url', serve.url, ...FAST, '--checkpoint', checkpoint];
    expect((await runCli(args)).stdout).toMatch(/read: +10 events/);
    // copytruncate, then more bytes than before: the checkpoint's offset now falls inside other lines.
    truncateSync(log, 0);
    writeFileSync(log, `${LINES.slice(10, 40).join('\n')}\n`);
    const second = await runCli(args);
    await serve.stop();
    expect(second.stderr).toMatch(/regrown\.log does not hold what the checkpoint was taken after/);
    expect(second.stderr).not.toMatch(/skipped/);
    expect(second.stdout).toMatch(/read: +30 events/);
    expect(decodeLines(readFileSync(out, 'utf8'))).toEqual(decodeLines(LINES.slice(0, 40).join('\n')));
  });

  it('a --checkpoint that cannot be written is a warning at once and a failed run, though every event was delivered', async () => {
    const log = path.join(dir, 'unsaved.log');
    writeFileSync(log, `${LINES.slice(0, 3).join('\n')}\n`);
    const serve = await startServe([]);
    const checkpoint = path.join(dir, 'no-such-folder', 'audit.checkpoint');
    const run = await runCli(['ship', log, '--url', serve.url, ...FAST, '--checkpoint', checkpoint]);
    await serve.stop();
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/warning: --checkpoint .*audit\.checkpoint cannot be written \(ENOENT\)/);
    expect(run.stdout).toMatch(/delivered: +3 events/);
    expect(run.stdout).toMatch(/FAILED, every valid event was delivered but the checkpoint was not saved/);
  });

  it('--checkpoint does not pass a last line still being written: the next run reads it whole', async () => {
    const out = path.join(dir, 'torn-tail.jsonl');
    const log = path.join(dir, 'torn-tail.log');
    const checkpoint = path.join(dir, 'torn-tail.checkpoint');
    const last = LINES[5] as string;
    writeFileSync(log, `${LINES.slice(0, 5).join('\n')}\n${last.slice(0, 100)}`);
    const serve = await startServe(['--out', out]);
    const args = ['ship', log, '--url', serve.url, ...FAST, '--checkpoint', checkpoint];
    const first = await runCli(args);
    expect(first.stderr).toMatch(/line 6: skipped: not valid JSON/);
    expect(first.stdout).toMatch(/checkpoint: byte \d+ \(line 6\)/);
    // The writer finishes the line and goes on.
    appendFileSync(log, `${last.slice(100)}\n${LINES.slice(6, 10).join('\n')}\n`);
    const second = await runCli(args);
    await serve.stop();
    expect(second.stderr).not.toMatch(/skipped/);
    expect(second.stdout).toMatch(/read: +5 events/);
    expect(decodeLines(readFileSync(out, 'utf8'))).toEqual(decodeLines(LINES.slice(0, 10).join('\n')));
  });

  it('gzip input is bounded and interruptible: 16 GiB of one line inflating, SIGTERM stops it at once', async () => {
    // Gzip members concatenate: 256 copies of 64 MiB of "a" (no newline) inflate to 16 GiB from about 16 MB: the
    // signal lands while ship is reading (a ship that read on would end the line with a --max-line-bytes skip).
    const member = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x61), { level: 9 });
    const bomb = path.join(dir, 'bomb.log.gz');
    writeFileSync(bomb, Buffer.concat(Array.from({ length: 256 }, () => member)));
    const serve = await startServe([]);
    const ship = spawnCli(
      ['ship', bomb, '--url', serve.url, ...FAST, '--max-line-bytes', '1048576'],
      HANG_GUARD_MS,
    );
    // ship opens its input after installing its signal listeners; then let it inflate for a moment.
    await waitUntil(() => hasOpen(ship.child.pid, bomb), 'ship to open its input');
    await new Promise((resolve) => setTimeout(resolve, 200));
    ship.child.kill('SIGTERM');
    const run = await ship.done; // rejects (and kills ship) if it is still inflating after the hang guard
    await serve.stop();
    expect(run.code).toBe(0); // nothing valid was read, and nothing is undelivered
    expect(run.stdout).toMatch(/read: +0 events, 0 invalid lines skipped \(interrupted\)/);
    // The one line never ended: the signal stopped reading in the middle of it.
    expect(run.stderr).not.toContain('longer than --max-line-bytes');
  });

  it('--follow waits for a file that does not exist yet, and SIGTERM while waiting is a clean exit', async () => {
    const out = path.join(dir, 'late.jsonl');
    const late = path.join(dir, 'late.log');
    const serve = await startServe(['--out', out]);
    const ship = spawnCli(['ship', late, '--url', serve.url, ...FAST, '--follow']);
    await waitUntil(
      () => ship.output().stderr.includes('waiting for late.log to appear'),
      'the waiting notice',
    );
    writeFileSync(late, `${LINES.slice(0, 3).join('\n')}\n`);
    await waitUntil(() => linesOf(out) === 3, 'the 3 events of the late file');
    ship.child.kill('SIGTERM');
    expect((await ship.done).code).toBe(0);

    const never = spawnCli(['ship', path.join(dir, 'never.log'), '--url', serve.url, ...FAST, '--follow']);
    await waitUntil(() => never.output().stderr.includes('waiting for never.log'), 'the waiting notice');
    never.child.kill('SIGTERM');
    const run = await never.done;
    await serve.stop();
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/read: +0 events, 0 invalid lines skipped \(interrupted\)/);
  });

  it('--compression gzip --max-batch-bytes N --when-full block reach the backend: gzip on the wire, batches cut by bytes', async () => {
    const out = path.join(dir, 'gzip-wire.jsonl');
    const serve = await startServe(['--out', out]);
    const run = await runCli([
      'ship',
      OPENSHIFT,
      '--url',
      serve.url,
      ...FAST,
      '--compression',
      'gzip',
      '--max-batch-bytes',
      '400000',
      '--when-full',
      'block',
      '--buffer-size',
      '10',
    ]);
    expect(run.code).toBe(0);
    expect(deliveredCount(run.stdout)).toBe(100);
    const metrics = await (await fetch(`${serve.url}metrics`)).text();
    await serve.stop();
    const raw = readFileSync(OPENSHIFT).length;
    // The corpus (810 KB of JSON) crossed the wire compressed, in batches of at most 400 000 bytes each.
    const wire = Number(/^rx_audit_serve_received_bytes_total (\d+)$/m.exec(metrics)?.[1]);
    expect(wire).toBeGreaterThan(0);
    expect(wire).toBeLessThan(raw / 2); // this corpus compresses about 2.5 : 1
    const posts = Number(/^rx_audit_serve_posts_total\{code="200"\} (\d+)$/m.exec(metrics)?.[1]);
    expect(posts).toBeGreaterThanOrEqual(Math.ceil(raw / 400_000));
    expect(decodeLines(readFileSync(out, 'utf8'))).toEqual(decodeLines(LINES.join('\n')));
  });
});
