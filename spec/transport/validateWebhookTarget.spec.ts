import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKubeconfigError } from '../../src/transport/KubeconfigError.js';
import type { KubeconfigError } from '../../src/transport/KubeconfigError.js';
import { validateWebhookTarget } from '../../src/transport/validateWebhookTarget.js';
import { generateTls } from './fixtures/tls.js';
import type { TlsFixture } from './fixtures/tls.js';

let dir: string;
let tls: TlsFixture;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rx-audit-target-'));
  tls = generateTls(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problems(input: unknown): readonly string[] {
  try {
    validateWebhookTarget(input);
  } catch (err) {
    expect(isKubeconfigError(err)).toBe(true);
    expect((err as KubeconfigError).file).toBeUndefined();
    expect((err as Error).message).toBe(
      `invalid webhook target: ${(err as KubeconfigError).problems.join('; ')}`,
    );
    return (err as KubeconfigError).problems;
  }
  throw new Error('expected the target to be rejected');
}

describe('validateWebhookTarget (a target given directly follows the kubeconfig rules)', () => {
  it('accepts a full target and returns a copy', () => {
    const input = {
      url: 'https://127.0.0.1:8443/audit?x=1',
      headers: { 'X-Cluster': 'prod' },
      token: 't',
      ca: tls.ca.cert,
      cert: Buffer.from(tls.client.cert),
      key: tls.client.key,
      tlsServerName: 'audit.internal',
    };
    const target = validateWebhookTarget(input);
    expect(target).toEqual(input);
    expect(target).not.toBe(input);
  });

  it('rejects bad URLs without echoing credentials', () => {
    expect(problems({ url: '' })).toEqual(['target.url is empty']);
    expect(problems({ url: 'nowhere/hunter2' })).toEqual(['target.url is not a valid absolute URL']);
    expect(problems({ url: 'user:hunter2@nowhere' })).toEqual([
      'target.url must be an http or https URL, got scheme "user:"',
    ]);
    expect(problems({ url: 'ws://user:hunter2@host/p?k=v' })).toEqual([
      'target.url must be an http or https URL, got scheme "ws:"',
    ]);
  });

  it('rejects wrong types with the path and the kind of value only', () => {
    expect(problems({ url: 1, insecureSkipTLSVerify: 'true', ca: 5, headers: { a: 1 } })).toEqual([
      'target.url: expected a string, got a number',
      'target.headers.a: expected a string, got a number',
      'target.ca: expected a string or a Buffer, got a number',
      'target.insecureSkipTLSVerify: expected a boolean, got a string',
    ]);
    expect(problems(null)).toEqual([
      'target must be an object with a url, or { kubeconfig: path }, got null',
    ]);
  });

  it('one authentication method, certificates in pairs, no CA with insecure', () => {
    expect(
      problems({ url: 'https://x/', token: 'tok-secret', username: 'u', password: 'pw-secret' }),
    ).toEqual([
      'more than one authentication method found for target; found [token basicAuth], only one is allowed',
    ]);
    expect(problems({ url: 'https://x/', cert: tls.client.cert })).toEqual([
      'target.key must be specified for target to use the clientCert authentication method',
    ]);
    expect(problems({ url: 'https://x/', key: tls.client.key })).toEqual([
      'target.cert must be specified for target to use the clientCert authentication method',
    ]);
    expect(problems({ url: 'https://x/', ca: tls.ca.cert, insecureSkipTLSVerify: true })).toEqual([
      'specifying a root certificates file with the insecure flag is not allowed (target.ca and target.insecureSkipTLSVerify)',
    ]);
  });

  it('PEM that does not parse, or a file path where PEM belongs', () => {
    expect(problems({ url: 'https://x/', ca: '/etc/ssl/ca.pem' })).toEqual([
      expect.stringMatching(/^target\.ca holds no PEM certificate/),
    ]);
    expect(problems({ url: 'https://x/', cert: tls.client.cert, key: 'not a key' })).toEqual([
      'target.key holds no PEM private key',
    ]);
  });

  it('header names and values are checked; a bad value (maybe a credential) is not echoed', () => {
    expect(
      problems({ url: 'https://x/', headers: { 'Bad Name': 'v', 'X-Key': 'abc\r\nInjected: 1' } }),
    ).toEqual([
      'target.headers has an invalid header name "Bad Name"',
      'target.headers.X-Key has an invalid value (control characters?)',
    ]);
  });
});
