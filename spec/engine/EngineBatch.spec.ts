import { describe, expect, it } from 'vitest';
import { EngineBatch, compactSnapshots } from '../../src/engine/EngineBatch.js';
import type { EngineItem } from '../../src/engine/EngineBatch.js';

// The engine itself is covered through the backends (spec/backends); these are its batch value and helper.
describe('compactSnapshots', () => {
  it('keeps every item, its bytes and the exact text of its snapshot', () => {
    const texts = [
      '{"a":1}',
      '{"b":"ünïcödé ✓ 𝄞"}',
      '',
      '{"c":[1,2,3]}',
      JSON.stringify({ long: 'x'.repeat(5000) }),
    ];
    const items: EngineItem[] = texts.map((json) => ({ json, bytes: Buffer.byteLength(json) }));
    const same = [...items];
    compactSnapshots(items);
    expect(items).toHaveLength(texts.length);
    items.forEach((item, i) => {
      expect(item).toBe(same[i]);
      expect(item.json).toBe(texts[i]);
      expect(item.bytes).toBe(Buffer.byteLength(texts[i] as string));
    });
  });

  it('leaves batches of zero and one item alone', () => {
    const empty: EngineItem[] = [];
    compactSnapshots(empty);
    expect(empty).toEqual([]);
    const one = [{ json: '{"a":1}', bytes: 7 }];
    compactSnapshots(one);
    expect(one).toEqual([{ json: '{"a":1}', bytes: 7 }]);
  });
});

describe('EngineBatch', () => {
  it("sums its items' bytes and, when it ends, tells its caller and resolves a flush once all its batches ended", () => {
    const ended: boolean[] = [];
    const a = new EngineBatch(
      [
        { json: '{}', bytes: 2 },
        { json: '"é"', bytes: 4 },
      ],
      (ok) => ended.push(ok),
    );
    const b = new EngineBatch([{ json: '1', bytes: 1 }], undefined);
    expect(a.bytes).toBe(6);
    let flushed = 0;
    const waiter = { left: 0, resolve: () => flushed++ };
    a.waitFor(waiter);
    b.waitFor(waiter);
    expect(waiter.left).toBe(2);
    a.end(true);
    expect([ended, flushed]).toEqual([[true], 0]);
    b.end(false);
    expect(flushed).toBe(1);
    b.end(false); // a second end does not resolve the flush again
    expect(flushed).toBe(1);
  });
});
