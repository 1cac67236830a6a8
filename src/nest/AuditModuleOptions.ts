import type { ModuleMetadata } from '@nestjs/common';
import type { AuditRequestOptions, ResolvedAuditRequestOptions } from '../express/AuditRequestOptions.js';
import { resolveAuditRequestOptions } from '../express/AuditRequestOptions.js';
import { resolveShutdownTimeout } from '../util/validateOptions.js';

/**
 * Options of `AuditModule.forRoot`: how requests become audit events (see `AuditRequestOptions`:
 * `backend`, `policy`, `resolveUser`, `resolveObjectRef`, `strict`, `maxBodyBytes`) plus the lifecycle.
 * The module calls `backend.run()` on init and `backend.shutdown()` on application shutdown.
 */
export interface AuditModuleOptions extends AuditRequestOptions {
  /**
   * The `timeout` passed to `backend.shutdown()` when the application shuts down: how long to wait for
   * undelivered events before they are reported as `send-failed`.
   * @default undefined (wait until everything is delivered or reported)
   */
  readonly shutdownTimeout?: number | undefined;
}

/** Options of `AuditModule.forRootAsync`: a factory for `AuditModuleOptions` and what it needs. */
export interface AuditModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Builds the options; its arguments are the providers listed in `inject`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Nest factories take whatever `inject` lists.
  readonly useFactory: (...args: any[]) => AuditModuleOptions | Promise<AuditModuleOptions>;
  /** Providers passed to `useFactory`, e.g. `[ConfigService]`. @default [] */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Nest injection tokens are untyped.
  readonly inject?: any[] | undefined;
}

/** `AuditModuleOptions` with defaults applied and every field checked. */
export interface ResolvedAuditModuleOptions extends ResolvedAuditRequestOptions {
  readonly shutdownTimeout: number | undefined;
}

/**
 * Applies defaults and validates, naming the field and the bad value.
 * @throws {TypeError} e.g. `shutdownTimeout must be a non-negative number of milliseconds, got -1` (the check
 * of every backend's `shutdown({ timeout })`).
 */
export function resolveAuditModuleOptions(options: AuditModuleOptions): ResolvedAuditModuleOptions {
  const resolved = resolveAuditRequestOptions(options);
  return { ...resolved, shutdownTimeout: resolveShutdownTimeout(options.shutdownTimeout, 'shutdownTimeout') };
}
