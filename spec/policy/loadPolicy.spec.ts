import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '../../src/policy/loadPolicy.js';
import { isPolicyError } from '../../src/policy/PolicyError.js';
import { decodePolicy } from '../../src/policy/decodePolicy.js';
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

  it('reads an empty scalar key (null) as unset, as the apiserver does, and still checks a wrong type', () => {
    const yaml = [
      'apiVersion: audit.k8s.io/v1',
      'kind: Policy',
      'omitManagedFields:',
      'rules:',
      '  - level: Metadata',
      '    omitManagedFields:',
      '    resources:',
      '      - group:',
      '        resources: ["pods"]',
    ].join('\n');
    const policy = loadPolicy(file('nulls.yaml', yaml));
    const pod = { verb: 'get', path: '/api/v1/pods', resource: 'pods' };
    expect(evaluatePolicy(policy, pod)).toEqual({
      level: 'Metadata',
      omitStages: [],
      omitManagedFields: false,
    });
    expect(evaluatePolicy(policy, { ...pod, apiGroup: 'apps' }).level).toBe('None');
    expect(() =>
      loadPolicy(
        file('wrong.yaml', yaml.replace('omitManagedFields:\nrules', 'omitManagedFields: 3\nrules')),
      ),
    ).toThrow('omitManagedFields: expected a boolean, got 3');
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
      new RegExp(`^invalid audit policy ${broken}: not YAML or JSON at line \\d+, column \\d+: `),
    );
    const empty = file('blank.yaml', '');
    expect(() => loadPolicy(empty)).toThrow(
      `invalid audit policy ${empty}: (root): expected an object, got null`,
    );
  });

  describe('hostile YAML', () => {
    const rules = 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n';

    it('an alias to a missing anchor, a custom tag and an alias bomb: PolicyError naming the field only', () => {
      const alias = file('alias.yaml', `${rules}- level: *S3CRET\n`);
      expect(() => loadPolicy(alias)).toThrow(
        `invalid audit policy ${alias}: rules.0.level: alias to an undefined anchor`,
      );
      const tag = file('tag.yaml', `${rules}- level: Metadata\n  users: [!secret hunter2]\n`);
      expect(() => loadPolicy(tag)).toThrow(
        `invalid audit policy ${tag}: rules.0.users.0: custom YAML tags are not allowed`,
      );
      const bomb = file(
        'bomb.yaml',
        `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n${rules}- level: Metadata\n  users: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`,
      );
      expect(() => loadPolicy(bomb)).toThrow(
        `invalid audit policy ${bomb}: too many YAML aliases (more than 100 expansions)`,
      );
      for (const path of [alias, tag, bomb]) {
        try {
          loadPolicy(path);
        } catch (err) {
          expect(isPolicyError(err)).toBe(true);
          expect((err as Error).message).not.toMatch(/S3CRET|hunter2|secret/);
        }
      }
    });

    it('a policy path that never ends (/dev/zero) is read to a bounded size', () => {
      expect(() => loadPolicy('/dev/zero')).toThrow(
        'invalid audit policy /dev/zero: cannot read the file (file is larger than 4194304 bytes)',
      );
    });

    it('thousands of bad rules give a bounded message', () => {
      const path = file('many.yaml', `${rules}${'- level: Everything\n'.repeat(10_000)}`);
      let message = '';
      try {
        loadPolicy(path);
      } catch (err) {
        expect(isPolicyError(err)).toBe(true);
        message = (err as Error).message;
      }
      expect(message).toMatch(
        /^invalid audit policy .*: rules\.0\.level: expected one of .*; …and 9980 more$/,
      );
      expect(message.length).toBeLessThan(8 * 1024);
    });

    it('YAML nested deeper than the parser follows is a bounded syntax error', () => {
      const path = file('deep.yaml', `${rules}- ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
      expect(() => loadPolicy(path)).toThrow(
        new RegExp(`^invalid audit policy ${path}: not YAML or JSON at line 4, column \\d+: .{1,80}$`),
      );
    });

    it('a rule nested too deeply for JSON.stringify is described by kind, not rendered', () => {
      const deep = JSON.parse(`{"rules":[${'['.repeat(5000)}${']'.repeat(5000)}]}`) as unknown;
      expect(() => decodePolicy(deep)).toThrow(
        'invalid audit policy: rules.0: expected an object, got an array',
      );
    });
  });
});
