import { HttpException, Inject, Injectable, InternalServerErrorException } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { catchError, defer, mergeMap, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Level } from '../events/Event.js';
import { STRICT_REFUSAL_MESSAGE } from '../express/auditMiddleware.js';
import type { RequestAuditor } from '../express/createRequestAuditor.js';
import {
  AUDIT_CONTROLLER_ANNOTATION,
  AUDIT_HANDLER_ANNOTATION,
  AUDIT_LEVEL_METADATA,
  AUDIT_REQUEST_AUDITOR,
} from './tokens.js';

/**
 * Records each HTTP request a Nest controller handles as audit events, like `auditMiddleware`:
 * `RequestReceived`, then `ResponseComplete` when the response is sent, or `Panic` when the handler
 * throws something other than an `HttpException`. Events are annotated with the controller and handler
 * names (`nestjs.rx-audit/controller`, `nestjs.rx-audit/handler`); `@AuditLevel` overrides the policy.
 * `AuditModule` registers it globally. In strict mode a refused `RequestReceived` fails the request with
 * `InternalServerErrorException('failed to store audit event')` before the handler runs.
 *
 * Interceptors run after middleware and guards, so requests those end (a guard's 403) are not recorded;
 * to record them too, use `auditMiddleware` from `rx-audit/express` in `main.ts` instead
 * (`app.use(auditMiddleware(…))`). Works on the Express platform (`@nestjs/platform-express`).
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  /** @internal Nest's injector constructs it (`AuditModule` provides the auditor); not for `new`. */
  constructor(
    @Inject(AUDIT_REQUEST_AUDITOR) private readonly auditor: RequestAuditor,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    if (typeof res?.setHeader !== 'function' || typeof res.once !== 'function') return next.handle();

    const level = this.reflector.getAllAndOverride<Level | undefined>(AUDIT_LEVEL_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    const annotations = {
      [AUDIT_CONTROLLER_ANNOTATION]: context.getClass().name,
      [AUDIT_HANDLER_ANNOTATION]: context.getHandler().name,
    };
    return defer(() => this.auditor.begin(req, res, { level, annotations })).pipe(
      mergeMap((started) => {
        if (started === 'refused') {
          return throwError(() => new InternalServerErrorException(STRICT_REFUSAL_MESSAGE));
        }
        if (started === 'not-audited') return next.handle();
        return next.handle().pipe(
          catchError((error: unknown) => {
            if (!isHttpException(error)) started.panic();
            return throwError(() => error);
          }),
        );
      }),
    );
  }
}

function isHttpException(error: unknown): boolean {
  return (
    error instanceof HttpException ||
    (typeof error === 'object' && error !== null && typeof (error as HttpException).getStatus === 'function')
  );
}
