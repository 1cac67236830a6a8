import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readJsonLines } from '../../src/cli/readJsonLines.js';
import type { JsonLine } from '../../src/cli/readJsonLines.js';

async function collect(chunks: (string | Buffer)[]): Promise<JsonLine[]> {
  const out: JsonLine[] = [];
  for await (const line of readJsonLines(Readable.from(chunks, { objectMode: true }))) out.push(line);
  return out;
}

describe('readJsonLines', () => {
  it('parses one value per line, numbered from 1, skipping blank lines but counting them', async () => {
    expect(await collect(['{"a":1}\n\n  \n{"b":2}\n'])).toEqual([
      { lineNumber: 1, value: { a: 1 } },
      { lineNumber: 4, value: { b: 2 } },
    ]);
  });

  it('joins lines split across chunks, including a multi-byte character split in the middle', async () => {
    const text = Buffer.from('{"name":"Grüße"}\n{"x":2}', 'utf8');
    const cut = text.indexOf(0xc3) + 1; // inside the two-byte "ü"
    expect(
      await collect([text.subarray(0, cut), text.subarray(cut, cut + 3), text.subarray(cut + 3)]),
    ).toEqual([
      { lineNumber: 1, value: { name: 'Grüße' } },
      { lineNumber: 2, value: { x: 2 } },
    ]);
  });

  it('accepts a UTF-8 BOM, CRLF line ends and a last line without a newline', async () => {
    expect(await collect(['\uFEFF{"a":1}\r\n{"b":2}'])).toEqual([
      { lineNumber: 1, value: { a: 1 } },
      { lineNumber: 2, value: { b: 2 } },
    ]);
  });

  it('reports a line that is not JSON with its number and column, never its content', async () => {
    const lines = await collect(['{"a":1}\n{"secret": "hunter2",\n[1,2]\n']);
    expect(lines[0]).toEqual({ lineNumber: 1, value: { a: 1 } });
    expect(lines[1]?.lineNumber).toBe(2);
    expect(lines[1]?.error).toMatch(/^not valid JSON/);
    expect(lines[1]?.error).not.toContain('hunter2');
    expect(lines[2]).toEqual({ lineNumber: 3, value: [1, 2] });
  });

  it('pulls lazily: a consumer that stops early leaves the rest of the source unread', async () => {
    let pulled = 0;
    const source = (async function* () {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield `{"i":${i}}\n`;
      }
    })();
    for await (const line of readJsonLines(source)) {
      if (line.lineNumber === 3) break;
    }
    expect(pulled).toBe(3);
  });
});
