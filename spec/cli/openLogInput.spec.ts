import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { isCliUsageError } from '../../src/cli/CliUsageError.js';
import { openLogInput } from '../../src/cli/openLogInput.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rx-audit-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function text(stream: AsyncIterable<Buffer | string | object>): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += Buffer.isBuffer(chunk) ? chunk.toString() : JSON.stringify(chunk);
  return out;
}

const LOG = '{"a":1}\n{"b":2}\n'.repeat(2000);

describe('openLogInput', () => {
  it('reads a plain file and knows its size', async () => {
    const file = path.join(dir, 'plain.log');
    writeFileSync(file, LOG);
    const input = await openLogInput(file);
    expect(input.size).toBe(Buffer.byteLength(LOG));
    expect(await text(input.chunks)).toBe(LOG);
    expect(input.gzipped()).toBe(false);
    expect(input.bytesRead()).toBe(Buffer.byteLength(LOG));
  });

  it('gunzips a file that starts with the gzip magic bytes, whatever its name', async () => {
    const file = path.join(dir, 'compressed.log');
    const gz = gzipSync(LOG);
    writeFileSync(file, gz);
    const input = await openLogInput(file);
    expect(await text(input.chunks)).toBe(LOG);
    expect(input.gzipped()).toBe(true);
    expect(input.size).toBe(gz.length);
    expect(input.bytesRead()).toBe(gz.length);
  });

  it('reads "-" from the given stdin, gzip detected even when it arrives one byte at a time', async () => {
    const stdin = new PassThrough();
    const gz = gzipSync('{"x":1}\n');
    const opened = openLogInput('-', stdin);
    for (const byte of gz) stdin.write(Buffer.from([byte]));
    stdin.end();
    const input = await opened;
    expect(input.size).toBeUndefined();
    expect(await text(input.chunks)).toBe('{"x":1}\n');
    expect(input.gzipped()).toBe(true);
  });

  it('handles an empty input', async () => {
    const stdin = new PassThrough();
    stdin.end();
    const input = await openLogInput('-', stdin);
    expect(await text(input.chunks)).toBe('');
  });

  it('a missing file or a folder is a usage error naming the path', async () => {
    const missing = path.join(dir, 'nope.log');
    const err: unknown = await openLogInput(missing).catch((e: unknown) => e);
    expect(isCliUsageError(err)).toBe(true);
    expect((err as Error).message).toBe(`no such file: ${missing}`);
    const folder: unknown = await openLogInput(dir).catch((e: unknown) => e);
    expect((folder as Error).message).toBe(`not a file: ${dir}`);
  });

  it('rotated: the rest of the rotated file from its offset, a rotation marker, then the file under the name from its start', async () => {
    const rotated = path.join(dir, 'rotated.log.1');
    const file = path.join(dir, 'rotated.log');
    writeFileSync(rotated, '{"old":1}\n{"old":2}\n');
    writeFileSync(file, '{"new":1}\n');
    const old = statSync(rotated);
    const now = statSync(file);
    const input = await openLogInput(file, undefined, {
      rotated: { path: rotated, startOffset: 10, inode: old.ino },
    });
    expect(input.size).toBe(20 + 10);
    expect(input.inode()).toBe(old.ino);
    const seen: string[] = [];
    for await (const chunk of input.chunks) {
      seen.push(`${Buffer.isBuffer(chunk) ? chunk.toString() : JSON.stringify(chunk)}@${input.inode()}`);
    }
    expect(seen).toEqual([
      `{"old":2}\n@${old.ino}`,
      `{"rotated":"renamed"}@${now.ino}`,
      `{"new":1}\n@${now.ino}`,
    ]);
    expect(input.device()).toBe(now.dev);
    expect(input.bytesRead()).toBe(30);
  });

  it('rotated: a file that no longer has the inode (rotated once more) is an error, not read', async () => {
    const rotated = path.join(dir, 'again.log.1');
    const file = path.join(dir, 'again.log');
    writeFileSync(rotated, '{"old":1}\n');
    writeFileSync(file, '{"new":1}\n');
    const input = await openLogInput(file, undefined, {
      rotated: { path: rotated, startOffset: 0, inode: statSync(file).ino },
    });
    await expect(text(input.chunks)).rejects.toThrow(
      `${rotated} was rotated again as ship started: run ship again`,
    );
  });
});
