import type { Readable } from 'node:stream';

/**
 * The most of a webhook's response body the HTTP sender reads: 1 MiB. A longer answer still counts by its
 * status; the rest is discarded (the connection is closed), so a hostile webhook cannot grow the client's
 * memory — whatever `maxInFlight` is.
 */
export const MAX_RESPONSE_BYTES = 1_048_576;

/** What {@link readResponseBody} read. */
export interface ResponseBody {
  /** The first `keep` bytes. */
  readonly head: Buffer;
  /** Bytes read in all (at most `max`, give or take the last chunk). */
  readonly bytes: number;
  /** Whether the body ended within `max` bytes; `false` when it was cut (or failed) and its stream destroyed. */
  readonly complete: boolean;
}

/**
 * Not public: reads a response body stream, keeping its first `keep` bytes and discarding the rest, and
 * destroys the stream once `max` bytes have come (closing the connection). Never rejects: a stream error
 * ends the read.
 *
 * @param stream The response body.
 * @param keep Bytes kept at most (for a message excerpt).
 * @param max Bytes read at most.
 * @default max {@link MAX_RESPONSE_BYTES}
 */
export function readResponseBody(
  stream: Readable,
  keep: number,
  max = MAX_RESPONSE_BYTES,
): Promise<ResponseBody> {
  return new Promise((resolve) => {
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let bytes = 0;
    let done = false;
    const finish = (complete: boolean) => {
      if (done) return;
      done = true;
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onClose);
      // Later errors of a destroyed stream must not become unhandled 'error' events.
      stream.on('error', () => {});
      if (!complete) stream.destroy();
      resolve({ head: Buffer.concat(kept), bytes, complete });
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      bytes += buffer.length;
      if (keptBytes < keep) {
        const part = buffer.subarray(0, keep - keptBytes);
        kept.push(Buffer.from(part));
        keptBytes += part.length;
      }
      if (bytes >= max) finish(false);
    };
    const onEnd = () => finish(true);
    const onClose = () => finish(false);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('close', onClose);
    stream.once('error', () => finish(false));
  });
}
