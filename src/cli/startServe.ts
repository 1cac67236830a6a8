import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import { bearerCheck } from './bearerCheck.js';
import { CliUsageError } from './CliUsageError.js';
import { handleServeRequest } from './handleServeRequest.js';
import { openFileSink } from './openFileSink.js';
import { createServeMetrics } from './ServeMetrics.js';
import { createBodyBudget } from '../util/readRequestBody.js';
import type { ServeOutcome } from './ServeOutcome.js';
import type { ServeSink } from './ServeSink.js';
import { COUNT_ONLY_SINK } from './ServeSink.js';
import { ServeTally } from './ServeTally.js';
import { SERVE_DEFAULTS } from './serveDefaults.js';
import { redactMessage } from '../util/redactMessage.js';
import { toError } from '../util/toError.js';

/** The status `--fail-rate` failures are answered with: retryable, as an overloaded webhook would answer. */
export const INJECTED_FAILURE_STATUS = 503;

/** Connection limits and timeouts of `serve`, suited to a webhook receiver (apiserver clients send small, quick POSTs). */
export const SERVE_LIMITS = {
  /** A client has this long to send its request headers (slowloris). */
  headersTimeoutMs: 10_000,
  /** …and this long for the whole request, body included. */
  requestTimeoutMs: 60_000,
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: 5_000,
  /** How often the timeouts above are checked. */
  connectionsCheckingIntervalMs: 1_000,
  /** The largest request header block. */
  maxHeaderSize: 16_384,
} as const;

/** Options of {@link startServe} (the `serve` flags). */
export interface ServeOptions {
  /** @default 8080 (0: any free port) */
  port: number;
  /** @default '127.0.0.1' */
  host: string;
  /** Append accepted events to this file as JSON lines. */
  out?: string;
  /** Rotate `out` before it would pass this many bytes. @default no rotation */
  outMaxBytes?: number;
  /** Rotated `out` files kept. @default 5 */
  outKeep?: number;
  /** Fraction of POSTs answered 503 on purpose. @default 0 */
  failRate: number;
  /** Wait before answering each POST, in ms. @default 0 */
  delayMs: number;
  /** PEM certificate file: serve HTTPS (with `tlsKey`). */
  tlsCert?: string;
  /** PEM key file of `tlsCert`. */
  tlsKey?: string;
  /** PEM CA file: require client certificates it signed (mutual TLS). */
  clientCa?: string;
  /** Require `Authorization: Bearer <token>`. */
  token?: string;
  /** Require the bearer token held in this file (re-read when it changes). */
  tokenFile?: string;
  /** The largest POST body, after decompression, in bytes. @default 16777216 (16 MiB) */
  maxBodyBytes?: number;
  /**
   * Body bytes held at once by all requests being read and handled, after decompression; a request that would pass
   * it is answered 503 with `Retry-After` and its connection closed. At least `maxBodyBytes`.
   * @default the larger of 268435456 (256 MiB) and 8 × `maxBodyBytes`
   */
  maxBufferedBytes?: number;
  /** Open connections at most; more are refused. @default 4096 */
  maxConnections?: number;
  /** Where accepted events go instead of `out` (e.g. a broker). @default `out`, or only counted */
  sink?: ServeSink;
  /** Receives notices (a reloaded token file). @default ignored */
  onNotice?: (line: string) => void;
}

/** A running `serve`. */
export interface ServeHandle {
  /** The webhook URL (`http://127.0.0.1:PORT/`). */
  readonly url: string;
  readonly tally: ServeTally;
  /** Whether `GET /metrics` works (prom-client is installed). */
  readonly metrics: boolean;
  /** Called for every answered request (accepted or not). */
  onRequest(listener: (outcome: ServeOutcome) => void): void;
  /** Stops listening, waits for pending requests' writes, fsyncs and closes `out`. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the `serve` webhook: decodes each POSTed `EventList` (see {@link handleServeRequest}: token before body,
 * bounded bodies and answers, gzip, `/healthz`, `/metrics`) and stores every accepted POST's events — appended to
 * `out` as complete `audit.k8s.io/v1` JSON lines **before** answering 200, so a 200 means the events are in the
 * file.
 *
 * @param options The `serve` flags.
 * @returns The running server.
 * @throws CliUsageError for unreadable TLS or token files, an incomplete TLS pair, an unopenable `out`,
 * `maxBufferedBytes` under `maxBodyBytes`.
 */
export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const maxBodyBytes = options.maxBodyBytes ?? SERVE_DEFAULTS.maxBodyBytes;
  const maxBufferedBytes =
    options.maxBufferedBytes ?? Math.max(SERVE_DEFAULTS.maxBufferedBytes, 8 * maxBodyBytes);
  // A smaller budget would answer every body near the limit 503, and the sender would retry it forever.
  if (maxBufferedBytes < maxBodyBytes) {
    throw new CliUsageError(
      `--max-buffered-bytes (${maxBufferedBytes}) must be at least --max-body-bytes (${maxBodyBytes})`,
    );
  }
  const tls = await readTls(options);
  const notice = options.onNotice ?? (() => undefined);
  const checkToken = await bearerCheck(options, (problem) =>
    notice(problem === undefined ? 'token file changed: new token in force' : `token file: ${problem}`),
  );
  const sink =
    options.sink ??
    (options.out === undefined
      ? COUNT_ONLY_SINK
      : await openFileSink({
          path: options.out,
          ...(options.outMaxBytes === undefined ? {} : { maxBytes: options.outMaxBytes }),
          keep: options.outKeep ?? SERVE_DEFAULTS.outKeep,
        }));
  const metrics = await createServeMetrics();
  const tally = new ServeTally();
  const listeners: ((outcome: ServeOutcome) => void)[] = [];
  const pending = new Set<Promise<void>>();

