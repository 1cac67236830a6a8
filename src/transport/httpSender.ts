import { tokenSource } from './tokenSource.js';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AgentOptions as HttpsAgentOptions } from 'node:https';
import type { Readable } from 'node:stream';
import { checkServerIdentity } from 'node:tls';
import { gzip } from 'node:zlib';
import axios from 'axios';
import type { AxiosRequestConfig, GenericAbortSignal } from 'axios';
import { Observable } from 'rxjs';
import { classifyAxiosError } from './classifyAxiosError.js';
import { resolveCompression } from './Compression.js';
import type { Compression } from './Compression.js';
import { readResponseBody } from './readResponseBody.js';
import { redactUrl } from '../util/redactUrl.js';
import { resolveWebhookTarget } from './resolveWebhookTarget.js';
import { WEBHOOK_DEFAULTS } from '../contract/options.js';
import type { WebhookTargetOption } from '../contract/WebhookTarget.js';
import type { AuditSender } from '../contract/AuditSender.js';
import { WebhookError } from './WebhookError.js';
import { NEVER_ABORTED, markCancelsOnUnsubscribe } from './sendAttempt.js';
import { fail } from '../util/validateOptions.js';
import { errorMessage } from '../util/toError.js';

/** Options for {@link createHttpSender}. */
export interface HttpSenderOptions {
  /**
   * Per-request timeout in milliseconds, enforced by axios on the socket: the request fails when
   * connecting takes longer, or when the connection stays idle (a server that does not answer) this
   * long. A timeout is retryable. The webhook backends and `auditWebhook` also bound each attempt's
   * whole round trip with the same `timeout` on their scheduler (aborting the request's signal), so
   * this is the socket-level backstop there.
   * @default 30000
   */
  timeout?: number;
  /**
   * `'gzip'` compresses each POST body with gzip (zlib's default level) off the event loop's main thread — zlib's
   * async API runs on the libuv threadpool — and sends it with `Content-Encoding: gzip`. A batch is
   * compressed once, however often it is retried. The webhook must accept gzip (`rx-audit serve` does; the
   * Kubernetes apiserver's own webhook backend never compresses).
   * @default 'none'
   */
  compression?: Compression;
}

/** The defaults of {@link HttpSenderOptions}. */
export const HTTP_SENDER_DEFAULTS: Readonly<Required<HttpSenderOptions>> = Object.freeze({
  timeout: WEBHOOK_DEFAULTS.timeout,
  compression: 'none',
});

/** The gzip level of `compression: 'gzip'`: 6, zlib's default, a good ratio for JSON at a fair speed. */
export const GZIP_LEVEL = 6;

/**
 * zlib's `memLevel` for the compressor: 9, its largest, instead of its default 8. For the corpus's batches it
 * took 10–17 % less CPU for the same bytes (ratio 0.261 against 0.260), for 128 KiB more memory per batch being
 * compressed.
 */
const GZIP_MEM_LEVEL = 9;

/** Gzips `body` on the libuv threadpool. */
function gzipBody(body: string | Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    gzip(body, { level: GZIP_LEVEL, memLevel: GZIP_MEM_LEVEL }, (error, compressed) =>
      error ? reject(error) : resolve(compressed),
    ),
  );
}

/**
 * TCP keep-alive probe delay of the agents' sockets: the 60 s axios sets on every request's socket. With the
 * agents' default (1 s) each request switched the option twice (a `setsockopt` each, ~13 % of a blocking
 * round trip); with the same value Node.js skips the call.
 */
const KEEP_ALIVE_MSECS = 60_000;

/**
 * Not public: the key of an optional method of an `AuditBatch` that returns its `body` already
 * encoded as UTF-8 — the same bytes as `Buffer.from(batch.body)`. The HTTP sender posts those bytes when
 * the batch has it (the webhook backends' batches build them item by item, without a body string).
 */
export const ENCODED_BODY: unique symbol = Symbol('rx-audit.encodedBody');

