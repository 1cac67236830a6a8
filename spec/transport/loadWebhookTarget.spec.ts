import { MAX_PROBLEM_LENGTH } from '../../src/events/ProblemList.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, lastValueFrom } from 'rxjs';
import { stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver } from '../../src/testing/receiver.js';
import type { Receiver } from '../../src/testing/receiver.js';
import { createHttpSender } from '../../src/transport/httpSender.js';
import type { HttpSender } from '../../src/transport/httpSender.js';
import type { KubeconfigError } from '../../src/transport/KubeconfigError.js';
import { isKubeconfigError } from '../../src/transport/KubeconfigError.js';
import { loadWebhookTarget } from '../../src/transport/loadWebhookTarget.js';
import { MAX_REPORTED_PROBLEMS } from '../../src/events/ProblemList.js';
import { resolveWebhookTarget } from '../../src/transport/resolveWebhookTarget.js';
import { never, sampleBatch } from './fixtures/batches.js';
import { generateTls } from './fixtures/tls.js';
import type { TlsFixture } from './fixtures/tls.js';

const TOKEN = 'kc-token-5a4b3c2d1e';
const PASSWORD = 'kc-pass-0z9y8x';

let root: string;
let tls: TlsFixture;
let count = 0;
const receivers: Receiver[] = [];
const senders: HttpSender[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rx-audit-kubeconfig-'));
  mkdirSync(join(root, 'pki'));
  tls = generateTls(join(root, 'pki'));
  writeFileSync(join(root, 'pki', 'garbage.crt'), 'this is not a certificate\n');
  writeFileSync(join(root, 'token.txt'), `${TOKEN}\n`);
  writeFileSync(join(root, 'empty-token.txt'), '  \n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(async () => {
  for (const s of senders.splice(0)) s.close();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** Writes a kubeconfig (an object as YAML or JSON, or raw text) into its own folder; returns its path. */
function kubeconfig(content: unknown, format: 'yaml' | 'json' = 'yaml'): string {
  const dir = join(root, `case-${++count}`);
  mkdirSync(dir);
  const file = join(dir, format === 'json' ? 'webhook.json' : 'webhook.yaml');
  writeFileSync(
    file,
    typeof content === 'string'
      ? content
      : format === 'json'
        ? JSON.stringify(content, null, 2)
        : stringify(content),
  );
  return file;
}

/** The usual shape: one named cluster, user and context, current-context set. */
function config(cluster: Record<string, unknown>, user: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'audit', cluster }],
    users: [{ name: 'apiserver', user }],
    contexts: [{ name: 'webhook', context: { cluster: 'audit', user: 'apiserver' } }],
    'current-context': 'webhook',
  };
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** The error loadWebhookTarget throws for this file. */
function loadError(file: string): KubeconfigError {
  try {
    loadWebhookTarget(file);
  } catch (err) {
    expect(isKubeconfigError(err)).toBe(true);
    const e = err as KubeconfigError;
    expect(e.file).toBe(file);
    expect(e.message.startsWith(`invalid kubeconfig ${file}: `)).toBe(true);
    return e;
  }
  throw new Error(`expected ${file} to be rejected`);
}

async function deliver(file: string, receiver: Receiver): Promise<void> {
  const s = createHttpSender({ kubeconfig: file }, { timeout: 5000 });
  senders.push(s);
  await lastValueFrom(from(s.send(sampleBatch(1), never())));
  expect(receiver.events).toHaveLength(receiver.requests.filter((q) => q.reply === 200).length);
}

async function httpsReceiver(options: Parameters<typeof startReceiver>[0] = {}): Promise<Receiver> {
  const r = await startReceiver({ tls: { cert: tls.server.cert, key: tls.server.key }, ...options });
  receivers.push(r);
  return r;
}

