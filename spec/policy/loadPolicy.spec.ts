import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '../../src/policy/loadPolicy.js';
import { evaluatePolicy } from '../../src/policy/evaluatePolicy.js';

const dir = mkdtempSync(join(tmpdir(), 'rx-audit-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

// The example policy of the Kubernetes "Auditing" documentation page, abridged.
const yamlPolicy = `
apiVersion: audit.k8s.io/v1 # This is required.
kind: Policy
# Don't generate audit events for all requests in RequestReceived stage.
omitStages:
  - "RequestReceived"
rules:
  # Log pod changes at RequestResponse level
  - level: RequestResponse
    resources:
    - group: ""
      resources: ["pods"]
  # Log "pods/log", "pods/status" at Metadata level
  - level: Metadata
    resources:
    - group: ""
      resources: ["pods/log", "pods/status"]
  # Don't log requests to a configmap called "controller-leader"
  - level: None
    resources:
    - group: ""
      resources: ["configmaps"]
      resourceNames: ["controller-leader"]
  # Don't log watch requests by the "system:kube-proxy" on endpoints or services
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
    resources:
    - group: "" # core API group
      resources: ["endpoints", "services"]
  # Don't log authenticated requests to certain non-resource URL paths.
  - level: None
    userGroups: ["system:authenticated"]
    nonResourceURLs:
    - "/api*" # Wildcard matching.
    - "/version"
  # A catch-all rule to log all other requests at the Metadata level.
  - level: Metadata
    # Long-running requests like watches that fall under this rule will not
    # generate an audit event in RequestReceived.
    omitStages:
      - "RequestReceived"
`;

describe('loadPolicy', () => {
  it('loads the YAML policy of the Kubernetes auditing docs', () => {
    const policy = loadPolicy(file('policy.yaml', yamlPolicy));
    expect(policy.rules).toHaveLength(6);
    expect(policy.omitStages).toEqual(['RequestReceived']);
    const pod = {
      verb: 'get',
      path: '/api/v1/namespaces/default/pods/x',
      namespace: 'default',
      resource: 'pods',
      name: 'x',
    };
    expect(evaluatePolicy(policy, pod)).toEqual({
      level: 'RequestResponse',
      omitStages: ['RequestReceived'],
      omitManagedFields: false,
    });
    expect(evaluatePolicy(policy, { ...pod, subresource: 'log' }).level).toBe('Metadata');
    expect(evaluatePolicy(policy, { ...pod, resource: 'configmaps', name: 'controller-leader' }).level).toBe(
      'None',
    );
    const authenticated = { username: 'alice', groups: ['system:authenticated'] };
    expect(evaluatePolicy(policy, { verb: 'get', path: '/apis', user: authenticated }).level).toBe('None');
    expect(evaluatePolicy(policy, { verb: 'get', path: '/healthz', user: authenticated }).level).toBe(
      'Metadata',
    );
  });

  it('loads JSON', () => {
    const path = file(
      'policy.json',
      JSON.stringify({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'Request' }] }),
    );
    expect(loadPolicy(path)).toEqual({
      apiVersion: 'audit.k8s.io/v1',
      kind: 'Policy',
      rules: [{ level: 'Request' }],
    });
  });

  it('names the file, the rule index and the field of a malformed policy', () => {
    const path = file(
      'bad.yaml',
      'kind: Policy\nrules:\n  - level: None\n  - level: Metadata\n  - level: Everything\n',
    );
    expect(() => loadPolicy(path)).toThrow(
      `invalid audit policy ${path}: rules.2.level: expected one of None|Metadata|Request|RequestResponse, got "Everything"`,
    );
  });

  it('refuses a policy with no rules, like the apiserver', () => {
    const path = file('empty.yaml', 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n');
    expect(() => loadPolicy(path)).toThrow(
      `invalid audit policy ${path}: rules: a policy needs at least one rule`,
    );
  });

  it('reports unreadable and unparsable files', () => {
    const missing = join(dir, 'missing.yaml');
    expect(() => loadPolicy(missing)).toThrow(
      `invalid audit policy ${missing}: cannot read the file (ENOENT)`,
    );
    const broken = file('broken.yaml', 'rules: [\n');
    expect(() => loadPolicy(broken)).toThrow(
      new RegExp(`^invalid audit policy ${broken}: not YAML or JSON: `),
    );
    const empty = file('blank.yaml', '');
    expect(() => loadPolicy(empty)).toThrow(`invalid audit policy ${empty}: expected an object, got null`);
  });
});
