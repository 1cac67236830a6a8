import { createServer as createHttpServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Observable } from 'rxjs';
import { Subject } from 'rxjs';
import type { AuditEvent } from '../events/Event.js';
import { decodeEventList } from '../events/decodeEventList.js';
import { isRequestBodyError, readRequestBody } from '../util/readRequestBody.js';
import { fail } from '../util/validateOptions.js';
import { errorMessage } from '../util/toError.js';

/** What the receiver answers to one request: an HTTP response, a connection reset, or nothing at all. */
export type ReceiverReply =
  | {
      /** HTTP status code. */
      status: number;
      /** `Retry-After` header: seconds, or an HTTP date. */
      retryAfter?: number | string;
      /** Extra response headers. */
      headers?: Record<string, string>;
      /** Response body. @default a short text for the status */
      body?: string;
    }
  /** Destroy the connection with a TCP reset before answering. */
  | 'reset'
  /** Never answer (until the receiver closes). */
  | 'hang';

/** A failure to inject: a status code, a full {@link ReceiverReply}, `'reset'` or `'hang'`. */
export type ReceiverFailure = number | ReceiverReply;

/** Server TLS settings for {@link startReceiver}: serve HTTPS instead of HTTP. */
export interface ReceiverTlsOptions {
  /** PEM server certificate (chain). */
  cert: string | Buffer;
  /** PEM server key. */
  key: string | Buffer;
  /** PEM CA(s) that sign client certificates, for mutual TLS. */
  ca?: string | Buffer;
  /** Ask clients for a certificate. @default false */
  requestCert?: boolean;
  /** With `requestCert`, refuse clients without a certificate signed by `ca`. @default true */
  rejectUnauthorized?: boolean;
}

/** One request the receiver saw, as recorded in {@link Receiver.requests}. */
export interface ReceivedRequest {
  /** 1-based position among all requests this receiver saw. */
  readonly index: number;
  readonly method: string;
  /** Path and query as sent (`/audit?x=1`). */
  readonly path: string;
  /** Request headers (lower-case names), `Authorization` included — this is a test double. */
  readonly headers: IncomingHttpHeaders;
  /** The request body as text (inflated when it came with `Content-Encoding: gzip`). */
  readonly body: string;
  /** Events decoded from the body (empty when it did not decode). */
  readonly events: readonly AuditEvent[];
  /** The decode error message, when the body was not a valid `EventList`. */
  readonly decodeError?: string;
  /**
   * How many requests with this exact body the receiver has seen, this one included: 1 for a first
   * attempt, 2 for the first retry, … — count retries on the server side.
   */
  readonly attempt: number;
  /** Subject common name of the client certificate (mutual TLS), when one was presented. */
  readonly clientCertificateCN?: string;
  /** What was answered: a status code, `'reset'` or `'hang'`. */
  readonly reply: number | 'reset' | 'hang';
}

/** Options for {@link startReceiver}. */
export interface ReceiverOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Port; `0` picks a free one (see {@link Receiver.url}). @default 0 */
  port?: number;
  /** Serve HTTPS with these certificates (and mutual TLS with `ca` + `requestCert`). @default plain HTTP */
  tls?: ReceiverTlsOptions;
  /** Require `Authorization: Bearer <token>`; others get 401. @default no check */
  token?: string;
  /** Require basic auth with these credentials; others get 401. @default no check */
  basicAuth?: { username: string; password: string };
  /** Wait this long before answering each request, in milliseconds. @default 0 */
  delayMs?: number;
  /** Fraction of requests (0–1) answered with `failStatus`, at random. @default 0 */
  failRate?: number;
  /** The status `failRate` failures get. @default 500 */
  failStatus?: number;
  /** Seed for the random numbers behind `failRate`, for a reproducible sequence. @default unseeded */
  seed?: number;
  /** Source of random numbers in [0, 1) behind `failRate` (wins over `seed`). @default Math.random or seeded */
  random?: () => number;
  /**
   * Largest body accepted, in bytes after decompression; larger ones get 413. A `Content-Encoding: gzip` body is
   * inflated (a body that is not valid gzip gets 400); any other encoding gets 415.
   * @default 10485760 (10 MiB)
   */
  maxBodyBytes?: number;
  /**
   * Decides the answer to a valid request before the receiver accepts it: return a
   * {@link ReceiverFailure} to fail it, or `undefined` to accept.
   */
  respond?: (
    request: Omit<ReceivedRequest, 'reply'>,
  ) => ReceiverFailure | undefined | Promise<ReceiverFailure | undefined>;
  /**
   * Called with the events of each accepted POST before the 200 goes out (awaited: a rejection answers
   * 500, so "200" means the events were handled — e.g. written to a file).
   */
  onEvents?: (events: readonly AuditEvent[], request: Omit<ReceivedRequest, 'reply'>) => void | Promise<void>;
}

