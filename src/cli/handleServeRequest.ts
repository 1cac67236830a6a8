import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAuditDecodeError } from '../events/AuditDecodeError.js';
import type { AuditEvent } from '../events/Event.js';
import { decodeEventList } from '../events/decodeEventList.js';
import { encodeEvent } from '../events/encodeEvent.js';
import type { BearerCheck } from './bearerCheck.js';
import { boundedProblems } from './boundedProblems.js';
import type { BodyBudget, RequestBody } from '../util/readRequestBody.js';
import { isRequestBodyError, readRequestBody } from '../util/readRequestBody.js';
import type { ServeMetrics } from './ServeMetrics.js';
import type { ServeOutcome } from './ServeOutcome.js';
import type { ServeSink, StoredEvent } from './ServeSink.js';

/** What {@link handleServeRequest} needs: the checks, the limits and where accepted events go. */
export interface ServeRequestContext {
  /** The bearer-token check, or `undefined` when none is required. */
  readonly checkToken: BearerCheck | undefined;
  /** The largest body accepted, after decompression. */
  readonly maxBodyBytes: number;
  /** The server-wide budget of body bytes held by requests being read and handled, after decompression. */
  readonly bodyBudget: BodyBudget;
  /** Fraction of valid POSTs answered `injectedStatus` on purpose. */
  readonly failRate: number;
  /** The status of a `failRate` failure. */
  readonly injectedStatus: number;
  /** Wait this long before answering a POST, in ms. */
  readonly delayMs: number;
  /** Where accepted events go — a file, nothing, or a broker: the one place a different strategy plugs in. */
  readonly sink: ServeSink;
  /** `/metrics`, when prom-client is installed. */
  readonly metrics: ServeMetrics | undefined;
  /** Called once per answered request. */
  readonly onOutcome: (outcome: ServeOutcome) => void;
  /** Random numbers in [0, 1) for `failRate`. */
  readonly random: () => number;
}

const TEXT = 'text/plain; charset=utf-8';

/**
 * Answers one request to `rx-audit serve`:
 * - `GET /healthz` → 200 `ok`; `GET /metrics` → Prometheus text (neither needs the token); other non-POSTs → 405.
 * - POST: the bearer token is checked **before** the body is read (401); the body is read to at most
 *   `maxBodyBytes` after decompression (413; `Content-Encoding` other than gzip → 415), its bytes taken from
 *   `bodyBudget` until it was answered (spent: 503 with `Retry-After`, connection closed); it must be an `EventList`
 *   (400 of at most 4 KiB listing the first problems); each event must serialize (else 400 naming the item);
 *   then `sink.store` — 200 only once it resolved.
 * Never throws and never answers 500 for anything a client sent.
 *
 * @param req The request.
 * @param res Its response.
 * @param ctx The server's settings.
 */
export async function handleServeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ServeRequestContext,
): Promise<void> {
  const method = req.method ?? 'GET';
  const path = (req.url ?? '/').split('?')[0];
  let bytes = 0;
  let events: readonly AuditEvent[] = [];
  let injected = false;

  const answer = (status: number, body: string, headers: Record<string, string> = {}): void => {
    if (!res.headersSent && !res.destroyed) {
      if (!req.complete || headers['Connection'] === 'close') {
        // The body was not read (refused early): close this connection rather than read what is left of it.
        headers['Connection'] = 'close';
        res.on('finish', () => {
          req.socket.end();
          setTimeout(() => req.socket.destroy(), 2000).unref();
        });
      }
      res.writeHead(status, { 'Content-Type': TEXT, ...headers });
      res.end(body);
    }
    ctx.onOutcome({ method, status, events, bytes, injected });
  };

  if (method === 'GET' || method === 'HEAD') {
    if (path === '/healthz') return answer(200, 'ok\n');
    if (path === '/metrics') {
      if (ctx.metrics === undefined) return answer(501, 'metrics need the prom-client package\n');
      const { contentType, text } = await ctx.metrics.scrape();
      return answer(200, text, { 'Content-Type': contentType });
    }
  }
  if (method !== 'POST') return answer(405, 'Method Not Allowed: POST an EventList\n', { Allow: 'POST' });

  if (ctx.checkToken !== undefined && !(await ctx.checkToken(req.headers.authorization))) {
    return answer(401, 'Unauthorized\n', { 'WWW-Authenticate': 'Bearer' });
  }

  let body: RequestBody;
  try {
    body = await readRequestBody(req, ctx.maxBodyBytes, ctx.bodyBudget);
    bytes = body.wireBytes;
  } catch (err) {
    if (!isRequestBodyError(err)) throw err;
    return answer(
      err.status,
      `${err.message}\n`,
      err.retryAfterSeconds === undefined
        ? {}
        : { 'Retry-After': String(err.retryAfterSeconds), Connection: 'close' },
    );
  }
  // The body's bytes stay taken from the budget until it was answered, whatever the way out.
  try {
    const decoded = decode(body.data);
    if (!Array.isArray(decoded)) events = decoded.events;
    else return answer(400, boundedProblems(decoded, (decoded as { total?: number }).total));

    const stored: StoredEvent[] = [];
    const unstorable: string[] = [];
    events.forEach((event, i) => {
      try {
        stored.push({ event, json: JSON.stringify(encodeEvent(event)) });
      } catch (err) {
        unstorable.push(
          `items.${i}: cannot be stored: ${err instanceof RangeError ? 'nested too deeply to serialize' : errorName(err)}`,
        );
      }
    });
    if (unstorable.length > 0) {
      events = [];
      return answer(400, boundedProblems(unstorable));
    }

    if (ctx.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, ctx.delayMs));
    if (ctx.failRate > 0 && ctx.random() < ctx.failRate) {
      injected = true;
      return answer(ctx.injectedStatus, `failed on purpose (--fail-rate)\n`);
    }
    try {
      await ctx.sink.store(stored);
    } catch (err) {
      const { status, retryAfter } = err as { status?: unknown; retryAfter?: unknown };
      const code = typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
      return answer(code, `could not store the events: ${errorName(err)}\n`, {
        ...(typeof retryAfter === 'number' ? { 'Retry-After': String(retryAfter) } : {}),
      });
    }
    answer(200, '{}', { 'Content-Type': 'application/json' });
  } finally {
    body.release();
  }
}

/** The body's events, or its problems (nothing of the body's content but what the decoder names). */
function decode(data: Buffer): { events: AuditEvent[] } | (string[] & { total?: number }) {
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch (err) {
    // The engine's message quotes the body; keep only where it went wrong.
    const position = /position (\d+)/.exec((err as Error).message ?? '')?.[1];
    return [
      err instanceof RangeError
        ? 'body is nested too deeply to parse'
        : `body is not valid JSON${position === undefined ? '' : ` (at byte ${position})`}`,
    ];
  }
  try {
    return { events: decodeEventList(value) };
  } catch (err) {
    if (isAuditDecodeError(err)) {
      // The decoder keeps only the first problems and counts the rest (`omitted`).
      const omitted = (err as { omitted?: unknown }).omitted;
      const problems: string[] & { total?: number } =
        err.problems.length > 0 ? [...err.problems] : ['body is not an EventList'];
      problems.total = problems.length + (typeof omitted === 'number' ? omitted : 0);
      return problems;
    }
    return [
      err instanceof RangeError
        ? 'body is nested too deeply to decode'
        : `body is not a valid EventList (${errorName(err)})`,
    ];
  }
}

function errorName(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code.slice(0, 40);
  return err instanceof Error ? err.name.slice(0, 40) : 'error';
}
