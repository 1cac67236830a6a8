// What `rx-audit serve --jetstream` and `ship --jetstream` need, behind one small surface: the CLI imports this
// file statically (it loads no @nats-io package) and the NATS client only when --jetstream is given.
import type { AuditSender } from '../contract/AuditSender.js';
import { redactUrl } from '../util/redactUrl.js';
import type { EncodedAuditEvent } from './createJetStreamSender.js';

/** The `--jetstream URL --subject S [--publish-timeout MS]` flags as commander parses them. */
export interface JetStreamFlags {
  /** NATS URL(s), comma-separated. */
  jetstream?: string;
  subject?: string;
  /** serve only: milliseconds to wait for the acks of one POST. @default 10000 */
  publishTimeout?: number;
}

/** `--jetstream` given, checked: the servers and the subject. */
export interface JetStreamTarget {
  readonly servers: string[];
  readonly subject: string;
  /** For messages: the servers without credentials, and the subject. */
  readonly description: string;
}

/**
 * Checks the `--jetstream`/`--subject` pair (and that `conflicts`, the flags it replaces, are absent).
 * @param usageError Makes the error thrown for a bad combination (the CLI's usage error, exit code 2).
 * @returns `undefined` without `--jetstream`.
 */
export function resolveJetStreamFlags(
  flags: JetStreamFlags,
  conflicts: Record<string, unknown>,
  usageError: (message: string) => Error = (message) => new TypeError(message),
): JetStreamTarget | undefined {
  if (flags.jetstream === undefined) {
    if (flags.subject !== undefined) throw usageError('--subject needs --jetstream URL');
    return undefined;
  }
  const servers = flags.jetstream
    .split(',')
    .map((server) => server.trim())
    .filter((server) => server !== '');
  if (servers.length === 0) throw usageError('--jetstream needs a NATS URL, e.g. nats://127.0.0.1:4222');
  if (flags.subject === undefined || flags.subject === '') throw usageError('--jetstream needs --subject S');
  for (const [flag, value] of Object.entries(conflicts)) {
    if (value !== undefined) throw usageError(`--jetstream and ${flag} are alternatives: give one`);
  }
  const shown = servers
    .map((server) => (/^[a-z]+:\/\//i.test(server) ? redactUrl(server) : server))
    .join(',');
  return { servers, subject: flags.subject, description: `JetStream ${shown} subject ${flags.subject}` };
}

/** A serve sink (the CLI's `ServeSink` shape) that publishes every accepted POST to JetStream. */
export interface JetStreamServeSink {
  store(items: readonly EncodedAuditEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** Connects the gateway of `serve --jetstream` (see `createJetStreamGateway`). */
export async function openJetStreamSink(
  target: JetStreamTarget,
  publishTimeout: number,
): Promise<JetStreamServeSink> {
  const { createJetStreamGateway } = await import('./createJetStreamGateway.js');
  return createJetStreamGateway({
    servers: target.servers,
    subject: target.subject,
    timeout: publishTimeout,
  });
}

/** Connects the sender of `ship --jetstream` (see `createJetStreamSender`). */
export async function openJetStreamSender(
  target: JetStreamTarget,
  timeout: number,
): Promise<{ send: AuditSender; close(): Promise<void> }> {
  const { createJetStreamSender } = await import('./createJetStreamSender.js');
  return createJetStreamSender({ servers: target.servers, subject: target.subject, timeout });
}
