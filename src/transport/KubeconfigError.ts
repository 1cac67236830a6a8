/** Options for {@link KubeconfigError}. */
export interface KubeconfigErrorOptions {
  /** The underlying error (file system, parser), sanitized: no file contents, no secrets. */
  cause?: unknown;
}

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
export class KubeconfigError extends Error {
  override name = 'KubeconfigError' as const;
  /** The kubeconfig file, or `undefined` for a target given directly in code. */
  readonly file: string | undefined;
  /** The problems found, the first `MAX_REPORTED_PROBLEMS` (the message joins them with `; `). */
  readonly problems: readonly string[];
  /** How many more problems were found than `problems` lists. */
  readonly omitted: number;

  /**
   * @param file The kubeconfig path, or `undefined` for a target given directly.
   * @param problems Each problem, naming its field.
   * @param options The `cause`, if any.
   */
  constructor(file: string | undefined, problems: readonly string[], options: KubeconfigErrorOptions = {}) {
    const where = file === undefined ? 'invalid webhook target' : `invalid kubeconfig ${file}`;
    const bounded = boundProblems(problems);
    super(
      `${where}: ${joinProblems(bounded.lines, bounded.omitted)}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.file = file;
    this.problems = bounded.lines;
    this.omitted = bounded.omitted;
  }
}

/** True for a {@link KubeconfigError}, also across a dual ESM/CJS install where `instanceof` fails. */
export function isKubeconfigError(value: unknown): value is KubeconfigError {
  return value instanceof KubeconfigError || (value instanceof Error && value.name === 'KubeconfigError');
}
