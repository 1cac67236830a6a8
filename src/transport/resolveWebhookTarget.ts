import { KubeconfigError } from './KubeconfigError.js';
import { showValue } from '../events/showValue.js';
import { loadWebhookTarget } from './loadWebhookTarget.js';
import type { WebhookTarget, WebhookTargetOption } from '../contract/WebhookTarget.js';
import { validateWebhookTarget } from './validateWebhookTarget.js';

/**
 * Turns `options.target` into a checked {@link WebhookTarget}: `{ kubeconfig: path }` is read with
 * {@link loadWebhookTarget}, a target given directly is checked with {@link validateWebhookTarget}.
 * Synchronous, so a bad target fails at construction.
 *
 * ## Example
 *
 * ```ts
 * // internal (not exported from 'rx-audit'): src/transport/resolveWebhookTarget.ts
 * import { resolveWebhookTarget } from './resolveWebhookTarget.js';
 *
 * const target = resolveWebhookTarget({ kubeconfig: './audit-webhook.yaml' });
 * ```
 *
 * @param option The target, or the kubeconfig to read it from.
 * @returns The checked target.
 * @throws {KubeconfigError} naming the file (if any) and every bad field.
 */
export function resolveWebhookTarget(option: WebhookTargetOption): WebhookTarget {
  if (typeof option === 'object' && option !== null && 'kubeconfig' in option) {
    const { kubeconfig, ...rest } = option as { kubeconfig: unknown } & Record<string, unknown>;
    if (Object.keys(rest).length > 0) {
      throw new KubeconfigError(undefined, [
        `target.kubeconfig cannot be combined with ${Object.keys(rest)
          .map((k) => `target.${k}`)
          .join(', ')}`,
      ]);
    }
    if (typeof kubeconfig !== 'string') {
      throw new KubeconfigError(undefined, [
        `target.kubeconfig must be a file path, got ${showValue(kubeconfig, 'kind')}`,
      ]);
    }
    return loadWebhookTarget(kubeconfig);
  }
  return validateWebhookTarget(option);
}