/** Not public: a batch that can give its body as UTF-8 bytes (see {@link ENCODED_BODY}). */
export interface EncodedBodyBatch {
  [ENCODED_BODY](): Buffer;
}

/** The HTTP transport: a sender plus a `close()` that frees its keep-alive sockets. */
export interface HttpSender {
  readonly send: AuditSender;
  close(): void;
}

/**
 * Creates the HTTP transport for an audit webhook: one axios instance with keep-alive agents that
 * POSTs each batch's `EventList` JSON to the target URL as-is, with `Content-Type: application/json`,
 * the target's headers and credentials (bearer token or basic auth) and TLS settings (CA, client
 * certificate, `insecureSkipTLSVerify`, `tlsServerName`). Any 2xx is success. At most `MAX_RESPONSE_BYTES`
 * (1 MiB) of a response body is read — the status counts, the rest is discarded — and an error's message
 * quotes the reason phrase and a short excerpt of the body, redacted (URL credentials, query values,
 * bearer tokens, secret-looking header values, the target's own credentials and header values).
 *
 * `send(batch, signal)` returns a cold Observable: each subscription is exactly one POST (it never
 * retries by itself — the backend's RxJS retry owns the schedule); it emits once and completes on
 * 2xx, and errors with a {@link WebhookError} otherwise (`status`, `retryable`, `retryAfterMs`).
 * Aborting `signal`, or unsubscribing, cancels the request. The target is resolved and checked
 * synchronously, so a bad target or kubeconfig throws here.
 *
 * ## Example
 *
 * ```ts
 * import { createHttpSender } from 'rx-audit';
 * import { lastValueFrom } from 'rxjs';
 *
 * const http = createHttpSender({ kubeconfig: './audit-webhook.yaml' }, { timeout: 5000 });
 * await lastValueFrom(http.send({ events: [], body: '{"kind":"EventList","items":[]}' }, new AbortController().signal));
 * http.close();
 * ```
 *
 * @param target The webhook target, or `{ kubeconfig: path }`.
 * @param options `timeout` per request and `compression`.
 * @returns `{ send, close }`.
 * @throws {KubeconfigError} for a bad target; `TypeError` for a bad `timeout` or `compression`.
 */
