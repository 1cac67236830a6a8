import { describe, expect, it } from 'vitest';
import { formatLegacyEvent, goQuote } from '../../src/backends/formatLegacyEvent.js';
import { event } from './recordingBackend.js';

describe('formatLegacyEvent', () => {
  it('writes placeholders for an event without user, impersonation, namespace, IP or response', () => {
    expect(
      formatLegacyEvent(event('a-1', { stage: 'RequestReceived', verb: 'get', requestURI: '/healthz' })),
    ).toBe(
      '0001-01-01T00:00:00Z AUDIT: id="a-1" stage="RequestReceived" ip="<unknown>" method="get" user="<none>" ' +
        'groups="<none>" as="<self>" asgroups="<lookup>" user-agent="" namespace="<none>" uri="/healthz" ' +
        'response="<deferred>"',
    );
  });

  it('writes user, quoted groups, first source IP, namespace and response code (upstream test 2)', () => {
    const line = formatLegacyEvent(
      event('a-2', {
        stage: 'RequestReceived',
        verb: 'get',
        requestURI: '/apis/rbac.authorization.k8s.io/v1/roles',
        requestReceivedTimestamp: '2017-09-11T19:55:05.123450Z',
        sourceIPs: ['127.0.0.1', '10.0.0.1'],
        user: { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
        userAgent: 'kube-admin',
        objectRef: { namespace: 'default' },
        responseStatus: { code: 200 },
      }),
    );
    expect(line).toBe(
      '2017-09-11T19:55:05.12345Z AUDIT: id="a-2" stage="RequestReceived" ip="127.0.0.1" method="get" ' +
        'user="admin" groups="\\"system:masters\\",\\"system:authenticated\\"" as="<self>" asgroups="<lookup>" ' +
        'user-agent="kube-admin" namespace="default" uri="/apis/rbac.authorization.k8s.io/v1/roles" response="200"',
    );
  });

  it('groups are <none> without a username, and when the user has no groups', () => {
    const field = (line: string, key: string) =>
      new RegExp(` ${key}=("(?:[^"\\\\]|\\\\.)*")`).exec(line)?.[1];
    const noName = formatLegacyEvent(event('x', { user: { groups: ['g'] } }));
    expect(field(noName, 'user')).toBe('"<none>"');
    expect(field(noName, 'groups')).toBe('"<none>"');
    const noGroups = formatLegacyEvent(event('x', { user: { username: 'alice', groups: [] } }));
    expect(field(noGroups, 'user')).toBe('"alice"');
    expect(field(noGroups, 'groups')).toBe('"<none>"');
  });

  it('writes the impersonated user and groups; <lookup> only when groups are absent', () => {
    const tail = (e: Parameters<typeof formatLegacyEvent>[0]) =>
      /as=.* user-agent/.exec(formatLegacyEvent(e))?.[0];
    expect(
      tail(event('x', { impersonatedUser: { username: 'bob', groups: ['system:authenticated', 'dev'] } })),
    ).toBe('as="bob" asgroups="\\"system:authenticated\\",\\"dev\\"" user-agent');
    expect(tail(event('x', { impersonatedUser: { username: 'bob' } }))).toBe(
      'as="bob" asgroups="<lookup>" user-agent',
    );
    expect(tail(event('x', { impersonatedUser: { username: 'bob', groups: [] } }))).toBe(
      'as="bob" asgroups="" user-agent',
    );
    expect(tail(event('x', { impersonatedUser: null }))).toBe('as="<self>" asgroups="<lookup>" user-agent');
  });

  it('writes a response status without a code as 0 and a null one as <deferred>', () => {
    expect(formatLegacyEvent(event('x', { responseStatus: { status: 'Failure', code: 403 } }))).toMatch(
      / response="403"$/,
    );
    expect(formatLegacyEvent(event('x', { responseStatus: {} }))).toMatch(/ response="0"$/);
    expect(formatLegacyEvent(event('x', { responseStatus: null }))).toMatch(/ response="<deferred>"$/);
  });

  it('writes namespace <none> for an objectRef without (or with an empty) namespace', () => {
    expect(formatLegacyEvent(event('x', { objectRef: { resource: 'nodes' } }))).toContain(
      ' namespace="<none>" ',
    );
    expect(formatLegacyEvent(event('x', { objectRef: { namespace: '' } }))).toContain(' namespace="<none>" ');
  });

  it('formats the timestamp as Go RFC3339Nano: trailing zeros trimmed, Z for a zero offset', () => {
    const ts = (t: string) => formatLegacyEvent(event('x', { requestReceivedTimestamp: t })).split(' ')[0];
    expect(ts('2019-03-21T13:03:43.716840Z')).toBe('2019-03-21T13:03:43.71684Z');
    expect(ts('2019-03-21T13:03:43.000000Z')).toBe('2019-03-21T13:03:43Z');
    expect(ts('2019-03-21T13:03:43Z')).toBe('2019-03-21T13:03:43Z');
    expect(ts('2019-03-21T13:03:43.5+00:00')).toBe('2019-03-21T13:03:43.5Z');
    expect(ts('2019-03-21T13:03:43.250+02:00')).toBe('2019-03-21T13:03:43.25+02:00');
  });

  it('quotes like Go %q: quotes, backslashes, control characters and non-printable runes escaped', () => {
    expect(goQuote('say "hi" \\ now')).toBe('"say \\"hi\\" \\\\ now"');
    expect(goQuote('a\tb\nc\rd\x07\b\f\v')).toBe('"a\\tb\\nc\\rd\\a\\b\\f\\v"');
    expect(goQuote('\x00\x1b\x7f')).toBe('"\\x00\\x1b\\x7f"');
    expect(goQuote('héllo 世界 🚀')).toBe('"héllo 世界 🚀"');
    expect(goQuote('\u00a0\u200b\u2028')).toBe('"\\u00a0\\u200b\\u2028"');
    expect(goQuote('\u{e0001}')).toBe('"\\U000e0001"');
    const line = formatLegacyEvent(event('x', { userAgent: 'curl/8 "evil"\nAUDIT: id="forged"' }));
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain(' user-agent="curl/8 \\"evil\\"\\nAUDIT: id=\\"forged\\"" ');
  });
});