/** The defaults of {@link ReceiverOptions}. */
export const RECEIVER_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  delayMs: 0,
  failRate: 0,
  failStatus: 500,
  maxBodyBytes: 10 * 1024 * 1024,
} as const);

/** A running receiver: where it listens, what it saw, and knobs to make it fail. */
export interface Receiver {
  /** `http://127.0.0.1:<port>/` (or `https://`). Any path is accepted. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Every event of every accepted POST, in arrival order. */
  readonly events: readonly AuditEvent[];
  /** Every request, accepted or not, in arrival order (hanging ones once they are recorded). */
  readonly requests: readonly ReceivedRequest[];
  /** One emission per accepted POST: its events. Completes on `close()`. */
  readonly events$: Observable<readonly AuditEvent[]>;
  /** One emission per request, once it has been answered (or reset, or left hanging). Completes on `close()`. */
  readonly requests$: Observable<ReceivedRequest>;
  /** Fails the next `n` requests with `failure` (a status, a reply, `'reset'` or `'hang'`). @default 500 */
  failNext(n: number, failure?: ReceiverFailure): void;
  /** Fails every request with `failure` until called again with `undefined`. */
  failWith(failure: ReceiverFailure | undefined): void;
  /** Resolves with all events once at least `n` were accepted; rejects after `timeoutMs` (default 10 s). */
  waitForEvents(n: number, timeoutMs?: number): Promise<readonly AuditEvent[]>;
  /** Resolves with all requests once at least `n` were recorded; rejects after `timeoutMs` (default 10 s). */
  waitForRequests(n: number, timeoutMs?: number): Promise<readonly ReceivedRequest[]>;
  /** Forgets recorded events and requests and pending failures. */
  clear(): void;
  /** Stops listening, drops every open connection (hanging ones too) and completes the observables. */
  close(): Promise<void>;
}

const STATUS_BODY: Record<number, string> = {
  401: 'Unauthorized',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
};

/**
 * Starts a real audit webhook on 127.0.0.1 (a free port by default): a `node:http` server, or
 * `node:https` with `tls` (mutual TLS with `tls.ca` + `requestCert`). Each POST body is decoded as an
 * `EventList` with the rx-audit codecs (any supported group version); valid ones are recorded and
 * answered 200, invalid ones 400 with the decode error. It can be told to fail — status codes with
 * `Retry-After`, connection resets, hanging, delays, a random fraction — so you can test your own
 * pipeline against a webhook that misbehaves like a real one.
 *
 * ## Example
 *
 * ```ts
 * import { createWebhookBackend } from 'rx-audit';
 * import { startReceiver } from 'rx-audit/testing';
 *
 * const receiver = await startReceiver();
 * receiver.failNext(1, { status: 503, retryAfter: 1 });
 * const backend = createWebhookBackend({ mode: 'blocking', target: { url: receiver.url }, retry: { attempts: 2 } });
 * backend.run();
 * await backend.processEvents(event);
 * receiver.requests.map((r) => r.reply); // [503, 200]
 * await receiver.close();
 * ```
 *
 * @param options Where to listen, TLS, credentials to require, failures to inject.
 * @returns The running {@link Receiver}.
 */
