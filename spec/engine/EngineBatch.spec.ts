import { describe, expect, it } from 'vitest';
import {
  EngineBatch,
  compactSnapshots,
  engineItem,
  itemBound,
  itemBytes,
} from '../../src/engine/EngineBatch.js';
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
    const items: EngineItem[] = texts.map((json) => engineItem(json, Buffer.byteLength(json)));
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
    const one = [engineItem('{"a":1}', 7)];
    compactSnapshots(one);
    expect(one).toEqual([{ json: '{"a":1}', bytes: 7, charge: 0 }]);
  });
});

describe('item bytes', () => {
  it('bounds an unmeasured item by three bytes per code unit, never under its UTF-8 bytes', () => {
    for (const json of ['{}', '"é"', '"日本"', '"😀"', '"\u0000"', JSON.stringify({ s: '€'.repeat(100) })]) {
      const item = engineItem(json, undefined);
      expect(itemBound(item)).toBe(3 * json.length);
      expect(itemBound(item)).toBeGreaterThanOrEqual(Buffer.byteLength(json));
    }
  });

  it('measures once, and the bound is then the measure', () => {
    const item = engineItem('"日本"', undefined);
    expect(item.bytes).toBeUndefined();
    expect(itemBytes(item)).toBe(8);
    expect(item.bytes).toBe(8);
    expect(itemBound(item)).toBe(8);
    item.json = 'changed'; // a measure is kept, not taken again
    expect(itemBytes(item)).toBe(8);
  });

  it('keeps a key when given one', () => {
    expect(engineItem('1', 1, 'k')).toEqual({ json: '1', bytes: 1, charge: 0, key: 'k' });
    expect('key' in engineItem('1', 1)).toBe(false);
  });
});

describe('EngineBatch', () => {
  it('when it ends, tells its caller and resolves a flush once all its batches ended', () => {
    const ended: boolean[] = [];
    const a = new EngineBatch([engineItem('{}', 2), engineItem('"é"', 4)], (ok) => ended.push(ok));
    const b = new EngineBatch([engineItem('1', 1)], undefined);
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
