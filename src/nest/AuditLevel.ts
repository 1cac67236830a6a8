import { SetMetadata } from '@nestjs/common';
import type { CustomDecorator } from '@nestjs/common';
import { Level } from '../events/Event.js';
import { AUDIT_LEVEL_METADATA } from './tokens.js';
import { showValue } from '../events/showValue.js';

/**
 * Overrides the audit policy's level for a route (on a method) or a whole controller (on the class);
 * a method's decorator wins over its class's. The policy's `omitStages` still apply.
 * `@AuditLevel('None')` turns auditing off for the route.
 *
 * ## Example
 * ```ts
 * import { Body, Controller, Post } from '@nestjs/common';
 * import { AuditLevel } from 'rx-audit/nest';
 *
 * @Controller('payments')
 * export class PaymentsController {
 *   @Post()
 *   @AuditLevel('RequestResponse')
 *   pay(@Body() body: unknown) { … }
 * }
 * ```
 *
 * @param level `None`, `Metadata`, `Request` or `RequestResponse`.
 * @returns The decorator.
 * @throws {TypeError} For any other level.
 */
export function AuditLevel(level: Level): CustomDecorator<string> {
  if (!Level.is(level)) {
    throw new TypeError(
      `@AuditLevel level must be one of None|Metadata|Request|RequestResponse, got ${showValue(level)}`,
    );
  }
  return SetMetadata(AUDIT_LEVEL_METADATA, level);
}
