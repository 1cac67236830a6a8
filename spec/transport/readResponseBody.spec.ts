import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_RESPONSE_BYTES, readResponseBody } from '../../src/transport/readResponseBody.js';

describe('readResponseBody', () => {
  it('reads a short body to its end, keeping the first bytes asked for', async () => {
    const read = await readResponseBody(Readable.from([Buffer.from('hello '), Buffer.from('world')]), 8);
    expect(read).toEqual({ head: Buffer.from('hello wo'), bytes: 11, complete: true });
  });

  it('stops at max bytes and destroys the stream (the rest is never read)', async () => {
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled++;
        this.push(Buffer.alloc(64 * 1024));
      },
    });
    const read = await readResponseBody(endless, 0);
    expect(read.complete).toBe(false);
    expect(read.bytes).toBeGreaterThanOrEqual(MAX_RESPONSE_BYTES);
    expect(read.bytes).toBeLessThan(MAX_RESPONSE_BYTES + 64 * 1024);
    expect(endless.destroyed).toBe(true);
    expect(pulled).toBeLessThan(40);
  });

  it('resolves (never rejects) when the stream fails', async () => {
    const stream = new PassThrough();
    const result = readResponseBody(stream, 4);
    stream.write('ab');
    stream.destroy(new Error('ECONNRESET'));
    await expect(result).resolves.toEqual({ head: Buffer.from('ab'), bytes: 2, complete: false });
  });
});
