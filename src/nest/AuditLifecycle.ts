import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { ResolvedAuditModuleOptions } from './AuditModuleOptions.js';
import { AUDIT_MODULE_OPTIONS } from './tokens.js';

/**
 * Starts the backend when the module initialises and drains it when the application shuts down
 * (`app.close()`, or a signal with `app.enableShutdownHooks()`); Nest closes the HTTP server first,
 * so the events of the last requests are included.
 */
@Injectable()
export class AuditLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(AUDIT_MODULE_OPTIONS) private readonly options: ResolvedAuditModuleOptions) {}

  onModuleInit(): void {
    this.options.backend.run();
  }

  async onApplicationShutdown(): Promise<void> {
    const { backend, shutdownTimeout } = this.options;
    await (shutdownTimeout === undefined
      ? backend.shutdown()
      : backend.shutdown({ timeout: shutdownTimeout }));
  }
}
