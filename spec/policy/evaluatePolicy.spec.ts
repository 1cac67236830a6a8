import { describe, expect, it } from 'vitest';
import type { Level, Stage } from '../../src/events/Event.js';
import type { Policy, PolicyRule } from '../../src/policy/Policy.js';
import { evaluatePolicy } from '../../src/policy/evaluatePolicy.js';
import type { PolicyAttributes } from '../../src/policy/evaluatePolicy.js';

// The request attributes and rules of the apiserver's policy checker test
// (staging/src/k8s.io/apiserver/pkg/audit/policy/checker_test.go), ported as scenarios.
const tim = { username: 'tim@k8s.io', groups: ['humans', 'developers'] };

const requests = {
  namespaced: {
    user: tim,
    verb: 'get',
    namespace: 'default',
    apiGroup: '',
    resource: 'pods',
    name: 'busybox',
    resourceRequest: true,
    path: '/api/v1/namespaces/default/pods/busybox',
  },
  cluster: {
    user: tim,
    verb: 'get',
    apiGroup: 'rbac.authorization.k8s.io',
    resource: 'clusterroles',
    name: 'edit',
    resourceRequest: true,
    path: '/apis/rbac.authorization.k8s.io/v1beta1/clusterroles/edit',
  },
  nonResource: { user: tim, verb: 'get', resourceRequest: false, path: '/logs/kubelet.log' },
  subresource: {
    user: tim,
    verb: 'get',
    namespace: 'default',
    apiGroup: '',
    resource: 'pods',
    subresource: 'log',
    name: 'busybox',
    resourceRequest: true,
    path: '/api/v1/namespaces/default/pods/busybox',
  },
  Unauthorized: {
    verb: 'get',
    namespace: 'default',
    apiGroup: '',
    resource: 'pods',
    name: 'busybox',
    resourceRequest: true,
    path: '/api/v1/namespaces/default/pods/busybox',
  },
} satisfies Record<string, PolicyAttributes>;
type RequestName = keyof typeof requests;

const rules = {
  default: { level: 'Metadata' },
  create: { level: 'Request', verbs: ['create'] },
  tims: { level: 'Metadata', users: ['tim@k8s.io'] },
  humans: { level: 'Metadata', userGroups: ['humans'] },
  serviceAccounts: { level: 'Request', userGroups: ['system:serviceaccounts'] },
  getPods: { level: 'RequestResponse', verbs: ['get'], resources: [{ resources: ['pods'] }] },
  getPodLogs: { level: 'Request', verbs: ['get'], resources: [{ resources: ['pods/log'] }] },
  getPodWildcardMatching: { level: 'Request', verbs: ['get'], resources: [{ resources: ['*'] }] },
  getPodResourceWildcardMatching: { level: 'Request', verbs: ['get'], resources: [{ resources: ['*/log'] }] },
  getPodSubResourceWildcardMatching: {
    level: 'Request',
    verbs: ['get'],
    resources: [{ resources: ['pods/*'] }],
  },
  getClusterRoles: {
    level: 'RequestResponse',
    verbs: ['get'],
    resources: [{ group: 'rbac.authorization.k8s.io', resources: ['clusterroles'] }],
    namespaces: [''],
  },
  getLogs: { level: 'RequestResponse', verbs: ['get'], nonResourceURLs: ['/logs*'] },
  getMetrics: { level: 'Request', verbs: ['get'], nonResourceURLs: ['/metrics'] },
  clusterRoleEdit: {
    level: 'Request',
    resources: [{ group: 'rbac.authorization.k8s.io', resources: ['clusterroles'], resourceNames: ['edit'] }],
  },
  'omit RequestReceived': { level: 'Request', omitStages: ['RequestReceived'] },
  'only audit panic': {
    level: 'Request',
    omitStages: ['RequestReceived', 'ResponseStarted', 'ResponseComplete'],
  },
} satisfies Record<string, PolicyRule>;
type RuleName = keyof typeof rules;

