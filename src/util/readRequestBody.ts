import type { IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';

/** Why a body was refused before it was decoded: the status to answer and a short, input-free reason. */
export class RequestBodyError extends Error {
  override name = 'RequestBodyError';
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

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
}

/**
 * Reads a request body of at most `maxBytes` bytes **after** decompression. `Content-Encoding: gzip` is inflated
 * as it arrives, and reading stops the moment the inflated size passes `maxBytes` — a gzip bomb costs at most
 * `maxBytes` of memory. No encoding (or `identity`) is read as is; any other encoding is refused (415) without
 * reading. A `Content-Length` over the limit is refused (413) without reading.
 *
 * @param req The request.
 * @param maxBytes The largest body accepted, decompressed.
 * @returns The body.
 * @throws RequestBodyError 413 (too large), 415 (unknown encoding) or 400 (not valid gzip, aborted).
 */
export async function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<RequestBody> {
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
    let settled = false;
    const inflate = gzip ? createGunzip() : undefined;
    const fail = (err: RequestBodyError): void => {
      if (settled) return;
      settled = true;
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
      chunks.push(chunk);
    };
    const done = (): void => {
      if (settled) return;
      settled = true;
      resolve({ data: Buffer.concat(chunks, size), wireBytes });
    };
    req.on('data', (chunk: Buffer) => {
      wireBytes += chunk.length;
    });
    req.on('aborted', () => fail(new RequestBodyError(400, 'the request was aborted')));
    req.on('error', () => fail(new RequestBodyError(400, 'the request was aborted')));
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
