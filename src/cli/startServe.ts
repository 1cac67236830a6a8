import type { FileHandle } from 'node:fs/promises';
import { open, readFile } from 'node:fs/promises';
import type { Subscription } from 'rxjs';
import type { AuditEvent } from '../events/Event.js';
import { encodeEvent } from '../events/encodeEvent.js';
import type { Receiver, ReceivedRequest, ReceiverTlsOptions } from '../testing/receiver.js';
import { startReceiver } from '../testing/receiver.js';
import { CliUsageError } from './CliUsageError.js';
import { ServeTally } from './ServeTally.js';

/** The status `--fail-rate` failures are answered with: retryable, as an overloaded webhook would answer. */
export const INJECTED_FAILURE_STATUS = 503;

/** Options of {@link startServe} (the `serve` flags). */
export interface ServeOptions {
  /** @default 8080 (0: any free port) */
  port: number;
  /** @default '127.0.0.1' */
  host: string;
  /** Append accepted events to this file as JSON lines. */
  out?: string;
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
}

/** A running `serve`. */
export interface ServeHandle {
  /** The webhook URL (`http://127.0.0.1:PORT/`). */
  readonly url: string;
  readonly tally: ServeTally;
  /** Called for every answered request (accepted or not). */
  onRequest(listener: (request: ReceivedRequest) => void): void;
  /** Stops listening, waits for pending writes, fsyncs and closes `out`. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the `serve` webhook: `rx-audit/testing`'s receiver (decodes each POSTed `EventList`; 400 with the decode
 * error for a bad body, 401 for a wrong token, 503 for `failRate`), appending every accepted POST's events to
 * `out` as complete `audit.k8s.io/v1` JSON lines **before** answering 200 — so a 200 means the events are in the file.
 *
 * @param options The `serve` flags.
 * @returns The running server.
 * @throws CliUsageError for unreadable TLS files or an incomplete TLS pair.
 */
export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const tls = await readTls(options);
  let out: FileHandle | undefined;
  if (options.out !== undefined) {
    out = await open(options.out, 'a').catch((err: NodeJS.ErrnoException) => {
      throw new CliUsageError(`cannot open --out ${options.out}: ${err.code ?? err.message}`);
    });
  }

  // One append at a time, each a whole POST's lines, so concurrent POSTs never interleave within a line.
  let writes: Promise<void> = Promise.resolve();
  let closing = false;
  const append = (events: readonly AuditEvent[]): Promise<void> => {
    if (out === undefined || events.length === 0) return Promise.resolve();
    if (closing) return Promise.reject(new Error('serve is shutting down'));
    const file = out;
    // Lines as the apiserver's log backend writes them (audit.k8s.io/v1, with kind and apiVersion).
    const text = events.map((event) => JSON.stringify(encodeEvent(event))).join('\n') + '\n';
    const next = writes.then(() => file.appendFile(text));
    writes = next.catch(() => undefined);
    return next;
  };

  const tally = new ServeTally(INJECTED_FAILURE_STATUS);
  const listeners: ((request: ReceivedRequest) => void)[] = [];
  let receiver: Receiver;
  try {
    receiver = await startReceiver({
      host: options.host,
      port: options.port,
      failRate: options.failRate,
      failStatus: INJECTED_FAILURE_STATUS,
      delayMs: options.delayMs,
      ...(tls === undefined ? {} : { tls }),
      ...(options.token === undefined ? {} : { token: options.token }),
      onEvents: (events) => append(events),
    });
  } catch (err) {
    await out?.close();
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`cannot listen on ${options.host}:${options.port}: ${code ?? (err as Error).message}`, {
      cause: err,
    });
  }

  const subscription: Subscription = receiver.requests$.subscribe((request) => {
    // The receiver keeps every request for tests; a long-running server must not.
    receiver.clear();
    tally.add(request);
    for (const listener of listeners) listener(request);
  });

  let closed: Promise<void> | undefined;
  return {
    url: receiver.url,
    tally,
    onRequest: (listener) => void listeners.push(listener),
    close: () =>
      (closed ??= (async () => {
        closing = true;
        await receiver.close();
        subscription.unsubscribe();
        await writes;
        if (out !== undefined) {
          await out.sync();
          await out.close();
        }
      })()),
  };
}

async function readTls(options: ServeOptions): Promise<ReceiverTlsOptions | undefined> {
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
  if (options.clientCa === undefined) return { cert, key };
  const ca = await read('--client-ca', options.clientCa);
  return { cert, key, ca, requestCert: true, rejectUnauthorized: true };
}
