// An Angular SSR server (the `server.ts` that `ng add @angular/ssr` generates is an Express app) with
// every request audited by rx-audit and shipped to a webhook — `rx-audit serve` on 127.0.0.1:8080 by default.
//
// In your app the imports are `from 'rx-audit'` and `from 'rx-audit/express'`; this example imports the
// sources so that it type-checks and runs inside the rx-audit repository.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { Request } from 'express';
import { createWebhookBackend, loadPolicy } from '../../src/index.js';
import type { AuditBackend } from '../../src/index.js';
import { auditMiddleware } from '../../src/express/index.js';

const here = dirname(fileURLToPath(import.meta.url));
// Next to this file (vitest), or — compiled to dist/run/examples/angular-ssr/ — from the repository root.
const policyFile = [join(here, 'audit-policy.yaml'), resolve('examples/angular-ssr/audit-policy.yaml')].find(
  (file) => existsSync(file),
);

export interface ServerOptions {
  /** The audit webhook. @default process.env.AUDIT_WEBHOOK_URL ?? 'http://127.0.0.1:8080/' */
  readonly webhookUrl?: string;
  /** The audit policy file. @default process.env.AUDIT_POLICY_FILE ?? this example's audit-policy.yaml */
  readonly policyFile?: string;
}

/** Builds the Express app, as Angular's `app()` does, with the audit middleware in front. */
export function app(options: ServerOptions = {}): { server: express.Express; backend: AuditBackend } {
  const backend = createWebhookBackend({
    mode: 'batch',
    target: { url: options.webhookUrl ?? process.env['AUDIT_WEBHOOK_URL'] ?? 'http://127.0.0.1:8080/' },
    batch: { maxBatchWait: 5_000 },
  });
  backend.run();
  const audit = auditMiddleware({
    backend,
    policy: loadPolicy(
      options.policyFile ?? process.env['AUDIT_POLICY_FILE'] ?? policyFile ?? 'audit-policy.yaml',
    ),
    // Behind your login: read the user your auth middleware (mounted before this one) put on the request.
    resolveUser: (req: Request) => {
      const user = req.header('x-demo-user');
      return user === undefined ? undefined : { username: user, groups: ['system:authenticated'] };
    },
  });

  const server = express();
  server.use(express.json(), audit);

  server.get('/healthz', (_req, res) => {
    res.send('ok');
  });
  const orders = new Map<string, { id: string; item: string }>();
  server.get('/api/orders', (_req, res) => {
    res.json([...orders.values()]);
  });
  server.post('/api/orders', (req, res) => {
    const order = { id: String(orders.size + 1), item: String((req.body as { item?: unknown }).item) };
    orders.set(order.id, order);
    res.status(201).json(order);
  });

  // Angular's static files: server.use(express.static(browserDistFolder, { maxAge: '1y', index: false }));
  // Angular's renderer goes last. With @angular/ssr 19+:
  //   const angularApp = new AngularNodeAppEngine();
  //   server.use((req, res, next) =>
  //     angularApp.handle(req).then((r) => (r ? writeResponseToNodeResponse(r, res) : next())).catch(next));
  // With CommonEngine (Angular 17/18): commonEngine.render({ bootstrap, documentFilePath, url, … }).
  server.use((req, res) => {
    res.type('html').send(`<!doctype html><app-root>rendered ${req.path}</app-root>`);
  });

  // After the routes: errors thrown by handlers (or passed to next) become `Panic` events.
  server.use(audit.panicHandler);
  return { server, backend };
}

function run(): void {
  const port = Number(process.env['PORT'] ?? 4000);
  const { server, backend } = app();
  const listener = server.listen(port, () => {
    console.log(`Node Express server listening on http://localhost:${port}`);
  });
  // Drain the audit backend before exiting, so the last requests' events are not lost.
  const stop = () => {
    listener.close(() => {
      void backend.shutdown({ timeout: 10_000 }).then(() => process.exit(0));
    });
    listener.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  run();
}
