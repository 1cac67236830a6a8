import type { Level, Stage, UserInfo } from '../events/Event.js';
import type { Policy, PolicyRule } from './Policy.js';

/**
 * What a policy looks at in a request: the apiserver's `authorizer.Attributes`.
 * A request is a resource request when `resourceRequest` is `true`, or (when it is not given)
 * when `resource` is set; otherwise it is a non-resource request matched by `path`.
 */
export interface PolicyAttributes {
  /** The requesting user; rules with `users` or `userGroups` never match a request without one. */
  readonly user?: UserInfo | undefined;
  /** The Kubernetes verb (`get`, `list`, `create`, …) or the lower-cased HTTP method. */
  readonly verb: string;
  /** The request path without the query, matched by `nonResourceURLs`. */
  readonly path: string;
  /** Whether this is a resource request. @default resource !== undefined */
  readonly resourceRequest?: boolean | undefined;
  /** The API group, `''` for the core group. @default '' */
  readonly apiGroup?: string | undefined;
  /** The namespace, `''` for cluster-scoped resources. @default '' */
  readonly namespace?: string | undefined;
  readonly resource?: string | undefined;
  readonly subresource?: string | undefined;
  /** The object name, `''` for collections. @default '' */
  readonly name?: string | undefined;
}

/** The outcome of `evaluatePolicy`: how to audit one request. */
export interface PolicyDecision {
  /** The level to record at; `None` means the request is not audited. */
  readonly level: Level;
  /** Stages not to emit: the matching rule's `omitStages` ∪ the policy's. */
  readonly omitStages: readonly Stage[];
  /** Whether managed fields are dropped from recorded objects: the rule's setting, else the policy's. */
  readonly omitManagedFields: boolean;
}

const STAGE_ORDER: readonly Stage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

/**
 * Decides how to audit one request, with the apiserver's policy-checker semantics: the first rule that
 * matches wins; a list that is absent or empty matches everything; `resources` entries match
 * `resource`, `resource/subresource`, `*`, `*\/subresource` and `resource/*`; `nonResourceURLs`
 * entries match exactly or, with a trailing `*`, by prefix; `namespaces: [""]` matches cluster-scoped
 * resources. No matching rule means level `None`.
 *
 * ## Example
 * ```ts
 * import { evaluatePolicy } from 'rx-audit';
 *
 * const { level, omitStages } = evaluatePolicy(policy, {
 *   user: { username: 'tim@k8s.io', groups: ['developers'] },
 *   verb: 'get',
 *   path: '/api/v1/namespaces/default/pods/busybox',
 *   namespace: 'default',
 *   resource: 'pods',
 *   name: 'busybox',
 * });
 * ```
 *
 * @param policy A decoded policy (see `loadPolicy`, `decodePolicy`).
 * @param attributes The request.
 * @returns The level, the stages to omit and whether to omit managed fields.
 */
export function evaluatePolicy(policy: Policy, attributes: PolicyAttributes): PolicyDecision {
  for (const rule of policy.rules) {
    if (ruleMatches(rule, attributes)) {
      return {
        level: rule.level,
        omitStages: unionStages(policy.omitStages, rule.omitStages),
        omitManagedFields: rule.omitManagedFields ?? policy.omitManagedFields ?? false,
      };
    }
  }
  return {
    level: 'None',
    omitStages: unionStages(policy.omitStages),
    omitManagedFields: policy.omitManagedFields ?? false,
  };
}

function unionStages(...lists: Array<readonly Stage[] | undefined>): Stage[] {
  const set = new Set(lists.flatMap((list) => list ?? []));
  return STAGE_ORDER.filter((stage) => set.has(stage));
}

function ruleMatches(rule: PolicyRule, attributes: PolicyAttributes): boolean {
  const { user } = attributes;
  if (nonEmpty(rule.users) && (user?.username === undefined || !rule.users.includes(user.username))) {
    return false;
  }
  if (nonEmpty(rule.userGroups)) {
    const groups = rule.userGroups;
    if (user === undefined || !(user.groups ?? []).some((group) => groups.includes(group))) return false;
  }
  if (nonEmpty(rule.verbs) && !rule.verbs.includes(attributes.verb)) return false;
  if (nonEmpty(rule.namespaces) || nonEmpty(rule.resources)) return ruleMatchesResource(rule, attributes);
  if (nonEmpty(rule.nonResourceURLs)) return ruleMatchesNonResource(rule.nonResourceURLs, attributes);
  return true;
}

function ruleMatchesNonResource(specs: readonly string[], attributes: PolicyAttributes): boolean {
  if (isResourceRequest(attributes)) return false;
  return specs.some(
    (spec) =>
      spec === '*' ||
      spec === attributes.path ||
      (spec.endsWith('*') && attributes.path.startsWith(spec.replace(/\*+$/, ''))),
  );
}

function ruleMatchesResource(rule: PolicyRule, attributes: PolicyAttributes): boolean {
  if (!isResourceRequest(attributes)) return false;
  // Cluster-scoped resources have the empty namespace, so `namespaces: [""]` selects them.
  if (nonEmpty(rule.namespaces) && !rule.namespaces.includes(attributes.namespace ?? '')) return false;
  if (!nonEmpty(rule.resources)) return true;

  const apiGroup = attributes.apiGroup ?? '';
  const resource = attributes.resource ?? '';
  const subresource = attributes.subresource ?? '';
  const name = attributes.name ?? '';
  const combined = subresource === '' ? resource : `${resource}/${subresource}`;

  for (const gr of rule.resources) {
    if ((gr.group ?? '') !== apiGroup) continue;
    if (!nonEmpty(gr.resources)) return true;
    if (nonEmpty(gr.resourceNames) && !gr.resourceNames.includes(name)) continue;
    for (const spec of gr.resources) {
      if (spec === combined || spec === '*') return true;
      if (subresource !== '' && spec.startsWith('*/') && spec.slice(2) === subresource) return true;
      if (spec.endsWith('/*') && spec.slice(0, -2) === resource) return true;
    }
  }
  return false;
}

function isResourceRequest(attributes: PolicyAttributes): boolean {
  return attributes.resourceRequest ?? attributes.resource !== undefined;
}

function nonEmpty<T>(list: readonly T[] | undefined): list is readonly T[] {
  return list !== undefined && list.length > 0;
}
