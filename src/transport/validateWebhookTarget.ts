import { readTokenFile } from './tokenSource.js';
import { fsReason } from '../util/readBoundedFile.js';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { createSecureContext } from 'node:tls';
import * as t from 'io-ts';
import { reportErrors } from '../events/reportErrors.js';
import { showValue } from '../events/showValue.js';
import { KubeconfigError } from './KubeconfigError.js';
import { redactUrl } from '../util/redactUrl.js';
import type { WebhookTarget } from '../contract/WebhookTarget.js';
import { errorMessage } from '../util/toError.js';

/** How each {@link WebhookTarget} field is called in messages (`target.ca`, `certificate-authority-data for "prod"`). */
export type TargetFieldNames = { readonly [K in keyof WebhookTarget]-?: string } & {
  /** Who the credentials belong to, for the "more than one authentication method" message. */
  readonly user: string;
};

/** Field names for a target given directly in code: `target.url`, `target.ca`, … */
export const DIRECT_TARGET_FIELDS: TargetFieldNames = {
  url: 'target.url',
  headers: 'target.headers',
  token: 'target.token',
  tokenFile: 'target.tokenFile',
  username: 'target.username',
  password: 'target.password',
  ca: 'target.ca',
  cert: 'target.cert',
  key: 'target.key',
  insecureSkipTLSVerify: 'target.insecureSkipTLSVerify',
  tlsServerName: 'target.tlsServerName',
  user: 'target',
};

const Pem = Object.assign(
  new t.Type<string | Buffer, string | Buffer, unknown>(
    'string | Buffer',
    (u): u is string | Buffer => typeof u === 'string' || Buffer.isBuffer(u),
    (u, c) => (typeof u === 'string' || Buffer.isBuffer(u) ? t.success(u) : t.failure(u, c)),
    t.identity,
  ),
  { description: 'a string or a Buffer' },
);

/** The shape of a {@link WebhookTarget} given directly, checked before the semantic rules. */
const WebhookTargetCodec = t.intersection(
  [
    t.type({ url: t.string }),
    t.partial({
      headers: t.record(t.string, t.string),
      token: t.string,
      tokenFile: t.string,
      username: t.string,
      password: t.string,
      ca: Pem,
      cert: Pem,
      key: Pem,
      insecureSkipTLSVerify: t.boolean,
      tlsServerName: t.string,
    }),
  ],
  'WebhookTarget',
);

/**
 * Checks a webhook target given directly in code by the same rules as a kubeconfig: an absolute
 * http(s) URL, at most one authentication method (token or basic auth), a client certificate only
 * with its key (and the two matching), a CA only without `insecureSkipTLSVerify`, PEM that parses,
 * valid header names and values. Messages name the field, never a secret value.
 *
 * ## Example
 *
 * ```ts
 * // internal (not exported from 'rx-audit'): src/transport/validateWebhookTarget.ts
 * import { validateWebhookTarget } from './validateWebhookTarget.js';
 *
 * validateWebhookTarget({ url: 'https://audit.example/events', token: 's3cret' });
 * validateWebhookTarget({ url: 'ftp://x' }); // throws KubeconfigError: invalid webhook target: target.url …
 * ```
 *
 * @param input The target, e.g. `options.target` of `createWebhookBackend`.
 * @returns A checked copy of the target.
 * @throws {KubeconfigError} listing every problem (its `file` is `undefined`).
 */
export function validateWebhookTarget(input: unknown): WebhookTarget {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new KubeconfigError(undefined, [
      `target must be an object with a url, or { kubeconfig: path }, got ${showValue(input, 'kind')}`,
    ]);
  }
  const decoded = WebhookTargetCodec.decode(input);
  if (decoded._tag === 'Left') {
    const problems: string[] = [];
    reportErrors(decoded.left, problems, { base: 'target', values: 'kind' });
    throw new KubeconfigError(undefined, problems);
  }
  const target = { ...decoded.right } as WebhookTarget;
  const problems = targetProblems(target, DIRECT_TARGET_FIELDS);
  if (target.tokenFile !== undefined && target.token === undefined && problems.length === 0) {
    try {
      target.token = readTokenFile(target.tokenFile); // checked now; read again as it rotates
    } catch (error) {
      problems.push(`unable to read target.tokenFile ${target.tokenFile} due to ${fsReason(error)}`);
    }
  }
  if (problems.length > 0) throw new KubeconfigError(undefined, problems);
  return target;
}

