import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Policy } from './Policy.js';
import { PolicyError } from './PolicyError.js';
import { decodePolicy } from './decodePolicy.js';

/**
 * Reads an audit policy file (YAML or JSON — the same file `kube-apiserver --audit-policy-file` takes),
 * decodes and validates it. Like the apiserver, a policy with no rules is refused.
 *
 * ## Example
 * ```ts
 * import { loadPolicy } from 'rx-audit';
 *
 * const policy = loadPolicy('audit-policy.yaml');
 * ```
 *
 * @param path The policy file.
 * @returns The decoded policy.
 * @throws {PolicyError} Naming the file and every offending path
 *   (`invalid audit policy audit-policy.yaml: rules.2.level: expected one of …`), when the file
 *   cannot be read or parsed, or the policy is malformed or has no rules.
 */
export function loadPolicy(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw new PolicyError([`cannot read the file (${code})`], { source: path, cause: error });
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new PolicyError([`not YAML or JSON: ${reason}`], { source: path, cause: error });
  }
  const policy = decodePolicy(document, path);
  if (policy.rules.length === 0) {
    throw new PolicyError(['rules: a policy needs at least one rule'], { source: path });
  }
  return policy;
}
