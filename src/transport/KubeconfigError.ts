/** Options for {@link KubeconfigError}. */
export interface KubeconfigErrorOptions {
  /** The underlying error (file system, parser), sanitized: no file contents, no secrets. */
  cause?: unknown;
}

import { AuditError } from '../events/AuditError.js';
import { boundProblems, joinProblems } from '../events/ProblemList.js';

/**
 * A kubeconfig file (or a webhook target given directly) that cannot be used: missing or unreadable,
 * unparsable, or invalid. The message names the file and the offending fields (the first
 * `MAX_REPORTED_PROBLEMS`, then how many more) — never a secret value (tokens, passwords, keys) and never a
 * snippet of the file.
 *
 * ## Example
 *
 * ```ts
 * import { loadWebhookTarget, isKubeconfigError } from 'rx-audit';
 *
 * try {
 *   loadWebhookTarget('/etc/kubernetes/audit-webhook.kubeconfig');
 * } catch (err) {
 *   if (isKubeconfigError(err)) console.error(err.problems);
 * }
 * ```
 */
export class KubeconfigError extends AuditError {
  override name = 'KubeconfigError' as const;
  /** The kubeconfig file, or `undefined` for a target given directly in code. */
  readonly file: string | undefined;

  /**
   * @param file The kubeconfig path, or `undefined` for a target given directly.
   * @param problems Each problem, naming its field.
   * @param options The `cause`, if any.
   */
  constructor(file: string | undefined, problems: readonly string[], options: KubeconfigErrorOptions = {}) {
    const where = file === undefined ? 'invalid webhook target' : `invalid kubeconfig ${file}`;
    const bounded = boundProblems(problems);
    super(`${where}: ${joinProblems(bounded.lines, bounded.omitted)}`, {
      problems: bounded.lines,
      omitted: bounded.omitted,
      cause: options.cause,
    });
    this.file = file;
  }
}

/** True for a {@link KubeconfigError}, also across a dual ESM/CJS install where `instanceof` fails. */
export function isKubeconfigError(value: unknown): value is KubeconfigError {
  return value instanceof KubeconfigError || (value instanceof Error && value.name === 'KubeconfigError');
}