export async function startReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const host = options.host ?? RECEIVER_DEFAULTS.host;
  const delayMs = options.delayMs ?? RECEIVER_DEFAULTS.delayMs;
  const failRate = options.failRate ?? RECEIVER_DEFAULTS.failRate;
  const failStatus = options.failStatus ?? RECEIVER_DEFAULTS.failStatus;
  const maxBodyBytes = options.maxBodyBytes ?? RECEIVER_DEFAULTS.maxBodyBytes;
  if (!(failRate >= 0 && failRate <= 1)) fail('failRate', 'between 0 and 1', failRate);
  if (!(delayMs >= 0)) fail('delayMs', 'a non-negative number', delayMs);
  const random = options.random ?? (options.seed === undefined ? Math.random : mulberry32(options.seed));

  const events: AuditEvent[] = [];
  const requests: ReceivedRequest[] = [];
  const bodies = new Map<string, number>();
  const events$ = new Subject<readonly AuditEvent[]>();
  const requests$ = new Subject<ReceivedRequest>();
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();
  let pendingFailures: ReceiverFailure[] = [];
  let persistentFailure: ReceiverFailure | undefined;
  let seen = 0;
  let closed = false;

  const record = (request: ReceivedRequest): void => {
    requests.push(request);
    requests$.next(request);
    for (const check of [...waiters]) check();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const index = ++seen;
    const { body, refused } = await readBody(req, maxBodyBytes);
    const headers = req.headers;
    const clientCertificateCN = peerCommonName(req.socket);
    const base = {
      index,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers,
      body: body ?? '',
      ...(clientCertificateCN === undefined ? {} : { clientCertificateCN }),
    };
    const attempt = (bodies.get(base.body) ?? 0) + 1;
    bodies.set(base.body, attempt);

    let decoded: readonly AuditEvent[] = [];
    let decodeError: string | undefined;
    if (body !== undefined && base.method === 'POST') {
      try {
        decoded = decodeEventList(JSON.parse(body));
      } catch (err) {
        decodeError = err instanceof SyntaxError ? `invalid JSON: ${err.message}` : errorMessage(err);
      }
    }
    const seenRequest: Omit<ReceivedRequest, 'reply'> = {
      ...base,
      attempt,
      events: decoded,
      ...(decodeError === undefined ? {} : { decodeError }),
    };

    let reply: ReceiverReply;
    if (base.method !== 'POST') reply = { status: 405 };
    else if (refused !== undefined) reply = refused;
    else if (!authorized(headers, options))
      reply = { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } };
    else {
      const injected = pendingFailures.shift() ?? persistentFailure;
      if (injected !== undefined) reply = toReply(injected);
      else if (decodeError !== undefined) reply = { status: 400, body: decodeError };
      else if (failRate > 0 && random() < failRate) reply = { status: failStatus };
      else {
        const decided = options.respond === undefined ? undefined : await options.respond(seenRequest);
        reply = decided === undefined ? { status: 200 } : toReply(decided);
      }
      if (
        typeof reply === 'object' &&
        reply.status >= 200 &&
        reply.status < 300 &&
        options.onEvents !== undefined
      ) {
        try {
          await options.onEvents(decoded, seenRequest);
        } catch (err) {
          reply = { status: 500, body: `onEvents failed: ${errorMessage(err)}` };
        }
      }
    }

    if (reply === 'hang') {
      record({ ...seenRequest, reply: 'hang' });
      return;
    }
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    if (reply === 'reset') {
      record({ ...seenRequest, reply: 'reset' });
      req.socket.resetAndDestroy();
      return;
    }
    const accepted = reply.status >= 200 && reply.status < 300;
    if (accepted) {
      events.push(...decoded);
      events$.next(decoded);
    }
    const responseHeaders: Record<string, string> = { ...reply.headers };
    if (reply.retryAfter !== undefined) responseHeaders['Retry-After'] = String(reply.retryAfter);
    const text =
      reply.body ?? (accepted ? '{}' : (STATUS_BODY[reply.status] ?? `injected failure ${reply.status}`));
    responseHeaders['Content-Type'] ??= accepted ? 'application/json' : 'text/plain; charset=utf-8';
    res.writeHead(reply.status, responseHeaders);
    res.end(text);
    record({ ...seenRequest, reply: reply.status });
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`receiver error: ${errorMessage(err)}`);
      }
    });
  };

  const tls = options.tls;
  const server: Server = tls
    ? createHttpsServer(
        {
          cert: tls.cert,
          key: tls.key,
          ...(tls.ca === undefined ? {} : { ca: tls.ca }),
          requestCert: tls.requestCert ?? false,
          rejectUnauthorized: tls.requestCert === true ? (tls.rejectUnauthorized ?? true) : false,
        },
        listener,
      )
    : createHttpServer(listener);
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A TLS handshake failure (e.g. a refused client certificate) is the client's problem, not ours.
  server.on('tlsClientError', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? RECEIVER_DEFAULTS.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  const waitFor = <T>(ready: () => T | undefined, what: string, timeoutMs: number): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const now = ready();
      if (now !== undefined) return resolve(now);
      const check = () => {
        const value = ready();
        if (value === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`receiver: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      waiters.add(check);
    });

  return {
    url: `${tls ? 'https' : 'http'}://${urlHost}:${port}/`,
    host,
    port,
    events,
    requests,
    events$: events$.asObservable(),
    requests$: requests$.asObservable(),
    failNext(n, failure = 500) {
      if (!Number.isInteger(n) || n < 0) fail('failNext: n', 'a non-negative integer', n);
      for (let i = 0; i < n; i++) pendingFailures.push(failure);
    },
    failWith(failure) {
      persistentFailure = failure;
    },
    waitForEvents(n, timeoutMs = 10_000) {
      return waitFor(
        () => (events.length >= n ? [...events] : undefined),
        `${n} events (have ${events.length})`,
        timeoutMs,
      );
    },
    waitForRequests(n, timeoutMs = 10_000) {
      return waitFor(
        () => (requests.length >= n ? [...requests] : undefined),
        `${n} requests (have ${requests.length})`,
        timeoutMs,
      );
    },
    clear() {
      events.length = 0;
      requests.length = 0;
      bodies.clear();
      pendingFailures = [];
      persistentFailure = undefined;
    },
    async close() {
      if (closed) return;
      closed = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await stopped;
      events$.complete();
      requests$.complete();
    },
  };
}

function toReply(failure: ReceiverFailure): ReceiverReply {
  return typeof failure === 'number' ? { status: failure } : failure;
}

function authorized(headers: IncomingHttpHeaders, options: ReceiverOptions): boolean {
  const header = headers.authorization ?? '';
  if (options.token !== undefined && header !== `Bearer ${options.token}`) return false;
  if (options.basicAuth !== undefined) {
    const { username, password } = options.basicAuth;
    if (header !== `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`) return false;
  }
  return true;
}

/**
 * Reads the whole body with the CLI's bounded reader (gzip inflated, `limit` applied after decompression). A refused
 * body comes back as the reply to give (413, 415 or 400); the rest of it is read and discarded first, so the
 * client can finish sending and read the answer.
 */
async function readBody(
  req: IncomingMessage,
  limit: number,
): Promise<{ body?: string; refused?: { status: number; body?: string } }> {
  try {
    return { body: (await readRequestBody(req, limit)).data.toString('utf8') };
  } catch (err) {
    if (!isRequestBodyError(err)) throw err;
    await drain(req);
    return { refused: err.status === 400 ? { status: 400, body: err.message } : { status: err.status } };
  }
}

function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    req.once('end', resolve);
    req.once('close', resolve);
    req.resume();
  });
}

function peerCommonName(socket: Socket): string | undefined {
  const tlsSocket = socket as Partial<TLSSocket>;
  if (typeof tlsSocket.getPeerCertificate !== 'function') return undefined;
  const cn = tlsSocket.getPeerCertificate().subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn || undefined;
}

/** A small seedable PRNG (mulberry32): the same seed gives the same failure sequence. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
