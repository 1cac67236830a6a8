import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { sourceIPs } from '../../src/express/sourceIPs.js';

function req(headers: Record<string, string>, remoteAddress?: string): IncomingMessage {
  return { headers, socket: { remoteAddress } } as unknown as IncomingMessage;
}

// The cases of the apiserver's utilnet.SourceIPs.
describe('sourceIPs', () => {
  it.each<[string, Record<string, string>, string | undefined, string[]]>([
    ['remote address only', {}, '1.2.3.4', ['1.2.3.4']],
    ['IPv4-mapped remote address', {}, '::ffff:10.0.0.1', ['10.0.0.1']],
    ['IPv6 remote address', {}, '::1', ['::1']],
    [
      'forwarded chain then remote',
      { 'x-forwarded-for': '1.1.1.1, 2.2.2.2' },
      '3.3.3.3',
      ['1.1.1.1', '2.2.2.2', '3.3.3.3'],
    ],
    [
      'remote already last in chain',
      { 'x-forwarded-for': '1.1.1.1, 3.3.3.3' },
      '3.3.3.3',
      ['1.1.1.1', '3.3.3.3'],
    ],
    [
      'real ip after the chain',
      { 'x-forwarded-for': '1.1.1.1', 'x-real-ip': '2.2.2.2' },
      '3.3.3.3',
      ['1.1.1.1', '2.2.2.2', '3.3.3.3'],
    ],
    [
      'real ip already in chain',
      { 'x-forwarded-for': '1.1.1.1, 2.2.2.2', 'x-real-ip': '1.1.1.1' },
      '3.3.3.3',
      ['1.1.1.1', '2.2.2.2', '3.3.3.3'],
    ],
    [
      'invalid entries skipped',
      { 'x-forwarded-for': 'unknown, 1.1.1.1,', 'x-real-ip': 'nope' },
      undefined,
      ['1.1.1.1'],
    ],
  ])('%s', (_name, headers, remote, expected) => {
    expect(sourceIPs(req(headers, remote))).toEqual(expected);
  });
});
