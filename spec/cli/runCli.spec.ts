// The command line run in-process through runCli with captured streams: every usage error path, fast.
// (The built bin is run as a child process in main.spec.ts, ship.spec.ts, serve.spec.ts and demo.spec.ts.)
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/CliIO.js';
import { runCli } from '../../src/cli/runCli.js';
import { generateTls } from '../transport/fixtures/tls.js';
import { LIGGITT } from './builtCli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rx-audit-runcli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): { io: CliIO; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const stdin = new PassThrough();
  stdin.end();
  return {
    io: { stdout, stderr, stdin, signals: new EventEmitter() as unknown as CliIO['signals'] },
    out: () => out,
    err: () => err,
  };
}

async function usageError(args: string[]): Promise<string> {
  const { io, out, err } = capture();
  const code = await runCli(args, io);
  expect(code, `exit code of rx-audit ${args.join(' ')}`).toBe(2);
  expect(out()).toBe('');
  expect(err().trimEnd().split('\n'), 'exactly one line on stderr').toHaveLength(1);
  return err().trimEnd();
}

const URL = ['--url', 'http://127.0.0.1:9/'];

describe('runCli usage errors: one line on stderr, exit code 2', () => {
  it.each([
    [['ship', LIGGITT, ...URL, '--bogus'], "rx-audit: unknown option '--bogus'"],
    [
      ['ship', LIGGITT, ...URL, '--mode-x', 'batch'],
      "rx-audit: unknown option '--mode-x' (Did you mean --mode?)",
    ],
    [['ship', LIGGITT], 'rx-audit: ship needs a target: --url URL or --kubeconfig FILE'],
    [
      ['ship', LIGGITT, ...URL, '--kubeconfig', 'k.yaml'],
      'rx-audit: ship takes --url or --kubeconfig, not both',
    ],
    [
      ['ship', LIGGITT, ...URL, '--max-batch-size', '0'],
      "rx-audit: option '--max-batch-size <n>' argument '0' is invalid. must be an integer ≥ 1.",
    ],
    [
      ['ship', LIGGITT, ...URL, '--timeout', '1.5'],
      "rx-audit: option '--timeout <ms>' argument '1.5' is invalid. must be an integer ≥ 1.",
    ],
    [
      ['ship', LIGGITT, ...URL, '--mode', 'fast'],
      "rx-audit: option '--mode <mode>' argument 'fast' is invalid. Allowed choices are batch, blocking.",
    ],
    [
      ['ship', LIGGITT, ...URL, '--group-version', 'audit.k8s.io/v2'],
      "rx-audit: option '--group-version <version>' argument 'audit.k8s.io/v2' is invalid. Allowed choices are audit.k8s.io/v1, audit.k8s.io/v1beta1, audit.k8s.io/v1alpha1.",
    ],
    [['ship', LIGGITT, '--url', 'ftp://127.0.0.1/'], 'rx-audit: --url must be http:// or https://, got ftp:'],
    [['ship', LIGGITT, '--url', 'not a url'], 'rx-audit: --url is not a valid URL: <invalid URL>'],
    [['ship'], "rx-audit: missing required argument 'file'"],
    [['ship', 'a', 'b', ...URL], "rx-audit: too many arguments for 'ship'. Expected 1 argument but got 2."],
    [['shp'], "rx-audit: unknown command 'shp' (Did you mean ship?)"],
    [
      ['serve', '--port', '70000'],
      "rx-audit: option '-p, --port <port>' argument '70000' is invalid. must be an integer between 0 and 65535.",
    ],
    [
      ['serve', '--fail-rate', '1.5'],
      "rx-audit: option '--fail-rate <fraction>' argument '1.5' is invalid. must be a number between 0 and 1.",
    ],
    [['serve', '--port', '0', '--tls-key', 'k.pem'], 'rx-audit: --tls-cert and --tls-key go together'],
    [
      ['serve', '--port', '0', '--client-ca', 'ca.pem'],
      'rx-audit: --client-ca needs --tls-cert and --tls-key',
    ],
    [
      ['demo', '--repeat', '0'],
      "rx-audit: option '--repeat <n>' argument '0' is invalid. must be an integer between 1 and 1000.",
    ],
  ])('rx-audit %j', async (args, message) => {
    expect(await usageError(args)).toBe(message);
  });

  it('a missing file, a folder, or an unreadable TLS file is named', async () => {
    expect(await usageError(['ship', path.join(dir, 'none.log'), ...URL])).toBe(
      `rx-audit: no such file: ${path.join(dir, 'none.log')}`,
    );
    expect(await usageError(['ship', dir, ...URL])).toBe(`rx-audit: not a file: ${dir}`);
    const cert = path.join(dir, 'none.crt');
    expect(await usageError(['serve', '--port', '0', '--tls-cert', cert, '--tls-key', cert])).toBe(
      `rx-audit: cannot read --tls-cert ${cert}: no such file`,
    );
  });

  it('a TLS file that is not PEM, or a key of another certificate, is a usage error naming the flag and file', async () => {
    const tls = generateTls(mkdtempSync(path.join(dir, 'tls-')));
    const junk = path.join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate: s3cr3t\n');
    const serve = (...flags: string[]) => usageError(['serve', '--port', '0', ...flags]);
    const server = ['--tls-cert', tls.server.certFile, '--tls-key', tls.server.keyFile];
    expect(await serve('--tls-cert', junk, '--tls-key', tls.server.keyFile)).toBe(
      `rx-audit: --tls-cert ${junk} does not hold a PEM certificate`,
    );
    expect(await serve('--tls-cert', tls.server.certFile, '--tls-key', junk)).toBe(
      `rx-audit: --tls-key ${junk} does not hold a PEM private key (unencrypted)`,
    );
    expect(await serve('--tls-cert', tls.server.certFile, '--tls-key', tls.client.keyFile)).toBe(
      `rx-audit: --tls-key ${tls.client.keyFile} is not the key of --tls-cert ${tls.server.certFile}`,
    );
    expect(await serve(...server, '--client-ca', junk)).toBe(
      `rx-audit: --client-ca ${junk} does not hold a PEM certificate`,
    );
  });

  it('a missing or malformed kubeconfig is named, its secrets never shown', async () => {
    const bad = path.join(dir, 'bad.kubeconfig');
    writeFileSync(bad, 'apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: s3cr3t-token\n');
    expect(await usageError(['ship', LIGGITT, '--kubeconfig', path.join(dir, 'none.kubeconfig')])).toContain(
      'none.kubeconfig',
    );
    const malformed = await usageError(['ship', LIGGITT, '--kubeconfig', bad]);
    expect(malformed).toContain('bad.kubeconfig');
    expect(malformed).not.toContain('s3cr3t-token');
  });

  it('--help and --version exit 0 on stdout', async () => {
    const help = capture();
    expect(await runCli(['ship', '--help'], help.io)).toBe(0);
    expect(help.out()).toContain('Usage: rx-audit ship [options] <file>');
    const version = capture();
    expect(await runCli(['-V'], version.io)).toBe(0);
    expect(version.out()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
