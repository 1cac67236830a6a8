// A service that audits its work in batch mode: every handled request becomes an audit event, the
// webhook backend batches them (size and time), retries failed POSTs with backoff, and on shutdown drains
// so that nothing accepted is lost. Run it with `node dist/run/examples/batch-service/service.js`.
//
// In your service the imports are `from 'rx-audit'` and `from 'rx-audit/testing'`; this example imports
// the sources so that it type-checks and runs inside the rx-audit repository.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Subject, concatMap, from, mergeMap, take, timer } from 'rxjs';
import type { AuditBackend, AuditEvent, AuditStats } from '../../src/index.js';
import { createWebhookBackend } from '../../src/index.js';
import { startReceiver } from '../../src/testing/index.js';

/** What the service does: a request by a user on a resource. */
export interface WorkItem {
  readonly user: string;
  readonly verb: 'get' | 'list' | 'create' | 'delete';
  readonly path: string;
  readonly status: number;
}

/** The audit event for one handled request (level Metadata: no bodies). */
export function toAuditEvent(item: WorkItem, now = new Date()): AuditEvent {
  const timestamp = now.toISOString().replace('Z', '000Z');
  return {
    level: 'Metadata',
    auditID: randomUUID(),
    stage: 'ResponseComplete',
    requestURI: item.path,
    verb: item.verb,
    user: { username: item.user, groups: ['system:authenticated'] },
    sourceIPs: ['10.0.0.7'],
    responseStatus: { metadata: {}, code: item.status },
    requestReceivedTimestamp: timestamp,
    stageTimestamp: timestamp,
  };
}

/**
 * Handles `requests` and audits each one through `backend`. Audit never slows the service down: in batch
 * mode `processEvents` only snapshots the event into the buffer; a `false` means the buffer was full and the
 * drop has been reported on `errors$` (one line on stderr by default).
 */
export function handleRequests(requests: Subject<WorkItem>, backend: AuditBackend): Promise<void> {
  return new Promise((resolve) => {
    requests.pipe(mergeMap((item) => from(backend.processEvents(toAuditEvent(item))))).subscribe({
      complete: resolve,
    });
  });
}

/** Runs the service against a local receiver for `count` requests, then shuts down and returns the counters. */
export async function runDemo(count = 1000): Promise<{ received: number; stats: AuditStats }> {
  const receiver = await startReceiver({ failRate: 0.1, seed: 7 }); // a webhook that fails 10% of POSTs
  const backend = createWebhookBackend({
    mode: 'batch',
    target: { url: receiver.url },
    batch: { maxBatchSize: 100, maxBatchWait: 1_000, bufferSize: 5_000 },
    retry: { initialDelay: 50 }, // the default is 10 s; a demo should not wait that long
  });
  backend.run();

  const requests = new Subject<WorkItem>();
  const handled = handleRequests(requests, backend);
  const users = ['alice', 'bob', 'system:serviceaccount:ci:deployer'];
  timer(0, 1)
    .pipe(
      take(count),
      concatMap(async (i) => ({
        user: users[i % users.length] as string,
        verb: (['get', 'list', 'create', 'delete'] as const)[i % 4] as WorkItem['verb'],
        path: `/api/v1/namespaces/shop/orders/${i}`,
        status: i % 17 === 0 ? 404 : 200,
      })),
    )
    .subscribe({ next: (item) => requests.next(item), complete: () => requests.complete() });
  await handled;

  // Shutdown drains: the partial batch goes out, in-flight POSTs (and their retries) finish; after 10 s
  // whatever is left would be aborted and reported as send-failed.
  await backend.shutdown({ timeout: 10_000 });
  const received = receiver.events.length;
  await receiver.close();
  return { received, stats: backend.stats() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { received, stats } = await runDemo();
  console.log(`receiver got ${received} events; backend stats: ${JSON.stringify(stats)}`);
}