describe('loadWebhookTarget: valid kubeconfigs', () => {
  it('YAML, current-context, CA and client certificate by paths relative to the kubeconfig folder: mTLS works', async () => {
    const r = await httpsReceiver({
      tls: { cert: tls.server.cert, key: tls.server.key, ca: tls.clientCa.cert, requestCert: true },
    });
    const file = kubeconfig(
      config(
        { server: `${r.url}audit`, 'certificate-authority': '../pki/ca.crt' },
        { 'client-certificate': '../pki/client.crt', 'client-key': '../pki/client.key' },
      ),
    );
    const target = loadWebhookTarget(file);
    expect(target.url).toBe(`${r.url}audit`);
    expect(target.ca?.toString()).toBe(tls.ca.cert);
    expect(target.cert?.toString()).toBe(tls.client.cert);
    expect(target.key?.toString()).toBe(tls.client.key);

    await deliver(file, r);
    expect(r.requests.map((q) => [q.path, q.clientCertificateCN])).toEqual([['/audit', 'kube-apiserver']]);
  });

  it('JSON with certificate-authority-data and a token: the server sees the bearer token', async () => {
    const r = await httpsReceiver({ token: TOKEN });
    const file = kubeconfig(
      config({ server: r.url, 'certificate-authority-data': b64(tls.ca.cert) }, { token: TOKEN }),
      'json',
    );
    expect(loadWebhookTarget(file)).toEqual({ url: r.url, ca: Buffer.from(tls.ca.cert), token: TOKEN });
    await deliver(file, r);
    expect(r.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('no current-context: the unnamed cluster and user, as the apiserver reads them', () => {
    const file = kubeconfig({
      clusters: [
        { name: 'other', cluster: { server: 'https://other.example/' } },
        { cluster: { server: 'https://audit.example:8443/events', 'insecure-skip-tls-verify': true } },
      ],
      users: [{ user: { username: 'auditor', password: PASSWORD } }],
    });
    expect(loadWebhookTarget(file)).toEqual({
      url: 'https://audit.example:8443/events',
      insecureSkipTLSVerify: true,
      username: 'auditor',
      password: PASSWORD,
    });
  });

  it('tokenFile relative to the kubeconfig, trimmed; a token wins over tokenFile', async () => {
    const r = await startReceiver({ token: TOKEN });
    receivers.push(r);
    const file = kubeconfig(config({ server: r.url }, { tokenFile: '../token.txt' }));
    expect(loadWebhookTarget(file).token).toBe(TOKEN);
    await deliver(file, r);
    expect(r.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);

    const both = kubeconfig(config({ server: r.url }, { token: 'inline', tokenFile: 'missing.txt' }));
    expect(loadWebhookTarget(both).token).toBe('inline');
  });

  it('username/password become basic auth on the wire', async () => {
    const r = await startReceiver({ basicAuth: { username: 'auditor', password: PASSWORD } });
    receivers.push(r);
    const file = kubeconfig(config({ server: r.url }, { username: 'auditor', password: PASSWORD }));
    await deliver(file, r);
    expect(r.requests.map((q) => q.reply)).toEqual([200]);
  });

  it('insecure-skip-tls-verify reaches an untrusted server; tls-server-name verifies a named certificate', async () => {
    const untrusted = await startReceiver({ tls: { cert: tls.untrusted.cert, key: tls.untrusted.key } });
    const named = await startReceiver({ tls: { cert: tls.namedServer.cert, key: tls.namedServer.key } });
    receivers.push(untrusted, named);
    await deliver(kubeconfig(config({ server: untrusted.url, 'insecure-skip-tls-verify': true })), untrusted);
    await deliver(
      kubeconfig(
        config({
          server: named.url,
          'certificate-authority': '../pki/ca.crt',
          'tls-server-name': 'audit.internal',
        }),
      ),
      named,
    );
    expect([untrusted.requests.length, named.requests.length]).toEqual([1, 1]);
  });

  it('resolveWebhookTarget reads { kubeconfig } and rejects extra fields beside it', () => {
    const file = kubeconfig(config({ server: 'http://127.0.0.1:9/x' }));
    expect(resolveWebhookTarget({ kubeconfig: file })).toEqual({ url: 'http://127.0.0.1:9/x' });
    expect(() => resolveWebhookTarget({ kubeconfig: file, url: 'http://x/' } as never)).toThrow(
      'invalid webhook target: target.kubeconfig cannot be combined with target.url',
    );
  });
});

describe('loadWebhookTarget: malformed kubeconfigs name the file and the field', () => {
  it('missing file', () => {
    const file = join(root, 'nope', 'missing.yaml');
    expect(loadError(file).message).toBe(
      `invalid kubeconfig ${file}: unable to read the file (ENOENT: no such file or directory)`,
    );
  });

  it('unparsable YAML: position and reason, never the offending line (it may hold a token)', () => {
    const file = kubeconfig(
      `clusters:\n- name: a\n  cluster: {server: https://x\nusers:\n- user: {token: ${TOKEN}: oops}\n`,
    );
    const err = loadError(file);
    expect(err.message).toMatch(/cannot parse YAML\/JSON at line \d+, column \d+: .+ \([A-Z_]+\)$/);
    expect(err.message).not.toContain(TOKEN);
  });

  it('unparsable JSON', () => {
    const file = kubeconfig(
      `{"clusters": [ {"name": "a", "cluster": {"server": "https://x"}} ,, ], "token": "${TOKEN}"}`,
      'json',
    );
    const err = loadError(file);
    expect(err.message).toContain('cannot parse YAML/JSON at line 1');
    expect(err.message).not.toContain(TOKEN);
  });

  it('empty file, and a document that is not an object', () => {
    expect(loadError(kubeconfig('\n\n')).message).toMatch(/: the file is empty$/);
    expect(loadError(kubeconfig('- a\n- b\n')).message).toMatch(
      /: expected a kubeconfig object \(kind: Config\), got an array$/,
    );
  });

  it('no clusters', () => {
    const file = kubeconfig({ apiVersion: 'v1', kind: 'Config', clusters: null, users: [] });
    expect(loadError(file).problems).toEqual([
      'no clusters defined: the webhook kubeconfig needs a cluster with a server',
    ]);
  });

  it('unknown current-context lists the known ones', () => {
    const file = kubeconfig({ ...config({ server: 'https://x/' }), 'current-context': 'prod' });
    expect(loadError(file).problems).toEqual([
      'context was not found for specified context: prod (contexts: "webhook")',
    ]);
  });

  it('names read from the file are shown bounded: escaped, cut, ten of a list at most', () => {
    const base = config({ server: 'https://x/' });
    const many = Array.from({ length: 25 }, (_, i) => ({
      name: `ctx-${i}`,
      context: { cluster: 'audit', user: 'apiserver' },
    }));
    const file = kubeconfig({ ...base, contexts: many, 'current-context': `evil\n${'x'.repeat(200)}` });
    const [problem = ''] = loadError(file).problems;
    // One line, the name escaped and cut; the list of names (and the whole line) bounded.
    expect(problem).not.toContain('\n');
    expect(
      problem.startsWith(
        `context was not found for specified context: evil\\u000a${'x'.repeat(49)}… (contexts: "ctx-0", "ctx-1"`,
      ),
    ).toBe(true);
    expect(problem.length).toBeLessThanOrEqual(MAX_PROBLEM_LENGTH);
    expect(problem).not.toContain('ctx-10');
  });

  it('a context naming a missing cluster or user', () => {
    const base = config({ server: 'https://x/' });
    const noCluster = kubeconfig({
      ...base,
      contexts: [{ name: 'webhook', context: { cluster: 'gone', user: 'apiserver' } }],
    });
    expect(loadError(noCluster).problems).toEqual([
      'cluster "gone" was not found for context "webhook" (clusters: "audit")',
    ]);
    const noUser = kubeconfig({
      ...base,
      contexts: [{ name: 'webhook', context: { cluster: 'audit', user: 'ghost' } }],
    });
    expect(loadError(noUser).problems).toEqual([
      'user "ghost" was not found for context "webhook" (users: "apiserver")',
    ]);
  });

  it('no current-context and no unnamed cluster', () => {
    const file = kubeconfig({ ...config({ server: 'https://x/' }), 'current-context': '' });
    expect(loadError(file).problems).toEqual([
      'current-context is not set and there is no unnamed cluster; set current-context (contexts: "webhook")',
    ]);
  });

  it('CA file plus insecure-skip-tls-verify', () => {
    const file = kubeconfig(
      config({
        server: 'https://x/',
        'certificate-authority': '../pki/ca.crt',
        'insecure-skip-tls-verify': true,
      }),
    );
    expect(loadError(file).problems).toEqual([
      'specifying a root certificates file with the insecure flag is not allowed (certificate-authority of cluster "audit" and insecure-skip-tls-verify of cluster "audit")',
    ]);
  });

  it('client certificate without key, and key without certificate', () => {
    const certOnly = kubeconfig(
      config({ server: 'https://x/' }, { 'client-certificate': '../pki/client.crt' }),
    );
    expect(loadError(certOnly).problems).toEqual([
      'client-key-data or client-key must be specified for user "apiserver" to use the clientCert authentication method',
    ]);
    const keyOnly = kubeconfig(config({ server: 'https://x/' }, { 'client-key-data': b64(tls.client.key) }));
    expect(loadError(keyOnly).problems).toEqual([
      'client-certificate-data or client-certificate must be specified for user "apiserver" to use the clientCert authentication method',
    ]);
  });

  it("a client certificate with somebody else's key", () => {
    const file = kubeconfig(
      config(
        { server: 'https://x/' },
        { 'client-certificate': '../pki/client.crt', 'client-key': '../pki/stranger.key' },
      ),
    );
    expect(loadError(file).problems).toEqual([
      expect.stringMatching(
        /^client-certificate of user "apiserver" and client-key of user "apiserver" do not belong together \(key values mismatch\)$/,
      ),
    ]);
  });

  it('token plus basic auth: both methods named, no secret value', () => {
    const file = kubeconfig(
      config({ server: 'https://x/' }, { token: TOKEN, username: 'auditor', password: PASSWORD }),
    );
    const err = loadError(file);
    expect(err.problems).toEqual([
      'more than one authentication method found for user "apiserver"; found [token basicAuth], only one is allowed',
    ]);
    expect(err.message).not.toContain(TOKEN);
    expect(err.message).not.toContain(PASSWORD);
  });

  it('unreadable CA file (path resolved against the kubeconfig folder)', () => {
    const file = kubeconfig(config({ server: 'https://x/', 'certificate-authority': 'ca-missing.crt' }));
    const expected = join(file, '..', 'ca-missing.crt');
    expect(loadError(file).problems).toEqual([
      `unable to read certificate-authority ${expected} for cluster "audit" due to ENOENT: no such file or directory`,
    ]);
  });

  it('a CA that is not PEM, by file and by data', () => {
    const byFile = kubeconfig(
      config({ server: 'https://x/', 'certificate-authority': '../pki/garbage.crt' }),
    );
    expect(loadError(byFile).problems).toEqual([
      expect.stringMatching(/^certificate-authority of cluster "audit" holds no PEM certificate/),
    ]);
    const broken = tls.ca.cert.replace(/^(-----BEGIN CERTIFICATE-----\n)(.{20})/, '$1AAAAAAAAAAAAAAAAAAAA');
    const byData = kubeconfig(config({ server: 'https://x/', 'certificate-authority-data': b64(broken) }));
    expect(loadError(byData).problems).toEqual([
      expect.stringMatching(
        /^certificate-authority-data of cluster "audit" holds an unreadable certificate \(#1: /,
      ),
    ]);
  });

  it('invalid base64 in a -data field', () => {
    const file = kubeconfig(config({ server: 'https://x/', 'certificate-authority-data': 'not base64!' }));
    expect(loadError(file).problems).toEqual([
      'certificate-authority-data of cluster "audit" is not valid base64',
    ]);
  });

  it('both a file and -data for the same material', () => {
    const file = kubeconfig(
      config({
        server: 'https://x/',
        'certificate-authority': '../pki/ca.crt',
        'certificate-authority-data': b64(tls.ca.cert),
      }),
    );
    expect(loadError(file).problems).toEqual([
      'certificate-authority-data and certificate-authority are both specified for cluster "audit"; only one is allowed',
    ]);
  });

  it('bad and empty server URLs', () => {
    expect(loadError(kubeconfig(config({ server: 'ftp://audit.example/x' }))).problems).toEqual([
      'server of cluster "audit" must be an http or https URL, got scheme "ftp:"',
    ]);
    expect(loadError(kubeconfig(config({ server: 'not a url' }))).problems).toEqual([
      'server of cluster "audit" is not a valid absolute URL',
    ]);
    expect(loadError(kubeconfig(config({ 'insecure-skip-tls-verify': true }))).problems).toEqual([
      'no server found for cluster "audit"',
    ]);
    expect(loadError(kubeconfig({ clusters: [{ cluster: {} }] })).problems).toEqual([
      'default cluster has no server defined',
    ]);
  });

  it('wrong types, each with its path, never the value', () => {
    const file = kubeconfig({
      clusters: [{ name: 'audit', cluster: { server: 42, 'insecure-skip-tls-verify': 'yes' } }],
      users: [{ name: 'apiserver', user: { token: ['secret-in-array'] } }],
      contexts: 'webhook',
    });
    const err = loadError(file);
    expect(err.problems).toEqual([
      'clusters.0.cluster.server: expected a string, got a number',
      'clusters.0.cluster.insecure-skip-tls-verify: expected a boolean, got a string',
      'users.0.user.token: expected a string, got an array',
      'contexts: expected an array, got a string',
    ]);
    expect(err.message).not.toContain('secret-in-array');
  });

  it('an unreadable or empty tokenFile', () => {
    const missing = kubeconfig(config({ server: 'https://x/' }, { tokenFile: '/nonexistent/token' }));
    expect(loadError(missing).problems).toEqual([
      `unable to read tokenFile /nonexistent/token for user "apiserver" due to ENOENT: no such file or directory`,
    ]);
    const empty = kubeconfig(config({ server: 'https://x/' }, { tokenFile: '../empty-token.txt' }));
    expect(loadError(empty).problems).toEqual(['tokenFile of user "apiserver" is empty']);
  });

  it('unsupported exec plugins and impersonation, duplicate names, a wrong kind', () => {
    const exec = kubeconfig(config({ server: 'https://x/' }, { exec: { command: 'get-token' } }));
    expect(loadError(exec).problems).toEqual([
      'exec of user "apiserver" is not supported by rx-audit (use token, tokenFile, username/password or a client certificate)',
    ]);
    const dup = config({ server: 'https://x/' });
    dup.clusters.push({ name: 'audit', cluster: { server: 'https://y/' } });
    expect(loadError(kubeconfig(dup)).problems).toEqual(['duplicate name "audit" in clusters']);
    expect(loadError(kubeconfig({ ...config({ server: 'https://x/' }), kind: 'Pod' })).problems).toEqual([
      'kind must be "Config", got a string',
    ]);
  });

  it('reports every problem at once', () => {
    const file = kubeconfig(
      config(
        { server: 'ftp://x/', 'certificate-authority': '../pki/ca.crt', 'insecure-skip-tls-verify': true },
        { token: TOKEN, password: PASSWORD },
      ),
    );
    expect(loadError(file).problems).toHaveLength(3);
  });

  describe('hostile YAML: the field is named, no value from the file is', () => {
    const head = `apiVersion: v1\nkind: Config\ncurrent-context: w\nclusters:\n- name: a\n  cluster:\n    server: https://x/\ncontexts:\n- name: w\n  context: {cluster: a, user: u}\n`;

    it('an alias to an anchor that is not there (password: *S3CRET)', () => {
      const err = loadError(
        kubeconfig(`${head}users:\n- name: u\n  user:\n    username: admin\n    password: *S3CRET\n`),
      );
      expect(err.problems).toEqual(['users.0.user.password: alias to an undefined anchor']);
      expect(err.message).not.toContain('S3CRET');
    });

    it('a custom tag (password: !secret value)', () => {
      const err = loadError(
        kubeconfig(
          `${head}users:\n- name: u\n  user:\n    username: admin\n    password: !secret ${PASSWORD}\n`,
        ),
      );
      expect(err.problems).toEqual(['users.0.user.password: custom YAML tags are not allowed']);
      expect(err.message).not.toContain(PASSWORD);
      expect(err.message).not.toContain('!secret');
    });

    it('an alias bomb', () => {
      const bomb = [
        'a: &a [x, x, x, x, x, x, x, x, x, x]',
        'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
        'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
        'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
        'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
        `preferences: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]`,
      ].join('\n');
      const err = loadError(kubeconfig(`${head}${bomb}\n`));
      expect(err.problems).toEqual(['too many YAML aliases (more than 100 expansions)']);
    });

    it('a few aliases to anchors that exist are read, as Go reads them', () => {
      const file = kubeconfig(
        `${head.replace('server: https://x/', 'server: &url https://x/')}users:\n- name: u\n  user: {token: *url}\n`,
      );
      expect(loadWebhookTarget(file)).toMatchObject({ url: 'https://x/', token: 'https://x/' });
    });

    it('YAML nested deeper than the parser can go', () => {
      const err = loadError(kubeconfig(`${head}preferences: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`));
      expect(err.problems).toHaveLength(1);
      expect(err.message.length).toBeLessThan(500);
    });

    it('files are read to a bounded size: a huge kubeconfig, a tokenFile that never ends', () => {
      const huge = kubeconfig(`# ${'x'.repeat(5 * 1024 * 1024)}\n`);
      expect(loadError(huge).problems).toEqual([
        'unable to read the file (file is larger than 4194304 bytes)',
      ]);
      const endless = kubeconfig(config({ server: 'https://x/' }, { tokenFile: '/dev/zero' }));
      expect(loadError(endless).problems).toEqual([
        'unable to read tokenFile /dev/zero for user "apiserver" due to file is larger than 4194304 bytes',
      ]);
    });

    it('thousands of bad entries give a bounded message', () => {
      const users = Array.from({ length: 5000 }, (_, i) => ({ name: `u${i}`, user: { token: i } }));
      const err = loadError(kubeconfig({ ...config({ server: 'https://x/' }), users }));
      expect(err.problems).toHaveLength(MAX_REPORTED_PROBLEMS);
      expect(err.omitted).toBe(5000 - MAX_REPORTED_PROBLEMS);
      expect(err.message).toMatch(
        /users\.0\.user\.token: expected a string, got a number; .*; …and 4980 more$/,
      );
      expect(err.message.length).toBeLessThan(8 * 1024);
    });
  });
});