/**
 * Every rule a usable target must satisfy, shared by direct targets and kubeconfigs.
 *
 * @param target The target to check.
 * @param names How each field is called in the messages.
 * @returns One message per problem; empty when the target is usable.
 */
export function targetProblems(target: WebhookTarget, names: TargetFieldNames): string[] {
  const problems: string[] = [];

  const url = target.url.trim();
  if (url === '') {
    problems.push(`${names.url} is empty`);
  } else {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      // The raw value may hold credentials (user:password@host), so it is not echoed.
      problems.push(`${names.url} is not a valid absolute URL`);
    }
    if (parsed !== undefined) {
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        // Only the scheme: with an unknown scheme the rest may be anything, credentials included.
        problems.push(`${names.url} must be an http or https URL, got scheme "${parsed.protocol}"`);
      } else if (!parsed.hostname) {
        problems.push(`${names.url} has no host, got "${redactUrl(url)}"`);
      }
    }
  }

  const methods: string[] = [];
  if (target.token || target.tokenFile) methods.push('token');
  if (target.username || target.password) methods.push('basicAuth');
  if (methods.length > 1) {
    problems.push(
      `more than one authentication method found for ${names.user}; found [${methods.join(' ')}], only one is allowed`,
    );
  }

  const hasCa = isSet(target.ca);
  const hasCert = isSet(target.cert);
  const hasKey = isSet(target.key);
  if (hasCa && target.insecureSkipTLSVerify === true) {
    problems.push(
      `specifying a root certificates file with the insecure flag is not allowed (${names.ca} and ${names.insecureSkipTLSVerify})`,
    );
  }
  if (hasCert && !hasKey) {
    problems.push(
      `${names.key} must be specified for ${names.user} to use the clientCert authentication method`,
    );
  }
  if (hasKey && !hasCert) {
    problems.push(
      `${names.cert} must be specified for ${names.user} to use the clientCert authentication method`,
    );
  }

  if (isSet(target.ca)) problems.push(...certificateProblems(target.ca, names.ca));
  const certProblems = isSet(target.cert) ? certificateProblems(target.cert, names.cert) : [];
  const keyProblems = isSet(target.key) ? keyProblemsOf(target.key, names.key) : [];
  problems.push(...certProblems, ...keyProblems);
  if (hasCert && hasKey && certProblems.length === 0 && keyProblems.length === 0) {
    try {
      createSecureContext({ cert: target.cert, key: target.key });
    } catch (err) {
      problems.push(`${names.cert} and ${names.key} do not belong together (${opensslReason(err)})`);
    }
  }

  for (const [name, value] of Object.entries(target.headers ?? {})) {
    try {
      validateHeaderName(name);
    } catch {
      problems.push(`${names.headers} has an invalid header name ${showValue(name)}`);
      continue;
    }
    try {
      validateHeaderValue(name, value);
    } catch {
      // The value may be a credential: name the header only (a valid name, so it reads as a path segment).
      problems.push(`${names.headers}.${name} has an invalid value (control characters?)`);
    }
  }
  return problems;
}

function isSet(value: string | Buffer | undefined): value is string | Buffer {
  return value !== undefined && value.length > 0;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function certificateProblems(pem: string | Buffer, field: string): string[] {
  const blocks = pem.toString('utf8').match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    return [
      `${field} holds no PEM certificate (expected "-----BEGIN CERTIFICATE-----"; a file path belongs in the file field, not the data field)`,
    ];
  }
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (err) {
      return [`${field} holds an unreadable certificate (#${i + 1}: ${opensslReason(err)})`];
    }
  }
  return [];
}

function keyProblemsOf(pem: string | Buffer, field: string): string[] {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem.toString('utf8'))) {
    return [`${field} holds no PEM private key`];
  }
  try {
    createPrivateKey(pem);
    return [];
  } catch (err) {
    return [`${field} holds an unreadable private key (${opensslReason(err)})`];
  }
}

/** OpenSSL's reason text (it never contains key material), without the numeric prefix. */
function opensslReason(err: unknown): string {
  const message = errorMessage(err);
  return message.replace(/^error:[0-9A-F]+:(?:[^:]*::)?/, '').split('\n')[0] ?? message;
}
