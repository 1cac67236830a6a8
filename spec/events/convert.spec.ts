import { describe, expect, it } from 'vitest';
import { fromV1, toMicroTime, toSecondsTime, toV1 } from '../../src/events/convert.js';
import type { AuditEvent } from '../../src/events/Event.js';

describe('timestamp conversion (metav1.Time ↔ metav1.MicroTime)', () => {
  it('toMicroTime pads or cuts the fraction to six digits and converts offsets to UTC', () => {
    expect(toMicroTime('2017-09-11T19:55:05Z')).toBe('2017-09-11T19:55:05.000000Z');
    expect(toMicroTime('2017-09-11T19:55:05.12Z')).toBe('2017-09-11T19:55:05.120000Z');
    expect(toMicroTime('2017-09-11T19:55:05.123456789Z')).toBe('2017-09-11T19:55:05.123456Z');
    expect(toMicroTime('2017-09-11T21:55:05.5+02:00')).toBe('2017-09-11T19:55:05.500000Z');
    expect(toMicroTime('2017-09-11T00:30:00-01:00')).toBe('2017-09-11T01:30:00.000000Z');
  });

  it('toSecondsTime drops the fraction, converts offsets to UTC and maps absent to null', () => {
    expect(toSecondsTime('2024-07-02T17:02:26.406288Z')).toBe('2024-07-02T17:02:26Z');
    expect(toSecondsTime('2024-07-02T19:02:26.9+02:00')).toBe('2024-07-02T17:02:26Z');
    expect(toSecondsTime(null)).toBeNull();
    expect(toSecondsTime(undefined)).toBeNull();
  });
});

describe('v1 ↔ legacy item conversion', () => {
  const wire = `{"level":"Metadata","auditID":"a","stage":"Panic","requestURI":"/","verb":"get",
    "stageTimestamp":"2024-07-02T17:02:26.406288Z","__proto__":{"polluted":true}}`;

  it('fromV1 writes metadata first, keeps an own "__proto__" key as data and never sets the prototype', () => {
    const event = JSON.parse(wire) as AuditEvent;
    for (const gv of ['audit.k8s.io/v1beta1', 'audit.k8s.io/v1alpha1'] as const) {
      const item = fromV1(event, gv);
      expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
      expect(Object.keys(item)[0]).toBe('metadata');
      expect(item['metadata']).toEqual({ creationTimestamp: '2024-07-02T17:02:26Z' });
      expect(Object.getOwnPropertyDescriptor(item, '__proto__')?.value).toEqual({ polluted: true });
      expect(item['timestamp']).toBeNull();
      const back = toV1(JSON.parse(JSON.stringify(item)) as Record<string, unknown>, gv);
      expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ polluted: true });
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    }
  });
});
