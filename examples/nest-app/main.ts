// A NestJS application whose requests are audited by rx-audit and shipped to `rx-audit serve`.
// Start the receiver with `npx rx-audit serve --out events.jsonl` (port 8080), then this app.
//
// In your app the imports are `from 'rx-audit'` and `from 'rx-audit/nest'`; this example imports the
// sources so that it type-checks and runs inside the rx-audit repository.
import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { AppModule } from './app.module.js';
import type { AppConfig } from './app.module.js';

/** Creates the application; `close()` drains the audit backend (the module's shutdown hook). */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), { logger: ['error', 'warn'] });
  // On SIGINT/SIGTERM Nest closes the server, then AuditModule drains the backend before exit.
  app.enableShutdownHooks();
  return app;
}

async function main(): Promise<void> {
  const app = await createApp({ webhookUrl: process.env['AUDIT_WEBHOOK_URL'] ?? 'http://127.0.0.1:8080/' });
  const port = Number(process.env['PORT'] ?? 3000);
  await app.listen(port);
  console.log(`Nest application listening on http://localhost:${port}`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  void main();
}