  const context = {
    checkToken,
    maxBodyBytes,
    bodyBudget: createBodyBudget(maxBufferedBytes),
    failRate: options.failRate,
    injectedStatus: INJECTED_FAILURE_STATUS,
    delayMs: options.delayMs,
    sink,
    metrics,
    random: Math.random,
    onOutcome: (outcome: ServeOutcome) => {
      tally.add(outcome);
      metrics?.observe(outcome);
      for (const listener of listeners) listener(outcome);
    },
  };
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const handled = handleServeRequest(req, res, context).catch((error: unknown) => {
      // Only a bug gets here: answer without a detail, say so on stderr (never the body), and keep serving.
      const bug = toError(error);
      notice(
        `internal error answering ${req.method ?? '?'} (500): ${bug.name}: ${redactMessage(bug.message)}`,
      );
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
        res.end('internal error\n');
      }
    });
    pending.add(handled);
    void handled.finally(() => pending.delete(handled));
  };

  const serverOptions: ServerOptions = {
    headersTimeout: SERVE_LIMITS.headersTimeoutMs,
    requestTimeout: SERVE_LIMITS.requestTimeoutMs,
    keepAliveTimeout: SERVE_LIMITS.keepAliveTimeoutMs,
    connectionsCheckingInterval: SERVE_LIMITS.connectionsCheckingIntervalMs,
    maxHeaderSize: SERVE_LIMITS.maxHeaderSize,
  };
  const server: Server = tls
    ? createHttpsServer({ ...serverOptions, ...tls }, listener)
    : createHttpServer(serverOptions, listener);
  server.maxConnections = options.maxConnections ?? SERVE_DEFAULTS.maxConnections;
  server.maxHeadersCount = 100;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A bad handshake or a malformed request is the client's problem, never the server's.
  server.on('tlsClientError', () => undefined);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    else socket.destroy();
    // A client that does not read what it is answered must not keep its socket either.
    setTimeout(() => socket.destroy(), 1000).unref();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await sink.close();
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`cannot listen on ${options.host}:${options.port}: ${code ?? (err as Error).message}`, {
      cause: err,
    });
  }
  const port = (server.address() as AddressInfo).port;
  const urlHost = options.host.includes(':') ? `[${options.host}]` : options.host;

  let closed: Promise<void> | undefined;
  return {
    url: `${tls ? 'https' : 'http'}://${urlHost}:${port}/`,
    tally,
    metrics: metrics !== undefined,
    onRequest: (listener) => void listeners.push(listener),
    close: () =>
      (closed ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Requests being handled finish (their writes land before their 200); then every socket goes.
        await Promise.race([Promise.allSettled([...pending]), delay(5000)]);
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        await stopped;
        await sink.close();
      })()),
  };
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

async function readTls(
  options: ServeOptions,
): Promise<
  { cert: Buffer; key: Buffer; ca?: Buffer; requestCert?: boolean; rejectUnauthorized?: boolean } | undefined
> {
  if (options.tlsCert === undefined && options.tlsKey === undefined) {
    if (options.clientCa !== undefined) throw new CliUsageError('--client-ca needs --tls-cert and --tls-key');
    return undefined;
  }
  if (options.tlsCert === undefined || options.tlsKey === undefined) {
    throw new CliUsageError('--tls-cert and --tls-key go together');
  }
  const read = (flag: string, file: string): Promise<Buffer> =>
    readFile(file).catch((err: NodeJS.ErrnoException) => {
      throw new CliUsageError(
        `cannot read ${flag} ${file}: ${err.code === 'ENOENT' ? 'no such file' : (err.code ?? err.message)}`,
      );
    });
  const cert = await read('--tls-cert', options.tlsCert);
  const key = await read('--tls-key', options.tlsKey);
  const certificate = parsePem(
    '--tls-cert',
    options.tlsCert,
    'a PEM certificate',
    () => new X509Certificate(cert),
  );
  const privateKey = parsePem('--tls-key', options.tlsKey, 'a PEM private key (unencrypted)', () =>
    createPrivateKey(key),
  );
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new CliUsageError(`--tls-key ${options.tlsKey} is not the key of --tls-cert ${options.tlsCert}`);
  }
  if (options.clientCa === undefined) return { cert, key };
  const ca = await read('--client-ca', options.clientCa);
  parsePem('--client-ca', options.clientCa, 'a PEM certificate', () => new X509Certificate(ca));
  return { cert, key, ca, requestCert: true, rejectUnauthorized: true };
}

/** `parse()`, or a usage error naming the flag and file (never OpenSSL's text, nor what the file holds). */
function parsePem<T>(flag: string, file: string, what: string, parse: () => T): T {
  try {
    return parse();
  } catch {
    throw new CliUsageError(`${flag} ${file} does not hold ${what}`);
  }
}
