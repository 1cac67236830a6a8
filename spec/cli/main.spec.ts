import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, LIGGITT, repoRoot, runCli } from './builtCli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rx-audit-cli-main-'));
beforeAll(assertBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A usage error: exit code 2, exactly one line on stderr, nothing on stdout. */
function expectUsageError(
  run: { code: number | null; stdout: string; stderr: string },
  message: RegExp,
): void {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.endsWith('\n')).toBe(true);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(message);
}

describe('rx-audit (the built bin)', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    const run = await runCli(['--version']);
    expect(run).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('--help lists the three commands, with examples', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['serve', 'ship', 'demo'])
      expect(run.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(run.stdout).toContain('Examples:');
  });

  it('each command has --help with its flags and examples', async () => {
    const [serve, ship, demo] = await Promise.all(
      ['serve', 'ship', 'demo'].map((c) => runCli([c, '--help'])),
    );
    expect(serve?.code).toBe(0);
    for (const flag of [
      '--port',
      '--host',
      '--out',
      '--fail-rate',
      '--delay-ms',
      '--tls-cert',
      '--tls-key',
      '--client-ca',
      '--token',
    ]) {
      expect(serve?.stdout).toContain(flag);
    }
    expect(serve?.stdout).toContain('$ rx-audit serve --port 8080 --out events.jsonl');
    expect(ship?.code).toBe(0);
    for (const flag of [
      '--url',
      '--kubeconfig',
      '--mode',
      '--max-batch-size',
      '--max-batch-wait',
      '--buffer-size',
      '--group-version',
      '--timeout',
      '--retry-attempts',
      '--retry-initial-delay',
    ]) {
      expect(ship?.stdout).toContain(flag);
    }
    expect(ship?.stdout).toContain(
      '$ rx-audit ship /var/log/kubernetes/audit.log --url http://127.0.0.1:8080/',
    );
    expect(demo?.code).toBe(0);
    expect(demo?.stdout).toContain('$ rx-audit demo');
  });

  it('an unknown flag and a missing file each give one clear line and exit code 2', async () => {
    const missing = path.join(dir, 'missing.log');
    const [flag, file] = await Promise.all([
      runCli(['ship', LIGGITT, '--url', 'http://127.0.0.1:9/', '--bogus']),
      runCli(['ship', missing, '--url', 'http://127.0.0.1:9/']),
    ]);
    expectUsageError(flag, /^rx-audit: unknown option '--bogus'$/m);
    expectUsageError(file, new RegExp(`^rx-audit: no such file: .*missing\\.log$`, 'm'));
  });

  it('no command prints the help on stderr and exits 2', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage: rx-audit');
  });

  it('--help shows every flag of serve and ship with its default', async () => {
    const [serve, ship] = await Promise.all(['serve', 'ship'].map((c) => runCli([c, '--help'])));
    // Commander wraps long lines: compare with whitespace collapsed, one option entry at a time.
    const entries = (help: string): string[] =>
      help
        .slice(help.indexOf('Options:'), help.indexOf('Examples:'))
        .split(/\n(?= {2}-)/)
        .slice(1)
        .map((entry) => entry.replace(/\s+/g, ' ').trim());
    for (const help of [serve?.stdout ?? '', ship?.stdout ?? '']) {
      const options = entries(help).filter((e) => !e.startsWith('-h, --help') && !e.startsWith('--no-'));
      expect(options.length).toBeGreaterThan(10);
      // Each says its default: commander's "(default: …)", or in words ("default: none", "(default: plain HTTP)").
      // The second half of a pair (--tls-key) and an alternative (--token) refer to their first.
      const undocumented = options.filter(
        (e) => !/default/.test(e) && !/^--(tls-key|token <token>|url|kubeconfig)/.test(e),
      );
      expect(undocumented).toEqual([]);
    }
    const all = (serve?.stdout ?? '').replace(/\s+/g, ' ') + (ship?.stdout ?? '').replace(/\s+/g, ' ');
    for (const shown of [
      'largest POST body, counted after decompression (else 413) (default: 16777216)',
      '(choices: "text", "json", default: "text")',
      'send what was accepted for at most this long (default: 10000)',
      'a longer one is skipped as invalid (default: 16777216)',
      'rotated --out files kept (out.1 newest … out.N oldest) (default: 5)',
    ]) {
      expect(all).toContain(shown);
    }
  });

  it("ship's library defaults are the library's own constants, stated once", async () => {
    const help = ((await runCli(['ship', '--help']))?.stdout ?? '').replace(/\s+/g, ' ');
    const { BATCH_DEFAULTS, BLOCKING_ATTEMPTS, RETRY_DEFAULTS, WEBHOOK_DEFAULTS } =
      await import('../../src/contract/options.js');
    const { DEFAULT_MAX_RECORD_BYTES } = await import('../../src/cli/readLogRecords.js');
    const { GROUP_VERSIONS } = await import('../../src/events/GroupVersion.js');
    for (const shown of [
      `events per POST at most (default: ${BATCH_DEFAULTS.maxBatchSize})`,
      `a partial batch is sent after this long (default: ${BATCH_DEFAULTS.maxBatchWait})`,
      `(reading pauses while full) (default: ${BATCH_DEFAULTS.bufferSize})`,
      `would pass this many bytes (default: ${BATCH_DEFAULTS.maxBatchBytes})`,
      `(choices: ${GROUP_VERSIONS.map((v) => `"${v}"`).join(', ')}, default: "${WEBHOOK_DEFAULTS.groupVersion}")`,
      `per-request timeout (default: ${WEBHOOK_DEFAULTS.timeout})`,
      `(default: ${RETRY_DEFAULTS.attempts} in batch mode, ${BLOCKING_ATTEMPTS} in blocking mode)`,
      `a longer one is skipped as invalid (default: ${DEFAULT_MAX_RECORD_BYTES})`,
      `each next one is ${RETRY_DEFAULTS.factor} times longer (default: ${RETRY_DEFAULTS.initialDelay})`,
    ]) {
      expect(help).toContain(shown);
    }
  });

  it("serve's defaults are SERVE_DEFAULTS and the JetStream sender's, stated once", async () => {
    const help = ((await runCli(['serve', '--help']))?.stdout ?? '').replace(/\s+/g, ' ');
    const { SERVE_DEFAULTS } = await import('../../src/cli/serveDefaults.js');
    const { JETSTREAM_SENDER_DEFAULTS } = await import('../../src/nats/jetStreamSenderDefaults.js');
    for (const shown of [
      `any free port) (default: ${SERVE_DEFAULTS.port})`,
      `address to listen on (default: "${SERVE_DEFAULTS.host}")`,
      `oldest) (default: ${SERVE_DEFAULTS.outKeep})`,
      `(else 413) (default: ${SERVE_DEFAULTS.maxBodyBytes})`,
      `(default: ${SERVE_DEFAULTS.maxBufferedBytes / 2 ** 20} MiB, or 8 × --max-body-bytes if larger)`,
      `(more are refused) (default: ${SERVE_DEFAULTS.maxConnections})`,
      `the acks take longer (default: ${JETSTREAM_SENDER_DEFAULTS.timeout})`,
    ]) {
      expect(help).toContain(shown);
    }
  });
});
