import type { IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import { AuditError } from '../events/AuditError.js';

/**
 * Why a body was refused before it was decoded: the status to answer and a short, input-free reason. A 503 (the
 * server's {@link BodyBudget} is spent) carries the `Retry-After` to answer, in seconds.
 */
export class RequestBodyError extends AuditError {
  override name = 'RequestBodyError';
  constructor(
    readonly status: 400 | 413 | 415 | 503,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/**
 * A server-wide budget of body bytes held by requests being read (counted after decompression, as `maxBytes` is):
 * it bounds a server's memory whatever the number of connections.
 */
export interface BodyBudget {
  /** The most bytes held at once. */
  readonly limit: number;
  /** The bytes held now. */
  readonly held: number;
  /** Takes `n` bytes; `false` (and nothing taken) when that would pass `limit`. */
  take(n: number): boolean;
  /** Gives back `n` bytes taken before. */
  release(n: number): void;
}

/**
 * A {@link BodyBudget} of `limit` bytes.
 *
 * @param limit The most body bytes held at once.
 * @returns The budget, nothing held.
 */
export function createBodyBudget(limit: number): BodyBudget {
  let held = 0;
  return {
    limit,
    get held() {
      return held;
    },
    take(n) {
      if (held + n > limit) return false;
      held += n;
      return true;
    },
    release(n) {
      held = Math.max(0, held - n);
    },
  };
}

/** The `Retry-After` of a body refused because the {@link BodyBudget} is spent, in seconds. */
export const BUDGET_RETRY_AFTER_SECONDS = 1;

/**
 * Whether `err` is a {@link RequestBodyError} (checks `.name` too, for the dual ESM/CJS build).
 *
 * @param err Anything thrown.
 * @returns `true` for a refused body.
 */
export function isRequestBodyError(err: unknown): err is RequestBodyError {
  return err instanceof RequestBodyError || (err instanceof Error && err.name === 'RequestBodyError');
}

/** A body read whole: its decoded bytes and how many bytes came over the wire. */
export interface RequestBody {
  readonly data: Buffer;
  readonly wireBytes: number;
  /** Gives the body's bytes back to the budget, once the body was handled; later calls do nothing. */
  release(): void;
}

/**
 * Reads a request body of at most `maxBytes` bytes **after** decompression. `Content-Encoding: gzip` is inflated
 * as it arrives, and reading stops the moment the inflated size passes `maxBytes` — a gzip bomb costs at most
 * `maxBytes` of memory. No encoding (or `identity`) is read as is; any other encoding is refused (415) without
 * reading. A `Content-Length` over the limit is refused (413) without reading.
 *
 * With a `budget`, every byte kept is taken from it first; when the budget is spent the body is refused (503) and
 * what it held is given back at once. A refused or aborted body gives its bytes back before the promise rejects;
 * a body read whole holds them until its `release()`.
 *
 * @param req The request.
 * @param maxBytes The largest body accepted, decompressed.
 * @param budget The server-wide budget of bytes held. @default none
 * @returns The body.
 * @throws RequestBodyError 413 (too large), 415 (unknown encoding), 503 (budget spent) or 400 (not valid gzip,
 * aborted).
 */
export async function readRequestBody(
  req: IncomingMessage,
  maxBytes: number,
  budget?: BodyBudget,
): Promise<RequestBody> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const gzip = encoding === 'gzip' || encoding === 'x-gzip';
  if (!gzip && encoding !== 'identity' && encoding !== '') {
    throw new RequestBodyError(415, 'unsupported Content-Encoding: only gzip (or none) is accepted');
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new RequestBodyError(413, `body is larger than ${maxBytes} bytes`);
  }

  return new Promise<RequestBody>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let wireBytes = 0;
    let taken = 0;
    let settled = false;
    const inflate = gzip ? createGunzip() : undefined;
    // Zeroing `taken` makes every later call a no-op: the bytes go back exactly once.
    const release = (): void => {
      budget?.release(taken);
      taken = 0;
    };
    const fail = (err: RequestBodyError): void => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      release();
      req.unpipe();
      inflate?.destroy();
      req.pause();
      reject(err);
    };
    const take = (chunk: Buffer): void => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) {
        fail(
          new RequestBodyError(
            413,
            `body is larger than ${maxBytes} bytes${gzip ? ' after decompression' : ''}`,
          ),
        );
        return;
      }
      if (budget !== undefined) {
        if (!budget.take(chunk.length)) {
          fail(
            new RequestBodyError(
              503,
              'the server is holding too many request bodies; retry later',
              BUDGET_RETRY_AFTER_SECONDS,
            ),
          );
          return;
        }
        taken += chunk.length;
      }
      chunks.push(chunk);
    };
    const done = (): void => {
      if (settled) return;
      settled = true;
      resolve({ data: Buffer.concat(chunks, size), wireBytes, release });
    };
    req.on('data', (chunk: Buffer) => {
      wireBytes += chunk.length;
    });
    req.on('aborted', () => fail(new RequestBodyError(400, 'the request was aborted')));
    req.on('error', () => fail(new RequestBodyError(400, 'the request was aborted')));
    // A timed-out or reset connection may close without either event above: its bytes must still go back.
    req.on('close', () => {
      if (!req.complete) fail(new RequestBodyError(400, 'the request was aborted'));
    });
    if (inflate === undefined) {
      req.on('data', take);
      req.on('end', done);
    } else {
      inflate.on('data', take);
      inflate.on('end', done);
      inflate.on('error', () => fail(new RequestBodyError(400, 'body is not valid gzip')));
      req.pipe(inflate);
    }
  });
}
