import { connect } from '@nats-io/transport-node';
import { fail } from '../util/validateOptions.js';
import { redactMessage } from '../util/redactMessage.js';
import { redactUrl } from '../util/redactUrl.js';

// Derived from `connect` rather than imported: the CommonJS build resolves modules the Node 10 way, which
// cannot follow @nats-io/nats-core's `types` field to these names.
/** A connection from `@nats-io/transport-node`. */
export type NatsConnection = Awaited<ReturnType<typeof connect>>;
type ConnectionOptions = NonNullable<Parameters<typeof connect>[0]>;

/** Milliseconds as the nanoseconds JetStream's API counts in. */
export function nanos(ms: number): number {
  return ms * 1_000_000;
}

/** How to reach and authenticate to NATS; shared by every `rx-audit/nats` entry point. */
export interface NatsConnectionOptions {
  /**
   * NATS server URL(s), e.g. `nats://127.0.0.1:4222` or `tls://nats.example:4222`. With several (one per
   * cluster node) the client connects to one and fails over to the others; it learns the rest of a
   * cluster from the server it reaches.
   */
  servers: string | readonly string[];
  /** Token authentication. Mutually exclusive with `user`/`pass`. @default none */
  token?: string;
  /** User for user/password authentication (needs `pass`). @default none */
  user?: string;
  /** Password for user/password authentication (needs `user`). @default none */
  pass?: string;
  /**
   * TLS: PEM text (not file paths) of the CA to trust, and of a client certificate and key. Giving `tls`
   * (even `{}`) or a `tls://` URL requires TLS; the server certificate is always verified.
   * @default none (TLS only when the server requires it)
   */
  tls?: { ca?: string; cert?: string; key?: string };
}

const MAX_SERVERS = 64;
const CONNECT_TIMEOUT_MS = 5_000;

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  return fail(name, 'a non-empty string', value);
}

/** The server list, checked: 1 to 64 non-empty strings. */
export function resolveServers(value: unknown, name = 'servers'): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_SERVERS) {
    return fail(name, `a server URL or a list of 1 to ${MAX_SERVERS} URLs`, value);
  }
  list.forEach((server: unknown, i) => {
    if (typeof server !== 'string' || server.trim() === '') fail(`${name}.${i}`, 'a server URL', server);
  });
  return list as string[];
}

/** Checks the connection options and turns them into nats.js `ConnectionOptions`. */
export function resolveConnectionOptions(options: NatsConnectionOptions): ConnectionOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'an object', options);
  const servers = resolveServers(options.servers);
  const token = optionalString('token', options.token);
  const user = optionalString('user', options.user);
  const pass = optionalString('pass', options.pass);
  if ((user === undefined) !== (pass === undefined)) {
    throw new TypeError('user and pass must be given together');
  }
  if (token !== undefined && user !== undefined) {
    throw new TypeError('token and user/pass are mutually exclusive');
  }
  const resolved: ConnectionOptions = {
    servers,
    name: 'rx-audit',
    // A sink or a consumer lives as long as its process: keep reconnecting through restarts and failovers.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    // A server that refuses the handshake (say, a client certificate missing) may just hang up: fail in seconds.
    timeout: CONNECT_TIMEOUT_MS,
    ...(token === undefined ? {} : { token }),
    ...(user === undefined || pass === undefined ? {} : { user, pass }),
  };
  if (options.tls !== undefined) {
    if (typeof options.tls !== 'object' || options.tls === null || Array.isArray(options.tls)) {
      fail('tls', 'an object', options.tls);
    }
    const ca = optionalString('tls.ca', options.tls.ca);
    const cert = optionalString('tls.cert', options.tls.cert);
    const key = optionalString('tls.key', options.tls.key);
    if ((cert === undefined) !== (key === undefined)) {
      throw new TypeError('tls.cert and tls.key must be given together');
    }
    resolved.tls = {
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
    };
  } else if (servers.some((server) => /^tls:\/\//i.test(server))) {
    resolved.tls = {};
  }
  return resolved;
}

/** The servers as they may appear in a message: no credentials (`nats://user:pass@host` → `nats://host`). */
export function describeServers(servers: string | readonly string[]): string {
  const list = typeof servers === 'string' ? [servers] : servers;
  return list
    .map((server) => (/^[a-z]+:\/\//i.test(server) ? redactUrl(server) : server.replace(/^.*@/, '')))
    .join(',');
}

/**
 * Connects to NATS. A failure becomes an Error naming the servers (credentials removed) with the client's
 * error as `cause`.
 */
export async function connectNats(options: NatsConnectionOptions): Promise<NatsConnection> {
  const resolved = resolveConnectionOptions(options);
  try {
    return await connect(resolved);
  } catch (error) {
    const reason = error instanceof Error ? redactMessage(error.message) : 'unknown error';
    throw new Error(`cannot connect to NATS at ${describeServers(options.servers)}: ${reason}`, {
      cause: error,
    });
  }
}
