// The buffer room holds bytes by each item's bound (3 bytes per code unit) and measures only to decide near
// maxBufferBytes: it then admits exactly what exact bytes admit, and frees exactly what it charged.
import { describe, expect, it } from 'vitest';
import { BufferRoom } from '../../src/engine/BufferRoom.js';
import { engineItem } from '../../src/engine/EngineBatch.js';
import type { EngineItem } from '../../src/engine/EngineBatch.js';

const json = (n: number, char = 'a') => JSON.stringify(char.repeat(n));
const unmeasured = (text: string) => engineItem(text, undefined);

describe('BufferRoom byte bound', () => {
  it('admits by exact bytes what the bounds alone would refuse, measuring only then', () => {
    const placed: EngineItem[] = [];
    const texts = [json(100), json(100), json(30, 'é'), json(100)];
    const exact = texts.reduce((sum, t) => sum + Buffer.byteLength(t), 0);
    const room = new BufferRoom({ bufferSize: 100, maxBufferBytes: exact }, (item) => placed.push(item));
    const items = texts.map(unmeasured);
    expect(room.placeNow([items[0] as EngineItem])).toEqual({ placed: 1 });
    // One item is far from the limit by its bound: nothing measured, its bound held.
    expect(items[0]?.bytes).toBeUndefined();
    expect(room.heldBytes).toBe(3 * (texts[0] as string).length);
    expect(room.placeNow(items.slice(1))).toEqual({ placed: 3 });
    expect(placed).toEqual(items);
    expect(room.heldBytes).toBe(exact);
    // Full to the byte: one more byte does not fit, even measured.
    expect(room.placeNow([unmeasured('1')])).toEqual({ placed: 0 });
    room.free(items.slice(0, 2));
    expect(room.held).toBe(2);
    expect(room.heldBytes).toBe(exact - 2 * Buffer.byteLength(json(100)));
    room.free(items.slice(2));
    expect([room.held, room.heldBytes]).toEqual([0, 0]);
  });

  it('frees what it charged, measured or not, over a long run', () => {
    const room = new BufferRoom({ bufferSize: 50, maxBufferBytes: 40 * 104 }, () => undefined);
    const held: EngineItem[] = [];
    let placedAll = 0;
    for (let i = 0; i < 5000; i++) {
      const item = unmeasured(json(100 + (i % 3), i % 7 === 0 ? 'é' : 'a'));
      const { placed } = room.placeNow([item]);
      placedAll += placed;
      if (placed === 1) held.push(item);
      if (held.length > 20 || placed === 0) room.free(held.splice(0, 1 + (i % 5)));
      const exactHeld = held.reduce((sum, it) => sum + Buffer.byteLength(it.json), 0);
      expect(room.heldBytes).toBeGreaterThanOrEqual(exactHeld); // charged by bound or exactly, never less
      expect(room.heldBytes).toBeLessThanOrEqual(40 * 104);
    }
    room.free(held.splice(0));
    expect([room.held, room.heldBytes]).toEqual([0, 0]);
    expect(placedAll).toBeGreaterThan(4000);
  });

  it('holds nothing by bytes without a byte bound', () => {
    const room = new BufferRoom({ bufferSize: 2, maxBufferBytes: Infinity }, () => undefined);
    const items = [unmeasured(json(10)), unmeasured(json(10)), unmeasured(json(10))];
    expect(room.placeNow(items)).toEqual({ placed: 2 });
    expect([room.held, room.heldBytes, items[0]?.bytes]).toEqual([2, 0, undefined]);
  });
});
