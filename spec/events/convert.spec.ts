import { describe, expect, it } from 'vitest';
import { toMicroTime, toSecondsTime } from '../../src/events/convert.js';

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
