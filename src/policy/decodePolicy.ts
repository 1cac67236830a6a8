import { reportErrors } from '../events/reportErrors.js';
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
    const problems: string[] = [];
    reportErrors(result.left, problems);
    throw new PolicyError(problems, { source });
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
        problems.push(`${at}.nonResourceURLs.${j}: must begin with a '/' character, got ${showValue(url)}`);
      }
      if (url.slice(0, -1).includes('*')) {
        problems.push(
          `${at}.nonResourceURLs.${j}: a '*' wildcard must be the final character, got ${showValue(url)}`,
        );
      }
    });
    (rule.resources ?? []).forEach((gr, j) => {
      const group = gr.group ?? '';
      if (group !== '' && (group.length > 253 || !DNS_SUBDOMAIN.test(group))) {
        problems.push(
          `${at}.resources.${j}.group: must be a lower-case DNS subdomain (no version), got ${showValue(group)}`,
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
