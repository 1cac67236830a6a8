import type * as t from 'io-ts';
import { showValue } from '../events/showValue.js';
import { Policy } from './Policy.js';
import { PolicyError } from './PolicyError.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Decodes and validates an `audit.k8s.io/v1` (or `v1beta1`) `Policy` object, as parsed from YAML or JSON.
 * Beyond the types it applies the apiserver's own policy validation: non-resource URLs start with `/`
 * and have `*` only at the end, API groups are DNS subdomains (`rbac.authorization.k8s.io`, not
 * `rbac.authorization.k8s.io/v1`), `resourceNames` needs `resources`, and a rule cannot mix
 * `nonResourceURLs` with `resources` or `namespaces`.
 *
 * ## Example
 * ```ts
 * import { decodePolicy } from 'rx-audit';
 *
 * const policy = decodePolicy(JSON.parse(text));
 * ```
 *
 * @param input The parsed policy document.
 * @param source Where it came from (a file path), used in the error message.
 * @returns The policy, with `null` lists read as empty.
 * @throws {PolicyError} Listing every offending path, e.g.
 *   `rules.2.level: expected one of None|Metadata|Request|RequestResponse, got "Everything"`.
 */
export function decodePolicy(input: unknown, source?: string): Policy {
  const result = Policy.decode(input);
  if (result._tag === 'Left') {
    throw new PolicyError(reportErrors(result.left), { source });
  }
  const problems = validatePolicy(result.right);
  if (problems.length > 0) {
    throw new PolicyError(problems, { source });
  }
  return result.right;
}

/** The apiserver's `ValidatePolicy`, for what the codec cannot express. */
function validatePolicy(policy: Policy): string[] {
  const problems: string[] = [];
  policy.rules.forEach((rule, i) => {
    const at = `rules.${i}`;
    (rule.nonResourceURLs ?? []).forEach((url, j) => {
      if (url === '*') return;
      if (!url.startsWith('/')) {
        problems.push(`${at}.nonResourceURLs.${j}: must begin with a '/' character, got ${show(url)}`);
      }
      if (url.slice(0, -1).includes('*')) {
        problems.push(
          `${at}.nonResourceURLs.${j}: a '*' wildcard must be the final character, got ${show(url)}`,
        );
      }
    });
    (rule.resources ?? []).forEach((gr, j) => {
      const group = gr.group ?? '';
      if (group !== '' && (group.length > 253 || !DNS_SUBDOMAIN.test(group))) {
        problems.push(
          `${at}.resources.${j}.group: must be a lower-case DNS subdomain (no version), got ${show(group)}`,
        );
      }
      if ((gr.resourceNames ?? []).length > 0 && (gr.resources ?? []).length === 0) {
        problems.push(
          `${at}.resources.${j}.resourceNames: using resourceNames requires at least one resource`,
        );
      }
    });
    if (
      (rule.nonResourceURLs ?? []).length > 0 &&
      ((rule.resources ?? []).length > 0 || (rule.namespaces ?? []).length > 0)
    ) {
      problems.push(`${at}.nonResourceURLs: a rule cannot apply to both resources and non-resource URLs`);
    }
  });
  return problems;
}

/** Turns io-ts errors into `path: expected X, got Y` lines, one per offending path. */
function reportErrors(errors: t.Errors): string[] {
  const byPath = new Map<string, string>();
  for (const error of errors) {
    const keys: string[] = [];
    let described: t.Decoder<unknown, unknown> | undefined = error.context[0]?.type;
    error.context.forEach((entry, i) => {
      if (i === 0) return;
      const parent = error.context[i - 1]?.type as { _tag?: string } | undefined;
      // Members of an intersection or union are not fields: they add no path segment.
      if (parent?._tag === 'IntersectionType' || parent?._tag === 'UnionType') return;
      keys.push(entry.key);
      described = entry.type;
    });
    const path = keys.join('.');
    if (byPath.has(path)) continue;
    const expected = `expected ${describe(described)}, got ${show(error.value)}`;
    byPath.set(path, path === '' ? expected : `${path}: ${expected}`);
  }
  return [...byPath.values()];
}

function describe(type: t.Decoder<unknown, unknown> | undefined): string {
  const tagged = type as {
    _tag?: string;
    keys?: object;
    value?: unknown;
    types?: t.Decoder<unknown, unknown>[];
  };
  switch (tagged?._tag) {
    case 'KeyofType':
      return `one of ${Object.keys(tagged.keys ?? {}).join('|')}`;
    case 'LiteralType':
      return JSON.stringify(tagged.value);
    case 'StringType':
      return 'a string';
    case 'BooleanType':
      return 'a boolean';
    case 'NullType':
      return 'null';
    case 'UnionType':
      return (tagged.types ?? []).map(describe).join(' or ');
    case 'ArrayType':
      return 'a list';
    case 'InterfaceType':
    case 'PartialType':
    case 'IntersectionType':
    case 'UnknownRecordType':
      return 'an object';
    default:
      return type?.name.startsWith('Array<') ? 'a list' : (type?.name ?? 'a valid value');
  }
}

/** A value from the policy for a message: strings quoted and shortened, objects and lists by kind only. */
function show(value: unknown): string {
  return value === undefined ? 'nothing' : showValue(value);
}
