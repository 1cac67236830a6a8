import { describe, expect, it } from 'vitest';
import { decodePolicy } from '../../src/policy/decodePolicy.js';
import { PolicyError, isPolicyError } from '../../src/policy/PolicyError.js';

function problemsOf(input: unknown): readonly string[] {
  try {
    decodePolicy(input);
  } catch (error) {
    if (isPolicyError(error)) return error.problems;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

describe('decodePolicy', () => {
  it('decodes a full audit.k8s.io/v1 policy and keeps every field', () => {
    const input = {
      apiVersion: 'audit.k8s.io/v1',
      kind: 'Policy',
      omitStages: ['RequestReceived'],
      omitManagedFields: true,
      rules: [
        {
          level: 'RequestResponse',
          users: ['tim'],
          userGroups: ['humans'],
          verbs: ['get'],
          resources: [
            { group: 'apps', resources: ['deployments', 'deployments/scale'], resourceNames: ['web'] },
          ],
          namespaces: ['default'],
          omitStages: ['Panic'],
          omitManagedFields: false,
        },
        { level: 'None', nonResourceURLs: ['/healthz*', '*'] },
      ],
    };
    expect(decodePolicy(input)).toEqual(input);
  });

  it('accepts audit.k8s.io/v1beta1 and a policy without kind/apiVersion', () => {
    expect(decodePolicy({ apiVersion: 'audit.k8s.io/v1beta1', kind: 'Policy', rules: [] }).rules).toEqual([]);
    expect(decodePolicy({ rules: [{ level: 'Metadata' }] }).rules).toEqual([{ level: 'Metadata' }]);
  });

  it('reads null lists (empty YAML keys) as empty, as the apiserver does', () => {
    expect(
      decodePolicy({ rules: [{ level: 'Metadata', users: null, resources: [{ resources: null }] }] }),
    ).toEqual({
      rules: [{ level: 'Metadata', users: [], resources: [{ resources: [] }] }],
    });
  });

  it('names the rule index and field of a bad level', () => {
    const rules = [{ level: 'None' }, { level: 'Metadata' }, { level: 'Everything' }];
    expect(() => decodePolicy({ rules })).toThrow(
      'invalid audit policy: rules.2.level: expected one of None|Metadata|Request|RequestResponse, got "Everything"',
    );
  });

  it('throws a PolicyError (class, guard and name)', () => {
    let caught: unknown;
    try {
      decodePolicy({ rules: [{}] }, 'policy.yaml');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PolicyError);
    expect(isPolicyError(caught)).toBe(true);
    expect((caught as PolicyError).name).toBe('PolicyError');
    expect((caught as PolicyError).source).toBe('policy.yaml');
    expect((caught as Error).message).toBe(
      'invalid audit policy policy.yaml: rules.0.level: expected one of None|Metadata|Request|RequestResponse, got nothing',
    );
    expect(isPolicyError(new Error('x'))).toBe(false);
    expect(isPolicyError(Object.assign(new Error('x'), { name: 'PolicyError' }))).toBe(true);
  });

  it('lists every offending path at once', () => {
    expect(
      problemsOf({
        kind: 'AuditPolicy',
        apiVersion: 'audit.k8s.io/v2',
        omitStages: ['RequestReceived', 'Done'],
        rules: [
          { level: 'Metadata', verbs: 'get' },
          { level: 'Request', users: ['a', 7], omitManagedFields: 'yes' },
          { level: 'Request', resources: [{ group: 3 }], omitStages: ['Finished'] },
        ],
      }),
    ).toEqual([
      'rules.0.verbs: expected an array, got "get"',
      'rules.1.users.1: expected a string, got 7',
      'rules.1.omitManagedFields: expected a boolean, got "yes"',
      'rules.2.resources.0.group: expected a string, got 3',
      'rules.2.omitStages.0: expected one of RequestReceived|ResponseStarted|ResponseComplete|Panic, got "Finished"',
      'kind: expected "Policy", got "AuditPolicy"',
      'apiVersion: expected one of audit.k8s.io/v1|audit.k8s.io/v1beta1, got "audit.k8s.io/v2"',
      'omitStages.1: expected one of RequestReceived|ResponseStarted|ResponseComplete|Panic, got "Done"',
    ]);
  });

  it('rejects documents that are not policies', () => {
    expect(problemsOf('rules: []')).toEqual(['(root): expected an object, got "rules: []"']);
    expect(problemsOf(null)).toEqual(['(root): expected an object, got null']);
    expect(problemsOf({})).toEqual(['rules: expected an array, got nothing']);
    expect(problemsOf({ rules: [3] })).toEqual(['rules.0: expected an object, got 3']);
  });

  it("applies the apiserver's validation", () => {
    expect(
      problemsOf({
        rules: [
          { level: 'None', nonResourceURLs: ['healthz', '/a*b', '*', '/ok*'] },
          { level: 'Metadata', resources: [{ group: 'rbac.authorization.k8s.io/v1', resources: ['roles'] }] },
          { level: 'Metadata', resources: [{ group: 'apps', resourceNames: ['web'] }] },
          { level: 'Metadata', nonResourceURLs: ['/metrics'], namespaces: ['default'] },
        ],
      }),
    ).toEqual([
      `rules.0.nonResourceURLs.0: must begin with a '/' character, got "healthz"`,
      `rules.0.nonResourceURLs.1: a '*' wildcard must be the final character, got "/a*b"`,
      'rules.1.resources.0.group: must be a lower-case DNS subdomain (no version), got "rbac.authorization.k8s.io/v1"',
      'rules.2.resources.0.resourceNames: using resourceNames requires at least one resource',
      'rules.3.nonResourceURLs: a rule cannot apply to both resources and non-resource URLs',
    ]);
  });

  it('shortens long values in messages', () => {
    const [problem] = problemsOf({ rules: [{ level: 'x'.repeat(500) }] });
    expect(problem).toMatch(/^rules\.0\.level: expected one of .*, got "x{57}\.\.\."$/);
  });
});
