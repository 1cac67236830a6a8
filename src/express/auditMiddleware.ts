import type { IncomingMessage } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { AuditRequestOptions } from './AuditRequestOptions.js';
import { resolveAuditRequestOptions } from './AuditRequestOptions.js';
import type { AuditedRequest } from './createRequestAuditor.js';
import { createRequestAuditor } from './createRequestAuditor.js';

/** Options of `auditMiddleware`: see `AuditRequestOptions` for each field. */
export type AuditMiddlewareOptions = AuditRequestOptions;

/** The request-auditing middleware, plus its companion error handler. */
export interface AuditMiddleware extends RequestHandler {
  /**
   * Error-handling middleware to mount after your routes (before your own error handlers): records the
   * `Panic` stage for an error a handler threw, then passes the error on. Errors with a 4xx `status` or
   * `statusCode` (http-errors style) are client errors, not panics: their response is recorded as
   * `ResponseComplete`.
   */
  readonly panicHandler: ErrorRequestHandler;
}

/** The response of a request refused by strict mode. */
export const STRICT_REFUSAL_MESSAGE = 'failed to store audit event';

/**
 * Express middleware that records each request as audit events, at the level the audit policy chooses:
 * `RequestReceived` when it arrives, `ResponseComplete` when the response is sent, `Panic` (with
 * `panicHandler`) when the handler throws. Events carry `auditID` (an incoming `Audit-ID` header is
 * honoured; the response always gets one), the Kubernetes verb for resource paths or the lower-cased
 * method, `requestURI`, `sourceIPs`, `userAgent`, `user`, `objectRef`, `responseStatus.code`,
 * microsecond timestamps, and — at `Request`/`RequestResponse` — the parsed request body (`req.body`),
 * and at `RequestResponse` the response body. Works with Express 5 and Angular SSR servers.
 *
 * ## Example
 * ```ts
 * import express from 'express';
 * import { createWebhookBackend, loadPolicy } from 'rx-audit';
 * import { auditMiddleware } from 'rx-audit/express';
 *
 * const backend = createWebhookBackend({ mode: 'batch', target: { url: 'http://127.0.0.1:8080/' } });
 * backend.run();
 * const audit = auditMiddleware({ backend, policy: loadPolicy('audit-policy.yaml') });
 * const app = express();
 * app.use(express.json(), audit);
 * app.get('/orders/:id', (req, res) => res.json({ id: req.params.id }));
 * app.use(audit.panicHandler);
 * ```
 *
 * @param options The backend, the policy and the optional hooks.
 * @returns The middleware, with `panicHandler` attached.
 * @throws {TypeError} On bad options, naming the field and value.
 * @throws {PolicyError} On a malformed policy.
 */
export function auditMiddleware(options: AuditMiddlewareOptions): AuditMiddleware {
  const auditor = createRequestAuditor(resolveAuditRequestOptions(options));
  const inFlight = new WeakMap<IncomingMessage, AuditedRequest>();

  const middleware: RequestHandler = (req, res, next) => {
    void auditor.begin(req, res).then((started) => {
      if (started === 'refused') {
        res.statusCode = 500;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end(STRICT_REFUSAL_MESSAGE);
        return;
      }
      if (started !== 'not-audited') inFlight.set(req, started);
      next();
    }, next);
  };
  const panicHandler: ErrorRequestHandler = (error, req, _res, next) => {
    if (!isClientError(error)) inFlight.get(req)?.panic();
    next(error);
  };
  return Object.assign(middleware, { panicHandler });
}

function isClientError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const code = typeof status === 'number' ? status : statusCode;
  return typeof code === 'number' && code >= 400 && code < 500;
}
