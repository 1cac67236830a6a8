import { Module } from '@nestjs/common';
import type { DynamicModule, Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { createRequestAuditor } from '../express/createRequestAuditor.js';
import { AuditInterceptor } from './AuditInterceptor.js';
import { AuditLifecycle } from './AuditLifecycle.js';
import { resolveAuditModuleOptions } from './AuditModuleOptions.js';
import type {
  AuditModuleAsyncOptions,
  AuditModuleOptions,
  ResolvedAuditModuleOptions,
} from './AuditModuleOptions.js';
import { AUDIT_BACKEND, AUDIT_MODULE_OPTIONS, AUDIT_REQUEST_AUDITOR } from './tokens.js';

/**
 * Audits a NestJS application's HTTP requests: registers `AuditInterceptor` globally, provides the
 * backend as `AUDIT_BACKEND`, calls `backend.run()` on module init and `backend.shutdown()` on
 * application shutdown — so `app.enableShutdownHooks()` drains the backend before the process exits.
 * The module is global: import it once, in the root module.
 *
 * ## Example
 * ```ts
 * import { Module } from '@nestjs/common';
 * import { createWebhookBackend, loadPolicy } from 'rx-audit';
 * import { AuditModule } from 'rx-audit/nest';
 *
 * @Module({
 *   imports: [
 *     AuditModule.forRoot({
 *       backend: createWebhookBackend({ mode: 'batch', target: { url: 'http://127.0.0.1:8080/' } }),
 *       policy: loadPolicy('audit-policy.yaml'),
 *     }),
 *   ],
 *   controllers: [OrdersController],
 * })
 * export class AppModule {}
 * ```
 */
@Module({})
export class AuditModule {
  /**
   * The module with options known up front.
   * @param options Backend, policy, hooks and `shutdownTimeout`.
   * @returns The dynamic module.
   * @throws {TypeError} On bad options, naming the field and value.
   * @throws {PolicyError} On a malformed policy.
   */
  static forRoot(options: AuditModuleOptions): DynamicModule {
    const resolved = resolveAuditModuleOptions(options);
    return AuditModule.create([{ provide: AUDIT_MODULE_OPTIONS, useValue: resolved }], []);
  }

  /**
   * The module with options built by a factory from other providers (e.g. `ConfigService`).
   * @param options `useFactory`, `inject` and `imports`.
   * @returns The dynamic module.
   */
  static forRootAsync(options: AuditModuleAsyncOptions): DynamicModule {
    return AuditModule.create(
      [
        {
          provide: AUDIT_MODULE_OPTIONS,
          useFactory: async (...args: unknown[]) =>
            resolveAuditModuleOptions(await options.useFactory(...args)),
          inject: options.inject ?? [],
        },
      ],
      options.imports ?? [],
    );
  }

  private static create(
    optionsProviders: Provider[],
    imports: NonNullable<DynamicModule['imports']>,
  ): DynamicModule {
    return {
      module: AuditModule,
      global: true,
      imports,
      providers: [
        ...optionsProviders,
        {
          provide: AUDIT_BACKEND,
          useFactory: (options: ResolvedAuditModuleOptions) => options.backend,
          inject: [AUDIT_MODULE_OPTIONS],
        },
        {
          provide: AUDIT_REQUEST_AUDITOR,
          useFactory: (options: ResolvedAuditModuleOptions) => createRequestAuditor(options),
          inject: [AUDIT_MODULE_OPTIONS],
        },
        AuditLifecycle,
        { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
      ],
      exports: [AUDIT_BACKEND, AUDIT_MODULE_OPTIONS],
    };
  }
}
