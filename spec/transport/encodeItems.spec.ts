import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/events/Event.js';
import { GROUP_VERSIONS } from '../../src/events/GroupVersion.js';
import { decodeEventList } from '../../src/events/decodeEventList.js';
import { encodeEventList } from '../../src/events/encodeEventList.js';
import {
  encodeItemsBody,
  itemSerializer,
  joinItems,
  lazyBatch,
  restoreItems,
} from '../../src/transport/encodeItems.js';
import { ENCODED_BODY } from '../../src/transport/httpSender.js';
import { corpusEvents } from '../helpers/corpus.js';
import { auditEvent } from '../helpers/fixtures.js';

// The snapshot taken at processEvents is the encoding: the body built from pre-serialized items must be
// byte for byte what JSON.stringify(encodeEventList(events, gv)) gives, for every group version.
describe('encodeItems', () => {
  const events = corpusEvents();

  it('has real events to work on', () => {
    expect(events.length).toBeGreaterThan(800);
  });

  for (const gv of GROUP_VERSIONS) {
    it(`builds the same EventList body as encodeEventList for ${gv}`, () => {
      const serialize = itemSerializer(gv);
      const items = events.map((event) => ({ json: serialize(event) }));
      expect(joinItems(items, gv)).toBe(JSON.stringify(encodeEventList(events, gv)));
      expect(joinItems([], gv)).toBe(JSON.stringify(encodeEventList([], gv)));
    });

    it(`encodes the ${gv} body item by item to the same UTF-8 bytes as the body string`, () => {
      const serialize = itemSerializer(gv);
      const items = events.map((event) => ({ json: serialize(event) }));
      // Non-ASCII text (two- and three-byte UTF-8, a surrogate pair) must be encoded like the joined string.
      items.push({ json: serialize(auditEvent('ünïcödé ✓ 𝄞')) });
      for (const list of [items, items.slice(0, 1), []]) {
        expect(encodeItemsBody(list, gv).equals(Buffer.from(joinItems(list, gv)))).toBe(true);
      }
    });

    it(`restores the v1 events from ${gv} snapshots`, () => {
      const serialize = itemSerializer(gv);
      const items = events.slice(0, 200).map((event) => ({ json: serialize(event) }));
      expect(restoreItems(items, gv)).toEqual(decodeEventList(JSON.parse(joinItems(items, gv))));
    });
  }

  it('drops a kind/apiVersion envelope from v1 items, like encodeEventList', () => {
    const event = { kind: 'Event', apiVersion: 'audit.k8s.io/v1', ...auditEvent('a') } as AuditEvent;
    expect(JSON.parse(itemSerializer('audit.k8s.io/v1')(event))).toEqual(auditEvent('a'));
  });

  it('gives the bytes of encodeEventList for an envelope key set to undefined, null or inherited', () => {
    const serialize = itemSerializer('audit.k8s.io/v1');
    const inherited = Object.assign(Object.create({ kind: 'Event' }) as object, auditEvent('p'));
    const events = [
      { kind: undefined, apiVersion: undefined, ...auditEvent('u') },
      { ...auditEvent('n'), kind: null },
      { apiVersion: 'audit.k8s.io/v1', ...auditEvent('v') },
      inherited,
    ] as unknown as AuditEvent[];
    for (const event of events) {
      expect(`[${serialize(event)}]`).toBe(JSON.stringify(encodeEventList([event]).items));
    }
    expect(serialize(events[1] as AuditEvent)).not.toContain('"kind"');
  });

  it('throws for something that is not an event object', () => {
    const serialize = itemSerializer('audit.k8s.io/v1');
    expect(() => serialize(null as never)).toThrow('an audit event must be an object');
    expect(() => serialize([] as never)).toThrow('an audit event must be an object');
    const circular = { ...auditEvent('x') } as Record<string, unknown>;
    circular['me'] = circular;
    expect(() => serialize(circular as never)).toThrow(/circular/);
  });

  it('computes a lazy batch body and events once', () => {
    const items = [{ json: itemSerializer('audit.k8s.io/v1')(auditEvent('a')) }];
    const batch = lazyBatch(items, 'audit.k8s.io/v1');
    expect(batch.body).toBe(JSON.stringify(encodeEventList([auditEvent('a')])));
    expect(batch.body).toBe(batch.body);
    expect(batch.events).toBe(batch.events);
    expect(batch.events).toEqual([auditEvent('a')]);
    const bytes = (batch as unknown as Record<typeof ENCODED_BODY, () => Buffer>)[ENCODED_BODY]();
    expect(bytes.toString()).toBe(batch.body);
    expect((batch as unknown as Record<typeof ENCODED_BODY, () => Buffer>)[ENCODED_BODY]()).toBe(bytes);
  });
});
