import type { StreamConfig } from '@nats-io/jetstream';
import { jetstreamManager } from '@nats-io/jetstream';
import { fail, positiveInteger } from '../util/validateOptions.js';
import type { NatsConnectionOptions } from './NatsConnectionOptions.js';
import { connectNats, nanos, resolveConnectionOptions } from './NatsConnectionOptions.js';
import { errorMessage } from '../util/toError.js';

/** Options for {@link ensureAuditStream}. */
export interface EnsureAuditStreamOptions extends NatsConnectionOptions {
  /** Stream name. @default 'AUDIT' */
  stream?: string;
  /** Subjects the stream stores (wildcards allowed). @default ['audit.>'] */
  subjects?: readonly string[];
  /** Copies kept in a cluster: 1, 3 or 5 (an odd number up to the cluster size). @default 1 */
  replicas?: number;
  /** Bytes kept at most; the oldest messages go first. @default unlimited */
  maxBytes?: number;
  /** Milliseconds a message is kept at most. @default unlimited */
  maxAgeMs?: number;
  /**
   * Milliseconds within which a repeated `Nats-Msg-Id` is dropped. Must cover the sender's whole retry
   * schedule (with the backend's defaults about 2 minutes), so that a retried batch is stored once.
   * @default 120000
   */
  duplicateWindowMs?: number;
}

/** The defaults of {@link ensureAuditStream}. */
export const AUDIT_STREAM_DEFAULTS = Object.freeze({
  stream: 'AUDIT',
  subjects: Object.freeze(['audit.>'] as const),
  replicas: 1,
  duplicateWindowMs: 120_000,
} as const satisfies Omit<
  Required<EnsureAuditStreamOptions>,
  keyof NatsConnectionOptions | 'maxBytes' | 'maxAgeMs'
>);

const NAME = /^[^\s.*>/\\]{1,255}$/;
const SUBJECT = /^[^\s]{1,255}$/;

function streamConfig(options: EnsureAuditStreamOptions): Partial<StreamConfig> & { name: string } {
  const name = options.stream ?? AUDIT_STREAM_DEFAULTS.stream;
  if (typeof name !== 'string' || !NAME.test(name)) {
    fail('stream', 'a stream name (no spaces, ".", "*", ">", "/" or "\\")', name);
  }
  const subjects = options.subjects ?? AUDIT_STREAM_DEFAULTS.subjects;
  if (!Array.isArray(subjects) || subjects.length === 0 || subjects.length > 256) {
    fail('subjects', 'a list of 1 to 256 subjects', subjects);
  }
  subjects.forEach((subject: unknown, i) => {
    if (typeof subject !== 'string' || !SUBJECT.test(subject)) {
      fail(`subjects.${i}`, 'a subject without spaces', subject);
    }
  });
  const replicas = positiveInteger('replicas', options.replicas ?? AUDIT_STREAM_DEFAULTS.replicas);
  if (replicas > 5) fail('replicas', 'at most 5', replicas);
  const duplicateWindowMs = positiveInteger(
    'duplicateWindowMs',
    options.duplicateWindowMs ?? AUDIT_STREAM_DEFAULTS.duplicateWindowMs,
  );
  const maxBytes = options.maxBytes === undefined ? -1 : positiveInteger('maxBytes', options.maxBytes);
  const maxAgeMs = options.maxAgeMs === undefined ? 0 : positiveInteger('maxAgeMs', options.maxAgeMs);
  if (maxAgeMs !== 0 && duplicateWindowMs > maxAgeMs) {
    throw new TypeError(`duplicateWindowMs must not exceed maxAgeMs, got ${duplicateWindowMs} > ${maxAgeMs}`);
  }
  return {
    name,
    subjects: [...subjects],
    num_replicas: replicas,
    max_bytes: maxBytes,
    max_age: nanos(maxAgeMs),
    duplicate_window: nanos(duplicateWindowMs),
  };
}

/**
 * Creates the audit stream, or updates an existing one to these settings (other settings of an existing
 * stream are kept). Safe to call from every process at start-up.
 *
 * ## Example
 * ```ts
 * import { ensureAuditStream } from 'rx-audit/nats';
 * await ensureAuditStream({ servers: 'nats://127.0.0.1:4222', replicas: 3 });
 * ```
 *
 * @param options Connection and stream settings; see {@link EnsureAuditStreamOptions}.
 * @returns Resolves when the stream has these settings.
 */
export async function ensureAuditStream(options: EnsureAuditStreamOptions): Promise<void> {
  resolveConnectionOptions(options);
  const config = streamConfig(options);
  const nc = await connectNats(options);
  try {
    const jsm = await jetstreamManager(nc);
    let existing: StreamConfig | undefined;
    try {
      existing = (await jsm.streams.info(config.name)).config;
    } catch (error) {
      if (!(error instanceof Error && error.name === 'StreamNotFoundError')) throw error;
    }
    if (existing === undefined) await jsm.streams.add(config);
    else await jsm.streams.update(config.name, { ...existing, ...config });
  } catch (error) {
    const reason = errorMessage(error);
    throw new Error(`cannot create or update JetStream stream "${config.name}": ${reason}`, { cause: error });
  } finally {
    await nc.close();
  }
}
