import { goJson } from '../events/goJson.js';
import { merge } from 'rxjs';
import type { AuditEvent } from '../events/Event.js';
import { encodeEvent } from '../events/encodeEvent.js';
import { encodeEventList } from '../events/encodeEventList.js';
import { assertGroupVersion } from '../events/GroupVersion.js';
import type { GroupVersion } from '../events/GroupVersion.js';
import { WEBHOOK_DEFAULTS } from '../contract/options.js';
import type { AuditBackend, AuditPluginError, AuditStats } from '../contract/AuditBackend.js';
import type { AuditLogger } from '../util/loggerReporter.js';
import { PluginReports } from '../util/PluginReports.js';
import { routeFailure } from '../util/routeFailure.js';
import { positiveInteger } from '../util/validateOptions.js';
import { shutdownOnce } from '../util/shutdownOnce.js';
import { errorMessage, toError } from '../util/toError.js';

/** Options of {@link createTruncatingBackend}. */
export interface TruncatingBackendOptions {
  /**
   * Largest event, in bytes of its JSON in `groupVersion`. A larger event at level `Request` or
   * `RequestResponse` loses its `requestObject`/`responseObject`; if it is still larger (or is at level
   * `Metadata`), it is reported as `too-large` and dropped.
   * @default 102400
   */
  maxEventSize?: number;
  /**
   * Largest `EventList` handed to the delegate in one call, in bytes of its JSON in `groupVersion`. Each
   * call's events are split into groups no larger than this; an event that alone exceeds it goes alone.
   * @default 10485760
   */
  maxBatchSize?: number;
  /**
   * The group version sizes are measured in; use the delegate's wire version.
   * @default 'audit.k8s.io/v1'
   */
  groupVersion?: GroupVersion;
  /**
   * Receives this layer's own reports (`too-large`, `invalid`, and `send-failed` for a delegate call that
   * threw or rejected), besides `errors$`; the delegate reports through its own handler.
   * @default none (one stderr line per report, see `reportToStderr`)
   */
  onError?: (error: AuditPluginError) => void;
  /** A pino- or console-style logger for this layer's reports instead of `onError` (see `loggerReporter`). @default none */
  logger?: AuditLogger;
}

/** The defaults of {@link TruncatingBackendOptions} (upstream's `--audit-webhook-truncate-*` defaults). */
export const TRUNCATE_DEFAULTS: Readonly<Required<Omit<TruncatingBackendOptions, 'onError' | 'logger'>>> =
  Object.freeze({
    maxEventSize: 102_400,
    maxBatchSize: 10_485_760,
    groupVersion: WEBHOOK_DEFAULTS.groupVersion,
  });

/** The annotation upstream sets on a truncated event. */
export const TRUNCATED_ANNOTATION = 'audit.k8s.io/truncated';

const PLUGIN = 'truncate';

/**
 * Wraps a backend so that oversized events are truncated and each call is split into groups of bounded
 * size, like the apiserver's `truncate` plugin (`--audit-webhook-truncate-enabled`).
 *
 * For each event of a `processEvents` call:
 * - if its JSON is larger than `maxEventSize` and its level is `Request` or `RequestResponse`, a **copy**
 *   without `requestObject`/`responseObject` and with annotation `audit.k8s.io/truncated: "true"` is used
 *   instead (the caller's event is never changed);
 * - if it is still too large, it is dropped and reported on `errors$` as `too-large` (plugin `truncate`,
 *   message `event is too large even after truncating`); an event that cannot be serialised is reported as
 *   `invalid`. Drops are reported once per call, with all the events of that call that were dropped, on
 *   `errors$` and to `onError` (by default one stderr line).
 *
 * The remaining events go to the delegate in order, in as many `processEvents` calls as needed so that no
 * call's `EventList` JSON exceeds `maxBatchSize` bytes. The call resolves `true` only if no event was dropped
 * and every delegate call resolved `true`; it never rejects: a delegate call that throws or rejects is
 * reported once, with that group's events, as `send-failed` (plugin `truncate`, the rejection as `error`).
 *
 * `run`, `flush` and `shutdown` pass through to the delegate; `flush` and `shutdown` always resolve (a
 * delegate that throws or rejects is reported as `send-failed` with no events). `errors$` merges the
 * delegate's with this layer's reports; `deliveries$` is the delegate's; `stats()` is the delegate's
 * counters with this layer's reports added to `failed`.
 *
 * ## Example
 * ```ts
 * import { createBufferedBackend, createTruncatingBackend, createWebhookBackend } from 'rx-audit';
 *
 * const backend = createTruncatingBackend(
 *   createBufferedBackend(createWebhookBackend({ mode: 'blocking', target: { kubeconfig: 'webhook.yaml' } }), {}),
 *   { maxEventSize: 100 * 1024 },
 * );
 * backend.name; // 'truncate<buffered<webhook>>'
 * ```
 *
 * @param delegate The backend that receives the (possibly truncated) events.
 * @param options Size limits; see {@link TruncatingBackendOptions}.
 * @returns A backend named `truncate<delegate name>`.
 */
