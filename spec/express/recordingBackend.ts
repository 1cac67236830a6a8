import { Subject } from 'rxjs';
import type { AuditBackend, AuditPluginError, DeliveryReport } from '../../src/contract/AuditBackend.js';
import type { AuditEvent } from '../../src/events/Event.js';

/** An in-memory backend for tests: records what it accepts; `accept` decides the answer. */
export interface RecordingBackend extends AuditBackend {
  readonly events: AuditEvent[];
  accept: (event: AuditEvent) => boolean | Promise<boolean>;
  runs: number;
  shutdowns: number;
}

export function recordingBackend(): RecordingBackend {
  const events: AuditEvent[] = [];
  const backend: RecordingBackend = {
    name: 'recording',
    events,
    runs: 0,
    shutdowns: 0,
    accept: () => true,
    run() {
      backend.runs += 1;
    },
    async processEvents(...batch: AuditEvent[]) {
      let all = true;
      for (const event of batch) {
        if (await backend.accept(event)) events.push(structuredClone(event));
        else all = false;
      }
      return all;
    },
    flush: () => Promise.resolve(),
    shutdown() {
      backend.shutdowns += 1;
      return Promise.resolve();
    },
    errors$: new Subject<AuditPluginError>(),
    deliveries$: new Subject<DeliveryReport>(),
    stats: () => ({
      accepted: events.length,
      delivered: events.length,
      failed: { 'queue-blocked': 0, 'shut-down': 0, 'send-failed': 0, 'too-large': 0, invalid: 0 },
      batches: 0,
      retries: 0,
      queued: 0,
      inFlight: 0,
    }),
  };
  return backend;
}
