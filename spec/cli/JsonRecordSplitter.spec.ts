import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/cli/JsonRecordSplitter.js';
import { JsonRecordSplitter } from '../../src/cli/JsonRecordSplitter.js';
import { readLogRecords } from '../../src/cli/readLogRecords.js';
import { crc32 } from '../../src/spool/crc32.js';
import { corpusDir, OPENSHIFT } from './builtCli.js';

/** Splits `text` fed in chunks of `size` bytes (1 byte at a time by default: every boundary is crossed). */
function split(text: string | Buffer, size = 1, max = 1 << 20): LogRecord[] {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const splitter = new JsonRecordSplitter(max);
  const out: LogRecord[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(...splitter.push(bytes.subarray(i, i + size)));
  out.push(...splitter.end());
  return out;
}
const shapes = (records: LogRecord[]) =>
  records.map((r) =>
    r.error === undefined ? { line: r.lineNumber, value: r.value } : { line: r.lineNumber, error: r.error },
  );

describe('JsonRecordSplitter', () => {
  it('JSON lines: one record per non-blank line, numbered, with a BOM and \\r\\n; a bad line costs only itself', () => {
    const text = '\uFEFF{"a":1}\r\n\n{"verb": "get",}\n{"b":"x\\"}"}\nthis is not json\n{"c":[1,{"d":2}]}';
    for (const size of [1, 3, 1000]) {
      expect(shapes(split(text, size))).toEqual([
        { line: 1, value: { a: 1 } },
        { line: 3, error: 'not valid JSON at column 16' },
        { line: 4, value: { b: 'x"}' } },
        { line: 5, error: 'not valid JSON' },
        { line: 6, value: { c: [1, { d: 2 }] } },
      ]);
    }
  });

  it('an unterminated line does not swallow the lines after it', () => {
    expect(shapes(split('{"a":1}\n{"torn": "abc\n{"b":2}\n'))).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 2, error: expect.stringMatching(/^not valid JSON/) as string },
      { line: 3, value: { b: 2 } },
    ]);
  });

  it('a torn first line (inside a string, or after a value) is an invalid line of JSON lines, not a document', () => {
    const rest = '{"b":2}\n{"c":3}\n';
    for (const torn of ['{"kind":"Event","auditID":"ab', '{"kind":"Event","level":3', '{"a":{"b":true}']) {
      for (const size of [1, 7, 1000]) {
        expect(shapes(split(`${torn}\n${rest}`, size))).toEqual([
          { line: 1, error: expect.stringMatching(/^not valid JSON/) as string },
          { line: 2, value: { b: 2 } },
          { line: 3, value: { c: 3 } },
        ]);
      }
    }
    // A pretty-printed document's first line ends with `{`, `[`, `,` or `:` outside a string.
    for (const text of ['{\n"a": [1]\n}\n', '{"a": [\n1]}\n', '{"a": 1,\n"b": [1]}\n', '{"a":\n[1]}\n']) {
      expect(shapes(split(`${text}{"c":3}\n`))).toEqual([
        { line: 1, value: JSON.parse(text) as unknown },
        { line: text.split('\n').length, value: { c: 3 } },
      ]);
    }
  });

  it('an unfinished last record that is not valid JSON resumes at its own start: it may still be being written', () => {
    for (const [text, head, rest] of [
      ['{"a":1}\n{"b":2}\n{"c":"hal', '{"a":1}\n{"b":2}\n', 'f"}\n'],
      ['{\n"a":1\n}\n{\n"b":', '{\n"a":1\n}\n', ' 2\n}\n'],
    ] as const) {
      const records = split(text);
      const last = records[records.length - 1]!;
      expect(last.error).toBeDefined();
      expect(last.resume.offset).toBe(Buffer.byteLength(head));
      expect(last.resume.line).toBe(last.lineNumber);
      // Resumed there once the writer has finished the record, it is read whole.
      const finished = Buffer.from(text.slice(head.length) + rest);
      const resumed = new JsonRecordSplitter(1 << 20, last.resume);
      const again = [...resumed.push(finished), ...resumed.end()];
      expect(again).toHaveLength(1);
      expect(again[0]).toMatchObject({ lineNumber: last.lineNumber, value: {} });
    }
    // A whole last line without a newline is read, and resumes after it.
    const whole = split('{"a":1}\n{"b":2}');
    expect(whole[1]).toMatchObject({ value: { b: 2 }, resume: { offset: 15 } });
  });

  it('JSON documents: pretty-printed, concatenated, a top-level array of events — each value (or element) a record', () => {
    const text = '{\n  "a": {"b": "}"}\n}\n{\n "c": 2\n}{"d":3}\n';
    expect(shapes(split(text))).toEqual([
      { line: 1, value: { a: { b: '}' } } },
      { line: 4, value: { c: 2 } },
      { line: 6, value: { d: 3 } },
    ]);
    expect(shapes(split('[\n  {"a": 1},\n  {"b": [2, 3]}\n]\n'))).toEqual([
      { line: 2, value: { a: 1 } },
      { line: 3, value: { b: [2, 3] } },
    ]);
    expect(shapes(split('{\n "a": 1'))).toEqual([
      { line: 1, error: 'the input ends inside a JSON document' },
    ]);
  });

  it('reads the pretty-printed corpus files as documents and the JSON-lines ones as lines', () => {
    const list = split(
      readFileSync(path.join(corpusDir, 'kubernetes__website__audit.md.v1alpha1-eventlist.json')),
      4096,
    );
    expect(list).toHaveLength(1);
    expect((list[0]?.value as { kind: string; items: unknown[] }).items).toHaveLength(1);
    const single = split(
      readFileSync(path.join(corpusDir, 'openshift__cluster-logging-operator__raw_audit_openshift.json')),
      100,
    );
    expect(single).toHaveLength(1);
    expect((single[0]?.value as { kind: string }).kind).toBe('Event');
    const lines = split(readFileSync(OPENSHIFT), 65536);
    expect(lines).toHaveLength(100);
    expect(lines.every((r) => r.error === undefined)).toBe(true);
  });

  it('a record over the limit is one error record, its bytes skipped; the next one is read', () => {
    const long = `{"x":"${'a'.repeat(5000)}"}`;
    expect(shapes(split(`${long}\n{"b":2}\n`, 512, 1000))).toEqual([
      { line: 1, error: 'longer than --max-line-bytes 1000' },
      { line: 2, value: { b: 2 } },
    ]);
    expect(shapes(split(`{\n"x":"${'a'.repeat(5000)}"\n}\n{"b":2}`, 512, 1000))).toEqual([
      { line: 1, error: 'longer than --max-line-bytes 1000' },
      { line: 4, value: { b: 2 } },
    ]);
  });

  it('is linear: a 16 MiB line without a newline, in 64 KiB chunks, is split in well under a second', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    async function* source() {
      for (let i = 0; i < 256; i++) yield chunk;
    }
    const started = performance.now();
    const records: LogRecord[] = [];
    for await (const record of readLogRecords(source(), { maxRecordBytes: 32 * 1024 * 1024 }))
      records.push(record);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(records).toHaveLength(1);
    expect(records[0]?.error).toBe('not valid JSON');
  });

  it("a record's position checks the bytes just before it: the CRC-32 of up to 64 bytes the record ends with", () => {
    const long = `{"a":"${'x'.repeat(200)}"}`;
    for (const text of [
      `{"a":1}\r\n${long}\n{"c":3}`,
      '[\n {"a":1},\n {"b":2}\n]\n',
      `{\n"a":1\n}\n${long}`,
    ]) {
      const bytes = Buffer.from(text);
      const records = split(bytes);
      expect(records.length).toBeGreaterThan(1);
      for (const { resume } of records) {
        const check = resume.check!;
        expect(check.bytes).toBeGreaterThan(0);
        expect(check.bytes).toBeLessThanOrEqual(64);
        expect(check.crc32).toBe(crc32(bytes.subarray(resume.offset - check.bytes, resume.offset)));
      }
    }
  });

  it('the first JSON line ends after its newline, as every later one does: its checkpoint is line 2', () => {
    const splitter = new JsonRecordSplitter(1 << 20);
    const [first] = splitter.push(Buffer.from('{"a":1}\n'));
    expect(first).toMatchObject({ lineNumber: 1, end: 8, resume: { offset: 8, line: 2, mode: 'lines' } });
    const resumed = new JsonRecordSplitter(1 << 20, first!.resume);
    expect([...resumed.push(Buffer.from('{"b":2}\n')), ...resumed.end()]).toMatchObject([
      { lineNumber: 2, value: { b: 2 }, resume: { offset: 16, line: 3 } },
    ]);
  });

  it("records carry where to resume: a new splitter from a record's position reads exactly what follows", () => {
    for (const text of [
      '{"a":1}\n{"b":2}\n{"c":3}\n',
      '[\n {"a":1},\n {"b":2},\n {"c":3}\n]\n',
      '{\n"a":1\n}\n{\n"b":2\n}\n{"c":3}',
    ]) {
      const bytes = Buffer.from(text);
      const all = split(bytes);
      const first = all[0];
      expect(first).toBeDefined();
      const resumed = new JsonRecordSplitter(1 << 20, first!.resume);
      const rest = [...resumed.push(bytes.subarray(first!.end)), ...resumed.end()];
      expect(shapes(rest)).toEqual(shapes(all.slice(1)));
    }
  });
});
