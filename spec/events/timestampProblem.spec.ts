import { describe, expect, it } from 'vitest';
import { timestampProblem } from '../../src/events/timestampProblem.js';

// What Go's time.Parse(time.RFC3339Nano, s) — the apiserver's metav1.Time/MicroTime decoding — says of each.
describe('timestampProblem (Go time.Parse with RFC3339Nano)', () => {
  it.each([
    '2024-07-02T17:02:26.406288Z',
    '2017-09-11T19:55:05Z',
    '2024-07-02T17:02:26.406288123-07:00',
    '2024-02-29T00:00:00Z', // leap year
    '2000-02-29T23:59:59.999999999Z', // divisible by 400: leap
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '2024-07-02T17:02:26.1234567891234Z', // more than nine fraction digits: read, then truncated
    '2024-07-02T17:02:26,5Z', // Go reads a comma as the decimal separator
    '2024-07-02T7:02:26Z', // Go's "15" takes a one-digit hour (golang/go#37616)
    '2024-07-02T17:02:26+24:00', // Go's offset ranges are hour <= 24, minute <= 60
    '2024-07-02T17:02:26-05:60',
  ])('accepts %s', (value) => {
    expect(timestampProblem(value)).toBeUndefined();
  });

  it.each([
    ['2024-13-45T25:61:61Z', 'month out of range'],
    ['2024-00-10T00:00:00Z', 'month out of range'],
    ['2023-02-29T00:00:00Z', 'day out of range'],
    ['1900-02-29T00:00:00Z', 'day out of range'], // divisible by 100, not 400: common year
    ['2024-04-31T00:00:00Z', 'day out of range'],
    ['2024-01-00T00:00:00Z', 'day out of range'],
    ['2024-01-01T24:00:00Z', 'hour out of range'],
    ['2024-01-01T23:60:00Z', 'minute out of range'],
    ['2024-01-01T23:59:60Z', 'second out of range'], // no leap seconds
    ['2024-01-01T23:59:59+25:00', 'time zone offset hour out of range'],
    ['2024-01-01T23:59:59+01:61', 'time zone offset minute out of range'],
    ['2024-01-01T23:59:59+0100', 'time zone offset not ±hh:mm'],
    ['2024-01-01T23:59:59+1:00', 'time zone offset not ±hh:mm'],
    ['2024-01-01T23:59:59', 'no "Z" or ±hh:mm time zone'],
    ['2024-01-01T23:59:59.Z', 'no "Z" or ±hh:mm time zone'],
    ['2024-01-01T23:59:59z', 'no "Z" or ±hh:mm time zone'],
    ['2024-01-01T23:59:59ZZ', 'extra text after the time zone'],
    ['2024-01-01T23:59:59Z ', 'extra text after the time zone'],
    ['2024-01-01 23:59:59Z', 'no "T" between date and time'],
    ['2024-01-01t23:59:59Z', 'no "T" between date and time'],
    ['2024-1-01T00:00:00Z', 'not a YYYY-MM-DD date'],
    ['2024-01-1T00:00:00Z', 'not a YYYY-MM-DD date'],
    ['24-01-01T00:00:00Z', 'not a YYYY-MM-DD date'],
    ['+2024-01-01T00:00:00Z', 'not a YYYY-MM-DD date'],
    ['２０２４-01-01T00:00:00Z', 'not a YYYY-MM-DD date'],
    ['2024-01-01T00:0:00Z', 'not an hh:mm:ss time'],
    ['2024-01-01T00:00Z', 'not an hh:mm:ss time'],
    ['', 'not a YYYY-MM-DD date'],
    ['yesterday', 'not a YYYY-MM-DD date'],
  ])('refuses %s: %s', (value, reason) => {
    expect(timestampProblem(value)).toBe(reason);
  });
});
