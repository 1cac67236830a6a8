import { describe, expect, it } from 'vitest';
import { compactSnapshots } from '../../src/internal/createDeliveryEngine.js';
import type { EngineItem } from '../../src/internal/createDeliveryEngine.js';

// The engine itself is covered through the backends (spec/backends); this is its batch-cut helper.
describe('compactSnapshots', () => {
  it('keeps every item, its epoch and the exact text of its snapshot', () => {
    const texts = [
      '{"a":1}',
      '{"b":"ünïcödé ✓ 𝄞"}',
      '',
      '{"c":[1,2,3]}',
      JSON.stringify({ long: 'x'.repeat(5000) }),
    ];
    const items: EngineItem[] = texts.map((json, i) => ({ json, epoch: i % 2 }));
    const same = [...items];
    compactSnapshots(items);
    expect(items).toHaveLength(texts.length);
    items.forEach((item, i) => {
      expect(item).toBe(same[i]);
      expect(item.json).toBe(texts[i]);
      expect(item.epoch).toBe(i % 2);
    });
  });

  it('leaves batches of zero and one item alone', () => {
    const empty: EngineItem[] = [];
    compactSnapshots(empty);
    expect(empty).toEqual([]);
    const one = [{ json: '{"a":1}', epoch: 3 }];
    compactSnapshots(one);
    expect(one).toEqual([{ json: '{"a":1}', epoch: 3 }]);
  });
});
