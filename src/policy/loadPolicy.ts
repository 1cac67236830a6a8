import { parseUntrustedYaml } from '../util/parseUntrustedYaml.js';
import { readBoundedFile } from '../util/readBoundedFile.js';
import type { Policy } from './Policy.js';
import { PolicyError } from './PolicyError.js';
import { decodePolicy } from './decodePolicy.js';

/**
 * Reads an audit policy file (YAML or JSON — the same file `kube-apiserver --audit-policy-file` takes),
 * decodes and validates it. Like the apiserver, a policy with no rules is refused. The YAML is parsed with
 * limits (aliases at most `MAX_YAML_ALIASES` expansions, to anchors that exist; no custom tags), and no text
 * of the file beyond field names reaches a message.
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
    text = readBoundedFile(path).toString('utf8');
  } catch (error) {
    const code = isFileTooLarge(error)
      ? error.message
      : ((error as NodeJS.ErrnoException).code ?? 'read error');
    throw new PolicyError([`cannot read the file (${code})`], { source: path, cause: error });
  }
  const parsed = parseUntrustedYaml(text);
  if (!parsed.ok) {
    throw new PolicyError(
      parsed.problems.map(({ path: at, reason, syntax }) =>
        syntax ? `not YAML or JSON ${reason}` : at.length === 0 ? reason : `${at.join('.')}: ${reason}`,
      ),
      { source: path },
    );
  }
  const policy = decodePolicy(parsed.value, path);
  if (policy.rules.length === 0) {
    throw new PolicyError(['rules: a policy needs at least one rule'], { source: path });
  }
  return policy;
}

function isFileTooLarge(error: unknown): error is Error {
  return error instanceof Error && error.name === 'FileTooLargeError';
}
