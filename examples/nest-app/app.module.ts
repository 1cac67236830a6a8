import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import type { Request } from 'express';
import { createWebhookBackend, loadPolicy } from '../../src/index.js';
import { AuditModule } from '../../src/nest/index.js';
import { HealthController } from './health.controller.js';
import { OrdersController } from './orders.controller.js';

const here = dirname(fileURLToPath(import.meta.url));
// Next to this file (vitest), or — compiled to dist/run/examples/nest-app/ — from the repository root.
const policyFile = [join(here, 'audit-policy.yaml'), resolve('examples/nest-app/audit-policy.yaml')].find(
  (file) => existsSync(file),
);

export interface AppConfig {
  /** The audit webhook, e.g. `rx-audit serve` on http://127.0.0.1:8080/. */
  readonly webhookUrl: string;
}

/** The application: two controllers, audited by `AuditModule` with a policy file. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AuditModule.forRoot({
          backend: createWebhookBackend({
            mode: 'batch',
            target: { url: config.webhookUrl },
            batch: { maxBatchWait: 5_000 },
          }),
          policy: loadPolicy(process.env['AUDIT_POLICY_FILE'] ?? policyFile ?? 'audit-policy.yaml'),
          // Guards run before the interceptor, so an auth guard's `req.user` is available here.
          resolveUser: (req: Request) => {
            const user = req.header('x-demo-user');
            return user === undefined ? undefined : { username: user, groups: ['system:authenticated'] };
          },
          shutdownTimeout: 10_000,
        }),
      ],
      controllers: [OrdersController, HealthController],
    };
  }
}