type Case = [request: RequestName, level: Level, ...ruleNames: RuleName[]];

// testAuditLevel in checker_test.go: the level for each request under each list of rules.
const levelCases: Case[] = [
  ['namespaced', 'Metadata', 'default'],
  ['namespaced', 'None', 'create'],
  ['namespaced', 'Metadata', 'tims'],
  ['namespaced', 'Metadata', 'humans'],
  ['namespaced', 'None', 'serviceAccounts'],
  ['namespaced', 'RequestResponse', 'getPods'],
  ['namespaced', 'None', 'getClusterRoles'],
  ['namespaced', 'None', 'getLogs'],
  ['namespaced', 'None', 'getMetrics'],
  ['namespaced', 'Metadata', 'getMetrics', 'serviceAccounts', 'default'],
  ['namespaced', 'RequestResponse', 'getMetrics', 'getPods', 'default'],
  ['namespaced', 'RequestResponse', 'getPodLogs', 'getPods'],

  ['cluster', 'Metadata', 'default'],
  ['cluster', 'None', 'create'],
  ['cluster', 'Metadata', 'tims'],
  ['cluster', 'Metadata', 'humans'],
  ['cluster', 'None', 'serviceAccounts'],
  ['cluster', 'None', 'getPods'],
  ['cluster', 'RequestResponse', 'getClusterRoles'],
  ['cluster', 'Request', 'clusterRoleEdit', 'getClusterRoles'],
  ['cluster', 'None', 'getLogs'],
  ['cluster', 'None', 'getMetrics'],
  ['cluster', 'Metadata', 'getMetrics', 'serviceAccounts', 'default'],
  ['cluster', 'RequestResponse', 'getMetrics', 'getClusterRoles', 'default'],
  ['cluster', 'None', 'getPodLogs', 'getPods'],

  ['nonResource', 'Metadata', 'default'],
  ['nonResource', 'None', 'create'],
  ['nonResource', 'Metadata', 'tims'],
  ['nonResource', 'Metadata', 'humans'],
  ['nonResource', 'None', 'serviceAccounts'],
  ['nonResource', 'None', 'getPods'],
  ['nonResource', 'None', 'getClusterRoles'],
  ['nonResource', 'RequestResponse', 'getLogs'],
  ['nonResource', 'None', 'getMetrics'],
  ['nonResource', 'Metadata', 'getMetrics', 'serviceAccounts', 'default'],
  ['nonResource', 'RequestResponse', 'getLogs', 'getClusterRoles', 'default'],
  ['nonResource', 'None', 'getPodLogs', 'getPods'],

  ['subresource', 'Request', 'getPodLogs', 'getPods'],
  ['subresource', 'Request', 'getPodWildcardMatching'],
  ['subresource', 'Request', 'getPodResourceWildcardMatching'],
  ['subresource', 'Request', 'getPodSubResourceWildcardMatching'],

  ['Unauthorized', 'None', 'tims'],
  ['Unauthorized', 'Metadata', 'tims', 'default'],
  ['Unauthorized', 'None', 'humans'],
  ['Unauthorized', 'Metadata', 'humans', 'default'],
];

function check(request: RequestName, ruleNames: RuleName[], policyStages?: Stage[]) {
  const policy: Policy = { rules: ruleNames.map((name) => rules[name]) };
  if (policyStages) policy.omitStages = policyStages;
  return evaluatePolicy(policy, requests[request]);
}

