import { Controller, Get } from '@nestjs/common';
import { AuditLevel } from '../../src/nest/index.js';

/** Liveness probe: called every few seconds, never audited. */
@Controller('healthz')
@AuditLevel('None')
export class HealthController {
  @Get()
  check(): { status: string } {
    return { status: 'ok' };
  }
}