export function createTruncatingBackend(
  delegate: AuditBackend,
  options: TruncatingBackendOptions = {},
): AuditBackend {
  const { maxEventSize, maxBatchSize, groupVersion } = validate(options);
  // This layer's own reports; their counts are added to the delegate's in `stats()`.
  const reports = new PluginReports(PLUGIN, routeFailure(options.onError, options.logger, `${PLUGIN}.`));

  /** Runs a delegate `flush`/`shutdown`; a throw or rejection is reported (no events) instead of rethrown. */
  const settle = async (fn: () => Promise<void>, what: string): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      reports.report(
        'send-failed',
        new Error(`${PLUGIN}: delegate ${delegate.name} failed to ${what}`, { cause: err }),
        [],
      );
    }
  };

  // Bytes of the EventList wrapper with no items; a list of n items of sizes s_i then takes
  // overhead + Σ s_i + (n − 1) bytes (the commas between items).
  const listOverhead = byteLength(encodeEventList([], groupVersion));

  // An event's size is upstream's `calcSize`: its JSON as Go's encoder writes it (HTML escaping), plus the
  // newline the encoder ends it with. A batch is split by the bytes of the body actually sent.
  const sizes = (event: AuditEvent): { event: number; item: number } => ({
    event: Buffer.byteLength(goJson(encodeEvent(event, groupVersion))) + 1,
    item: byteLength(encodeEventList([event], groupVersion)) - listOverhead,
  });

  return {
    name: `${PLUGIN}<${delegate.name}>`,
    errors$: merge(reports.errors$, delegate.errors$),
    deliveries$: delegate.deliveries$,

    run: () => delegate.run(),
    flush: () => settle(() => delegate.flush(), 'flush'),
    shutdown: shutdownOnce((timeout) =>
      settle(() => delegate.shutdown(timeout === undefined ? {} : { timeout }), 'shut down'),
    ).shutdown,

    async processEvents(...events: AuditEvent[]): Promise<boolean> {
      const oversized: AuditEvent[] = [];
      const unencodable: AuditEvent[] = [];
      let encodeError: unknown;
      const groups: AuditEvent[][] = [];
      let group: AuditEvent[] = [];
      let groupBytes = listOverhead;

      for (const original of events) {
        let event = original;
        let size: { event: number; item: number };
        try {
          size = sizes(event);
          if (size.event > maxEventSize && (event.level === 'Request' || event.level === 'RequestResponse')) {
            event = truncate(event);
            size = sizes(event);
          }
        } catch (err) {
          encodeError ??= err;
          unencodable.push(event);
          continue;
        }
        if (size.event > maxEventSize) {
          oversized.push(event);
          continue;
        }
        const added = size.item + (group.length > 0 ? 1 : 0);
        if (group.length > 0 && groupBytes + added > maxBatchSize) {
          groups.push(group);
          group = [];
          groupBytes = listOverhead;
        }
        groupBytes += size.item + (group.length > 0 ? 1 : 0);
        group.push(event);
      }
      if (group.length > 0) groups.push(group);

      // Hand the groups over in order before awaiting any, as one synchronous call would.
      const results = groups.map((g) => {
        try {
          return delegate.processEvents(...g);
        } catch (err) {
          return Promise.reject(err);
        }
      });

      if (oversized.length > 0) {
        reports.report('too-large', new Error('event is too large even after truncating'), oversized);
      }
      if (unencodable.length > 0) {
        const cause = errorMessage(encodeError);
        reports.report(
          'invalid',
          new Error(`event could not be encoded as ${groupVersion}: ${cause}`),
          unencodable,
        );
      }

      // A delegate call that throws or rejects must not hide the other groups' results: its events are
      // reported here, once, and the call resolves false.
      const settled = await Promise.allSettled(results);
      let delivered = true;
      settled.forEach((r, i) => {
        if (r.status === 'fulfilled') {
          delivered = r.value && delivered;
          return;
        }
        delivered = false;
        const failedGroup = groups[i] ?? [];
        reports.report('send-failed', toError(r.reason), failedGroup);
      });
      return oversized.length === 0 && unencodable.length === 0 && delivered;
    },

    stats(): AuditStats {
      const s = delegate.stats();
      return { ...s, failed: reports.addTo({ ...s.failed }) };
    },
  };
}

/** A shallow copy without request/response objects, annotated as truncated (upstream `truncate`). */
function truncate(event: AuditEvent): AuditEvent {
  const { requestObject: _req, responseObject: _res, ...rest } = event;
  return { ...rest, annotations: { ...(event.annotations ?? {}), [TRUNCATED_ANNOTATION]: 'true' } };
}

function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

function validate(
  options: TruncatingBackendOptions,
): Required<Omit<TruncatingBackendOptions, 'onError' | 'logger'>> {
  const opts: Required<Omit<TruncatingBackendOptions, 'onError' | 'logger'>> = { ...TRUNCATE_DEFAULTS };
  for (const key of ['maxEventSize', 'maxBatchSize'] as const) {
    const value = options[key];
    if (value !== undefined) opts[key] = positiveInteger(`${PLUGIN}.${key}`, value);
  }
  if (options.groupVersion !== undefined) {
    assertGroupVersion(options.groupVersion, `${PLUGIN}.groupVersion`);
    opts.groupVersion = options.groupVersion;
  }
  return opts;
}
