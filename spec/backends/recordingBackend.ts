// A small in-spec AuditBackend that records what it is given (upstream's `fake.Backend`).
import { Subject } from 'rxjs';
import { emptyStats } from '../../src/contract/AuditBackend.js';
import type { AuditBackend, AuditPluginError, DeliveryReport } from '../../src/contract/AuditBackend.js';
import type { AuditEvent } from '../../src/events/Event.js';

export interface RecordingBackend extends AuditBackend {
  readonly calls: AuditEvent[][];
  readonly runs: number;
  readonly flushes: number;
  readonly shutdowns: number;
  readonly errorsSubject: Subject<AuditPluginError>;
  readonly deliveriesSubject: Subject<DeliveryReport>;
  /** What `processEvents` resolves (or a function deciding per call). */
  result: boolean | ((events: AuditEvent[]) => boolean | Promise<boolean>);
  /** When set, `run`/`flush`/`shutdown` throw or reject with it. */
  failWith?: Error;
}

export function recordingBackend(name = 'fake'): RecordingBackend {
  const calls: AuditEvent[][] = [];
  const stats = emptyStats();
  const counts = { runs: 0, flushes: 0, shutdowns: 0 };
  const errorsSubject = new Subject<AuditPluginError>();
  const deliveriesSubject = new Subject<DeliveryReport>();
  const backend: RecordingBackend = {
    name,
    calls,
    get runs() {
      return counts.runs;
    },
    get flushes() {
      return counts.flushes;
    },
    get shutdowns() {
      return counts.shutdowns;
    },
    errorsSubject,
    deliveriesSubject,
    errors$: errorsSubject.asObservable(),
    deliveries$: deliveriesSubject.asObservable(),
    result: true,
    run() {
      counts.runs++;
      if (backend.failWith) throw backend.failWith;
    },
    async processEvents(...events) {
      calls.push(events);
      stats.accepted += events.length;
      stats.delivered += events.length;
      stats.batches += 1;
      const r = backend.result;
      return typeof r === 'function' ? r(events) : r;
    },
    async flush() {
      counts.flushes++;
      if (backend.failWith) throw backend.failWith;
    },
    async shutdown() {
      counts.shutdowns++;
      if (backend.failWith) throw backend.failWith;
    },
    stats: () => structuredClone(stats),
  };
  return backend;
}

/** A minimal valid v1 event. */
export function event(auditID: string, extra: Partial<AuditEvent> = {}): AuditEvent {
  return {
    level: 'Metadata',
    auditID,
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/pods',
    verb: 'list',
    ...extra,
  };
}