export function createHttpSender(target: WebhookTargetOption, options: HttpSenderOptions = {}): HttpSender {
  const timeout = options.timeout ?? HTTP_SENDER_DEFAULTS.timeout;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    fail('timeout', 'a positive number of milliseconds', timeout);
  }
  const compression = resolveCompression(options.compression ?? HTTP_SENDER_DEFAULTS.compression);
  const resolved = resolveWebhookTarget(target);
  const url = resolved.url;

  const tls: HttpsAgentOptions = {
    keepAlive: true,
    keepAliveMsecs: KEEP_ALIVE_MSECS,
    rejectUnauthorized: resolved.insecureSkipTLSVerify !== true,
  };
  if (resolved.ca !== undefined && resolved.ca.length > 0) tls.ca = resolved.ca;
  if (resolved.cert !== undefined && resolved.cert.length > 0) tls.cert = resolved.cert;
  if (resolved.key !== undefined && resolved.key.length > 0) tls.key = resolved.key;
  const serverName = resolved.tlsServerName;
  if (serverName) {
    // SNI and certificate verification both use tls-server-name instead of the URL's host.
    tls.servername = serverName;
    tls.checkServerIdentity = (_host, cert) => checkServerIdentity(serverName, cert);
  }
  const httpAgent = new HttpAgent({ keepAlive: true, keepAliveMsecs: KEEP_ALIVE_MSECS });
  const httpsAgent = new HttpsAgent(tls);

  const headers: Record<string, string> = { ...resolved.headers };
  headers['Content-Type'] = 'application/json';
  headers['Accept'] ??= 'application/json, */*';
  if (resolved.token) headers['Authorization'] = `Bearer ${resolved.token}`;
  const config: AxiosRequestConfig = {
    httpAgent,
    httpsAgent,
    headers,
    // The apiserver's client does not go through environment proxies for a loopback webhook,
    // and axios' proxy support does not carry the agents' TLS settings: talk to the URL directly. (With it,
    // axios keeps each request's context alive into old space, which triples blocking mode's GC pauses; passing
    // it only while a proxy variable is set measured slower still: the environment reads cost more than the GC.)
    proxy: false,
    // A redirect would re-send credentials elsewhere; treat 3xx as a (final) failure instead.
    maxRedirects: 0,
    // The socket-level timeout; the absolute per-attempt deadline belongs to the caller's scheduler.
    timeout,
    maxBodyLength: Infinity,
    // The response is read as a stream, at most MAX_RESPONSE_BYTES of it (readResponseBody): axios' own
    // limit would fail a 2xx whose body is long, and buffering would let a webhook grow our memory.
    maxContentLength: -1,
    validateStatus: (status) => status >= 200 && status < 300,
    // The body is already the encoded EventList.
    transformRequest: [(data: unknown) => data],
    transformResponse: [(data: unknown) => data],
    responseType: 'stream',
  };
  if (resolved.username || resolved.password) {
    config.auth = { username: resolved.username ?? '', password: resolved.password ?? '' };
  }
  const client = axios.create(config);

  // The target's header values may be credentials too (X-Api-Key), and so may the URL's user info (axios sends
  // it as Basic auth); a webhook may echo any of them back, as sent, decoded, in base64 or escaped in JSON.
  const userInfo = urlCredentials(url);
  const plain = [
    resolved.token,
    resolved.password,
    userInfo?.password,
    ...Object.values(resolved.headers ?? {}),
  ];
  if (resolved.username || resolved.password) {
    plain.push(Buffer.from(`${resolved.username ?? ''}:${resolved.password ?? ''}`).toString('base64'));
  }
  if (userInfo !== undefined) {
    plain.push(`${userInfo.username}:${userInfo.password}`);
    plain.push(Buffer.from(`${userInfo.username}:${userInfo.password}`).toString('base64'));
  }
  const secrets: string[] = [];
  const keepOut = (values: readonly unknown[]): void => {
    const forms = values
      .filter((v): v is string => typeof v === 'string' && v.length >= 4)
      .flatMap((v) => [v, JSON.stringify(v).slice(1, -1), encodeURIComponent(v)]);
    for (const form of forms) if (!secrets.includes(form)) secrets.push(form);
    secrets.sort((a, b) => b.length - a.length); // a longer form first: a shorter one may be inside it
  };
  keepOut(plain);
  // A token in a file is read again as it rotates (client-go's one minute); each new one is kept out too.
  const currentToken =
    resolved.tokenFile === undefined
      ? undefined
      : tokenSource(resolved.token, resolved.tokenFile, (token) => keepOut([token]));
  const failure = (reason: string, retryable: boolean) =>
    new WebhookError(`audit webhook POST ${redactUrl(url)} failed: ${reason}`, { retryable });
  let closed = false;
  // One compressed body per batch, shared by its retries; dropped with the batch.
  const compressed = new WeakMap<object, Promise<Buffer>>();

  const send: AuditSender = (batch, signal) =>
    new Observable<void>((subscriber) => {
      if (closed) {
        subscriber.error(failure('the HTTP sender is closed', false));
        return;
      }
      // The request is cancelled on teardown, and when the caller's signal aborts. axios takes a cancel handle of
      // our own for it (its GenericAbortSignal): an AbortController per request cost about 25 µs, GC included.
      let finished = false;
      const cancel = new RequestCancel();
      let teardown = () => {
        if (!finished) cancel.abort();
      };
      if (signal !== NEVER_ABORTED) {
        const onAbort = () => cancel.abort();
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
        teardown = () => {
          signal.removeEventListener('abort', onAbort);
          if (!finished) cancel.abort();
        };
      }

      // A retry of a compressed batch reuses its compressed body: the body is read and gzipped once.
      const cached = compression === 'gzip' ? compressed.get(batch) : undefined;
      let body: string | Buffer = '';
      if (cached === undefined) {
        try {
          const encoded = (batch as Partial<EncodedBodyBatch>)[ENCODED_BODY];
          body = typeof encoded === 'function' ? encoded.call(batch) : batch.body;
        } catch (err) {
          finished = true;
          subscriber.error(err);
          return teardown;
        }
      }
      const post = (data: string | Buffer, encoding?: Record<string, string>) => {
        const token = currentToken?.();
        const extra = token === undefined ? encoding : { ...encoding, Authorization: `Bearer ${token}` };
        // request(), not post(): post() first merges its arguments into a config, a second mergeConfig per POST.
        return client
          .request<Readable>(
            extra
              ? { method: 'post', url, data, signal: cancel, headers: extra }
              : { method: 'post', url, data, signal: cancel },
          )
          .then(
            (response) => {
              // The status decides; the body is read (the round trip ends with it, and a whole body lets the
              // socket be reused) but only up to MAX_RESPONSE_BYTES, then the connection is closed.
              const read = isReadable(response.data) ? readResponseBody(response.data, 0) : Promise.resolve();
              void read.then(() => {
                finished = true;
                subscriber.next();
                subscriber.complete();
              });
            },
            (err: unknown) => {
              const data: unknown = axios.isAxiosError(err) ? err.response?.data : undefined;
              const excerpt = isReadable(data)
                ? readResponseBody(data, EXCERPT_BYTES, EXCERPT_BYTES)
                : undefined;
              void Promise.resolve(excerpt).then((read) => {
                finished = true;
                subscriber.error(
                  isTimeout(err) && !cancel.aborted
                    ? failure(`timeout of ${timeout}ms exceeded`, true)
                    : classifyAxiosError(err, {
                        url,
                        secrets,
                        ...(read === undefined ? {} : { body: read.head.toString('utf8') }),
                      }),
                );
              });
            },
          );
      };
      if (compression === 'none') {
        void post(body);
        return teardown;
      }
      let gzipped = cached;
      if (gzipped === undefined) {
        gzipped = gzipBody(body);
        compressed.set(batch, gzipped);
      }
      gzipped.then(
        (data) => {
          if (!cancel.aborted) return void post(data, { 'Content-Encoding': 'gzip' });
          // Aborted before or while compressing: nothing is sent, and the attempt ends as an aborted POST does.
          finished = true;
          subscriber.error(failure('aborted', false));
        },
        (err: unknown) => {
          finished = true;
          const reason = errorMessage(err);
          subscriber.error(failure(`gzip compression failed (${reason})`, false));
        },
      );
      return teardown;
    });

  return {
    send: markCancelsOnUnsubscribe(send),
    close() {
      closed = true;
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/**
 * What cancels one request: axios' `GenericAbortSignal`, which it listens to with one listener and stops
 * listening to when the request ends.
 */
class RequestCancel implements GenericAbortSignal {
  aborted = false;
  #listener: (() => void) | undefined;
  addEventListener(_type: 'abort', listener: () => void): void {
    this.#listener = listener;
  }
  removeEventListener(): void {
    this.#listener = undefined;
  }
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.#listener?.();
  }
}

/** Bytes of an error response's body kept for the message (before redaction and the length cap). */
const EXCERPT_BYTES = 512;

function isReadable(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).on === 'function';
}

/** axios' own timeout (`ECONNABORTED`, or `ETIMEDOUT` with `transitional.clarifyTimeoutError`). */
function isTimeout(error: unknown): boolean {
  return axios.isAxiosError(error) && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT');
}

/** The user name and password of a URL's user info (percent-decoded), if it has a password. */
function urlCredentials(url: string): { username: string; password: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.password === '') return undefined;
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  return { username: decode(parsed.username), password: decode(parsed.password) };
}
