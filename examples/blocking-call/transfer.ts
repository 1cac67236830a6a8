// A call site that must not proceed unless its audit record was delivered: blocking mode. Each
// `processEvents` call is one EventList POST, sent in call order, and the promise resolves after the
// response — `true` on 2xx, `false` otherwise (the failure is also reported on `errors$`). Run it with
// `node dist/run/examples/blocking-call/transfer.js`.
//
// In your code the imports are `from 'rx-audit'` and `from 'rx-audit/testing'`; this example imports the
// sources so that it type-checks and runs inside the rx-audit repository.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { AuditBackend, AuditEvent, AuditPluginError } from '../../src/index.js';
import { createWebhookBackend } from '../../src/index.js';
import { startReceiver } from '../../src/testing/index.js';

/** Thrown when the audit record of an operation could not be delivered, so the operation did not run. */
export class AuditNotRecordedError extends Error {
  override name = 'AuditNotRecordedError' as const;
}

/** A privileged operation: move `amount` between two accounts, by `user`. */
export interface Transfer {
  readonly user: string;
  readonly from: string;
  readonly to: string;
  readonly amount: number;
}

/**
 * Records the transfer (level Request, so the request body is in the record) and only then performs it.
 * Blocking mode keeps the order of calls, and `false` means "not recorded" — the operation is refused.
 */
export async function transfer(
  backend: AuditBackend,
  request: Transfer,
  perform: (t: Transfer) => void,
): Promise<void> {
  const now = new Date().toISOString().replace('Z', '000Z');
  const event: AuditEvent = {
    level: 'Request',
    auditID: randomUUID(),
    stage: 'RequestReceived',
    requestURI: `/apis/bank.example.com/v1/accounts/${request.from}/transfer`,
    verb: 'create',
    user: { username: request.user },
    objectRef: { resource: 'accounts', name: request.from, apiGroup: 'bank.example.com', apiVersion: 'v1' },
    requestObject: { to: request.to, amount: request.amount },
    requestReceivedTimestamp: now,
    stageTimestamp: now,
  };
  if (!(await backend.processEvents(event))) {
    throw new AuditNotRecordedError(`transfer by ${request.user} refused: audit record not delivered`);
  }
  perform(request);
}

/** Runs two transfers against a local webhook; the second one meets a webhook that answers 503. */
export async function runDemo(): Promise<{
  performed: Transfer[];
  refused: string[];
  reports: AuditPluginError[];
}> {
  const receiver = await startReceiver();
  const reports: AuditPluginError[] = [];
  const backend = createWebhookBackend({
    mode: 'blocking',
    target: { url: receiver.url },
    timeout: 5_000,
    retry: { attempts: 2, initialDelay: 100 }, // blocking mode makes one attempt unless told otherwise
    onError: (report) => reports.push(report),
  });
  backend.run();
  const performed: Transfer[] = [];
  const refused: string[] = [];
  const attempt = async (t: Transfer) => {
    try {
      await transfer(backend, t, (done) => performed.push(done));
    } catch (error) {
      if (!(error instanceof AuditNotRecordedError)) throw error;
      refused.push(error.message);
    }
  };
  await attempt({ user: 'alice', from: 'acc-1', to: 'acc-2', amount: 10 });
  receiver.failWith(503); // the audit webhook goes down
  await attempt({ user: 'mallory', from: 'acc-2', to: 'acc-9', amount: 1_000 });
  await backend.shutdown();
  await receiver.close();
  return { performed, refused, reports };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { performed, refused } = await runDemo();
  console.log('performed:', performed);
  console.log('refused:', refused);
}