describe('evaluatePolicy (the apiserver policy-checker cases)', () => {
  describe.each([
    ['no policy-wide omitStages', [] as Stage[]],
    ['policy-wide omitStages', ['RequestReceived', 'ResponseStarted'] as Stage[]],
  ])('levels, with %s', (_label, policyStages) => {
    it.each(levelCases)('%s at %s under %s', (request, level, ...ruleNames) => {
      // None of these rules omits stages, so the result carries the policy's own.
      expect(check(request, ruleNames, policyStages)).toEqual({
        level,
        omitStages: policyStages,
        omitManagedFields: false,
      });
    });
  });

  it.each<[RequestName, RuleName[], Level, Stage[]]>([
    ['namespaced', ['omit RequestReceived', 'getPods', 'default'], 'Request', ['RequestReceived']],
    [
      'namespaced',
      ['only audit panic', 'getPods', 'default'],
      'Request',
      ['RequestReceived', 'ResponseStarted', 'ResponseComplete'],
    ],
    ['cluster', ['omit RequestReceived', 'getPods', 'default'], 'Request', ['RequestReceived']],
    ['nonResource', ['omit RequestReceived', 'getPods', 'default'], 'Request', ['RequestReceived']],
    [
      'nonResource',
      ['only audit panic', 'getPods', 'default'],
      'Request',
      ['RequestReceived', 'ResponseStarted', 'ResponseComplete'],
    ],
  ])('%s under %j takes the first rule and its omitStages', (request, ruleNames, level, omitStages) => {
    expect(check(request, ruleNames)).toMatchObject({ level, omitStages });
  });

  it.each<[RequestName, RuleName[], Level, Stage[]]>([
    [
      'namespaced',
      ['omit RequestReceived', 'getPods', 'default'],
      'Request',
      ['RequestReceived', 'ResponseStarted'],
    ],
    [
      'cluster',
      ['only audit panic', 'getPods', 'default'],
      'Request',
      ['RequestReceived', 'ResponseStarted', 'ResponseComplete'],
    ],
    [
      'nonResource',
      ['default', 'omit RequestReceived', 'getPods'],
      'Metadata',
      ['RequestReceived', 'ResponseStarted'],
    ],
  ])('%s under %j merges rule and policy omitStages', (request, ruleNames, level, omitStages) => {
    expect(check(request, ruleNames, ['RequestReceived', 'ResponseStarted'])).toMatchObject({
      level,
      omitStages,
    });
  });

  it('merges omitStages without duplicates, in stage order', () => {
    const policy: Policy = {
      omitStages: ['Panic', 'RequestReceived'],
      rules: [{ level: 'Metadata', omitStages: ['RequestReceived', 'ResponseStarted', 'RequestReceived'] }],
    };
    expect(evaluatePolicy(policy, requests.nonResource).omitStages).toEqual([
      'RequestReceived',
      'ResponseStarted',
      'Panic',
    ]);
  });

  it('returns None with the policy omitStages when no rule matches', () => {
    const policy: Policy = { omitStages: ['Panic'], rules: [{ level: 'Request', verbs: ['create'] }] };
    expect(evaluatePolicy(policy, requests.namespaced)).toEqual({
      level: 'None',
      omitStages: ['Panic'],
      omitManagedFields: false,
    });
  });

  describe('omitManagedFields (TestOmitManagedFields)', () => {
    const matching: PolicyRule = { level: 'RequestResponse', verbs: ['get'] };
    it.each<[string, boolean | undefined, boolean | undefined, boolean]>([
      ['policy default false, rule silent', false, undefined, false],
      ['policy default true, rule silent', true, undefined, true],
      ['policy default true, rule overrides to false', true, false, false],
      ['policy default false, rule overrides to true', false, true, true],
    ])('%s', (_name, policyValue, ruleValue, want) => {
      const rule: PolicyRule =
        ruleValue === undefined ? matching : { ...matching, omitManagedFields: ruleValue };
      const policy: Policy = { rules: [rule] };
      if (policyValue !== undefined) policy.omitManagedFields = policyValue;
      expect(evaluatePolicy(policy, { verb: 'get', path: '/' }).omitManagedFields).toBe(want);
    });
  });

  describe('matching details', () => {
    const level = (rule: PolicyRule, attributes: PolicyAttributes) =>
      evaluatePolicy({ rules: [rule] }, attributes).level;

    it('matches resourceNames only for the named objects', () => {
      const rule: PolicyRule = {
        level: 'Request',
        resources: [{ resources: ['pods'], resourceNames: ['busybox'] }],
      };
      expect(level(rule, requests.namespaced)).toBe('Request');
      expect(level(rule, { ...requests.namespaced, name: 'nginx' })).toBe('None');
      expect(level(rule, { ...requests.namespaced, name: '' })).toBe('None');
    });

    it('needs "resource/subresource" (or a wildcard) for a subresource request', () => {
      expect(level({ level: 'Request', resources: [{ resources: ['pods'] }] }, requests.subresource)).toBe(
        'None',
      );
      expect(
        level({ level: 'Request', resources: [{ resources: ['pods/exec'] }] }, requests.subresource),
      ).toBe('None');
      expect(level({ level: 'Request', resources: [{ resources: ['*/exec'] }] }, requests.subresource)).toBe(
        'None',
      );
      expect(level({ level: 'Request', resources: [{ resources: ['nodes/*'] }] }, requests.subresource)).toBe(
        'None',
      );
    });

    it('matches the API group exactly, "" being the core group', () => {
      const apps: PolicyRule = { level: 'Request', resources: [{ group: 'apps' }] };
      expect(level(apps, { ...requests.namespaced, apiGroup: 'apps', resource: 'deployments' })).toBe(
        'Request',
      );
      expect(level(apps, requests.namespaced)).toBe('None');
      expect(level({ level: 'Request', resources: [{ group: '' }] }, requests.namespaced)).toBe('Request');
      expect(level({ level: 'Request', resources: [{}] }, requests.cluster)).toBe('None');
    });

    it('matches namespaces, "" selecting cluster-scoped resources, never non-resource URLs', () => {
      const rule: PolicyRule = { level: 'Request', namespaces: ['default'] };
      expect(level(rule, requests.namespaced)).toBe('Request');
      expect(level(rule, { ...requests.namespaced, namespace: 'kube-system' })).toBe('None');
      expect(level(rule, requests.cluster)).toBe('None');
      expect(level({ level: 'Request', namespaces: [''] }, requests.cluster)).toBe('Request');
      expect(level(rule, requests.nonResource)).toBe('None');
    });

    it('matches nonResourceURLs exactly, by prefix with a trailing *, and "*" for all', () => {
      const at = (path: string, spec: string) =>
        level({ level: 'Request', nonResourceURLs: [spec] }, { verb: 'get', path });
      expect(at('/healthz', '/healthz')).toBe('Request');
      expect(at('/healthz/etcd', '/healthz')).toBe('None');
      expect(at('/healthz/etcd', '/healthz*')).toBe('Request');
      expect(at('/healthz', '/healthz/*')).toBe('None');
      expect(at('/anything', '*')).toBe('Request');
      expect(level({ level: 'Request', nonResourceURLs: ['*'] }, requests.namespaced)).toBe('None');
    });

    it('treats attributes with a resource as a resource request unless told otherwise', () => {
      expect(
        level(
          { level: 'Request', resources: [{ resources: ['pods'] }] },
          { verb: 'get', path: '/x', resource: 'pods' },
        ),
      ).toBe('Request');
      expect(
        level({ level: 'Request', nonResourceURLs: ['/x'] }, { verb: 'get', path: '/x', resource: 'pods' }),
      ).toBe('None');
    });

    it('needs the username for users and any group for userGroups', () => {
      expect(
        level(
          { level: 'Request', users: ['tim@k8s.io'] },
          { verb: 'get', path: '/', user: { groups: ['humans'] } },
        ),
      ).toBe('None');
      expect(level({ level: 'Request', userGroups: ['developers', 'ops'] }, requests.nonResource)).toBe(
        'Request',
      );
      expect(level({ level: 'Request', userGroups: ['ops'] }, requests.nonResource)).toBe('None');
    });
  });
});
