import { STATUS_CODES } from 'node:http';
import { isAxiosError } from 'axios';
import { isNetworkError, isRetryableError } from 'axios-retry';
import { parseRetryAfter } from './parseRetryAfter.js';
import { redactMessage } from '../util/redactMessage.js';
import { redactUrl } from '../util/redactUrl.js';
import { WebhookError } from './WebhookError.js';
import { errorMessage } from '../util/toError.js';

/** What {@link classifyAxiosError} needs to know about the request that failed. */
export interface ClassifyContext {
  /** The webhook URL; only its redacted form (no credentials, no query) reaches the message. */
  url: string;
  /** Values that must never appear in the message (tokens, passwords); replaced by `[redacted]`. */
  secrets?: readonly string[];
  /** The current time in epoch milliseconds, for `Retry-After` dates. @default Date.now() */
  now?: number;
  /** The start of the response body, quoted (redacted) after the status. */
  body?: string;
}

/** Characters of the reason phrase and of the body excerpt a message quotes at most (before redaction). */
const MAX_QUOTED = 160;

/** Codes axios and Node give a request that ran out of time. */
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);

/**
 * DNS and routing failures that axios-retry's deny list treats as permanent but that are the
 * usual state of a webhook Service whose name or route is not there *yet*; the apiserver keeps
 * retrying them, so do we.
 */
const TRANSIENT_LOOKUP_CODES = new Set(['ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * Turns whatever an axios POST rejected with into a {@link WebhookError}: `status`, `retryable`
 * (decided with axios-retry's predicates: network errors, timeouts, 408, 429 and 5xx may succeed
 * on another attempt; other 4xx, 3xx, TLS verification failures and aborts are final) and
 * `retryAfterMs` from a `Retry-After` header on 429/503 (capped at 60 s).
 *
 * The message names the redacted URL and the failure (`audit webhook POST
 * https://audit.example:8443/events failed: 503 Service Unavailable: try later`): the status, the reason
 * phrase and an excerpt of the body, each redacted — known secrets, URL credentials and query values,
 * bearer tokens, secret-looking header values and JSON payloads are removed, control characters too. It
 * never contains request bodies, headers or credentials, and `cause` is a plain sanitized `Error` (name,
 * message, code), never the axios error with its request config.
 *
 * ## Example
 *
 * ```ts
 * // internal (not exported from 'rx-audit'): src/transport/classifyAxiosError.ts
 * import { classifyAxiosError } from './classifyAxiosError.js';
 *
 * try {
 *   await client.post(url, body);
 * } catch (err) {
 *   throw classifyAxiosError(err, { url });
 * }
 * ```
 *
 * @param error What the request rejected with (an `AxiosError` or anything else).
 * @param context The URL and the secrets to keep out of the message.
 * @returns A {@link WebhookError}; `retryable` tells the backend's retry whether to try again.
 */
export function classifyAxiosError(error: unknown, context: ClassifyContext): WebhookError {
  const prefix = `audit webhook POST ${redactUrl(context.url)} failed: `;
  // Everything after the prefix comes from the peer or the network stack: the known secrets go first (they
  // may appear in any form), then redactMessage's patterns (URLs, bearer tokens, header values, payloads).
  const scrub = (text: string): string => redactMessage(redactSecrets(text, context.secrets ?? []));

  if (!isAxiosError(error)) {
    const detail = errorMessage(error);
    return new WebhookError(prefix + scrub(detail), { cause: sanitize(error, scrub) });
  }

  const cause = sanitize(error, scrub);
  const response = error.response;
  if (response !== undefined) {
    const status = response.status;
    // Scrubbed whole, then cut: a cut first could split a secret, and its start would no longer match.
    const statusText = scrub(response.statusText || STATUS_CODES[status] || '').slice(0, MAX_QUOTED);
    const body = scrub((context.body ?? '').trim());
    const excerpt = body.length > MAX_QUOTED ? `${body.slice(0, MAX_QUOTED)}…` : body;
    // axios-retry's isRetryableError covers 429 and 5xx; the apiserver also retries 408.
    const retryable = status >= 400 && (isRetryableError(error) || status === 408);
    const retryAfterMs =
      status === 429 || status === 503
        ? parseRetryAfter(response.headers['retry-after'], context.now ?? Date.now())
        : undefined;
    const answer = `${status} ${statusText}`.trim();
    return new WebhookError(prefix + (excerpt === '' ? answer : `${answer}: ${excerpt}`), {
      status,
      retryable,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      cause,
    });
  }

  const code = error.code;
  const detail = scrub(describe(error));
  if (code === 'ERR_CANCELED') {
    return new WebhookError(prefix + 'aborted', { retryable: false, cause });
  }
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new WebhookError(prefix + detail, { retryable: true, cause });
  }
  // isNetworkError: no response, a code, and not on axios-retry's deny list (TLS certificate
  // problems stay final: retrying cannot fix a certificate; Node's own TLS codes are added here).
  if (code !== undefined && isTlsConfigurationError(code)) {
    return new WebhookError(prefix + detail, { retryable: false, cause });
  }
  const retryable = isNetworkError(error) || (code !== undefined && TRANSIENT_LOOKUP_CODES.has(code));
  return new WebhookError(prefix + detail, { retryable, cause });
}

/** Node's TLS verification and handshake failures: a certificate or TLS setting is wrong. */
function isTlsConfigurationError(code: string): boolean {
  return code.startsWith('ERR_TLS_CERT') || code.startsWith('ERR_SSL_');
}

function describe(error: Error & { code?: string | undefined }): string {
  const message = error.message || 'request failed';
  const code = error.code;
  return code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
}

/** A plain Error carrying only name, message and code: no request config, headers or body. */
function sanitize(error: unknown, scrub: (text: string) => string): Error {
  if (!(error instanceof Error)) return new Error(scrub(errorMessage(error)));
  const clean = new Error(scrub(error.message));
  clean.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(clean, { code });
  return clean;
}

function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    out = out.split(secret).join('[redacted]');
    // A text the peer's body was cut in (the sender reads only its head) may end inside a secret: that start
    // is a part of it, and goes too.
    for (let n = Math.min(secret.length - 1, out.length); n >= MIN_SECRET_PART; n--) {
      if (out.endsWith(secret.slice(0, n))) {
        out = `${out.slice(0, -n)}[redacted]`;
        break;
      }
    }
  }
  return out;
}

/** The shortest start of a secret redacted at the end of a cut text (shorter ones are too likely by chance). */
const MIN_SECRET_PART = 4;
