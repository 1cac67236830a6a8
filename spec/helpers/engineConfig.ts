// The engine config the engine specs share: the webhook's names and v1 snapshots, with what each spec decides.
import type { DeliveryEngineConfig } from '../../src/engine/DeliveryEngineConfig.js';
import { joinItems, restoreItems } from '../../src/transport/encodeItems.js';

/** What a spec gives: the limits, retry, clock, sender and report sink (and any other field to override). */
export type EngineConfigParts = Pick<
  DeliveryEngineConfig,
  'batch' | 'retry' | 'scheduler' | 'send' | 'report'
> &
  Partial<DeliveryEngineConfig>;

/** A batch-mode engine config as the webhook backend builds one, with a 1 s timeout. */
export function engineConfig(parts: EngineConfigParts): DeliveryEngineConfig {
  return {
    mode: 'batch',
    timeout: 1000,
    plugin: 'webhook',
    subject: 'audit webhook',
    envelopeBytes: Buffer.byteLength(joinItems([], 'audit.k8s.io/v1')),
    snapshot: (event) => JSON.stringify(event),
    restore: (items) => restoreItems(items, 'audit.k8s.io/v1'),
    ...parts,
  };
}
