import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_CONFIG_FILE_BYTES, readBoundedFile } from '../../src/util/readBoundedFile.js';

const dir = mkdtempSync(join(tmpdir(), 'rx-audit-bounded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readBoundedFile', () => {
  it('reads a file up to the limit, exactly', () => {
    const file = join(dir, 'ok');
    writeFileSync(file, 'x'.repeat(100));
    expect(readBoundedFile(file, 100).toString()).toBe('x'.repeat(100));
    expect(() => readBoundedFile(file, 99)).toThrow('file is larger than 99 bytes');
  });

  it('stops an endless file (/dev/zero) at the limit', () => {
    expect(() => readBoundedFile('/dev/zero')).toThrow(`file is larger than ${MAX_CONFIG_FILE_BYTES} bytes`);
  });

  it("passes the file system's errors on", () => {
    expect(() => readBoundedFile(join(dir, 'missing'))).toThrow(/ENOENT/);
    expect(() => readBoundedFile(dir)).toThrow(/EISDIR/);
  });
});
