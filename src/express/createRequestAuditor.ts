import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { AuditEvent, Level, ObjectReference, Stage, UserInfo } from '../events/Event.js';
import { evaluatePolicy } from '../policy/evaluatePolicy.js';
import type { PolicyAttributes } from '../policy/evaluatePolicy.js';
import { anonymousUser } from './AuditRequestOptions.js';
import type { ResolvedAuditRequestOptions } from './AuditRequestOptions.js';
import { microTimestamp } from './microTimestamp.js';
import { parseRequestInfo, requestURIOf, resourceVerb } from './parseRequestInfo.js';
import { sourceIPs } from './sourceIPs.js';
import { routeFailure } from '../util/routeFailure.js';

/** Per-request choices made by the framework glue (the Nest interceptor). */
export interface AuditOverrides {
  /** Replaces the level the policy chose (`@AuditLevel`). */
  readonly level?: Level | undefined;
  /** Added to every event of the request. */
  readonly annotations?: Readonly<Record<string, string>> | undefined;
}

/** A request being audited. */
export interface AuditedRequest {
  readonly auditID: string;
  readonly level: Level;
  /** Records the `Panic` stage (once); `ResponseComplete` is then not emitted. */
  panic(): void;
}

/** The outcome of `begin`: audited, not audited (level `None`), or refused by strict mode. */
export type AuditStart = AuditedRequest | 'not-audited' | 'refused';

/** Records HTTP requests as audit events; the engine behind `auditMiddleware` and `AuditInterceptor`. */
export interface RequestAuditor {
  /**
   * Sets `Audit-ID`, evaluates the policy, emits `RequestReceived` (awaited in strict mode) and
   * arranges `ResponseComplete` for when the response finishes.
   */
  begin(req: Request, res: Response, overrides?: AuditOverrides): Promise<AuditStart>;
}

/** The HTTP header carrying the audit ID, both ways. */
export const AUDIT_ID_HEADER = 'Audit-ID';

/**
 * Creates the request recorder for resolved options.
 * @param options Options checked by `resolveAuditRequestOptions`.
 * @returns The recorder.
 */
export function createRequestAuditor(options: ResolvedAuditRequestOptions): RequestAuditor {
  // A backend reports its own failures; one that throws or rejects breaks that contract, and its event would be
  // lost without a word: it is reported here, as one stderr line (the request goes on).
  const report = routeFailure(undefined);
  const store = (event: AuditEvent): Promise<boolean> =>
    Promise.resolve()
      .then(() => options.backend.processEvents(event))
      .then(
        (accepted) => accepted,
        (cause: unknown) => {
          const { name } = options.backend;
          const error = new Error(`${name}.processEvents rejected (an AuditBackend resolves false instead)`, {
            cause,
          });
          report({ plugin: name, reason: 'send-failed', error, events: [event] });
          return false;
        },
      );

  async function begin(req: Request, res: Response, overrides: AuditOverrides = {}): Promise<AuditStart> {
    const received = microTimestamp();
    const incoming = req.headers[AUDIT_ID_HEADER.toLowerCase()];
    const auditID = (Array.isArray(incoming) ? incoming[0] : incoming)?.trim() || randomUUID();
    res.setHeader(AUDIT_ID_HEADER, auditID);

    const user: UserInfo = (await options.resolveUser(req)) ?? anonymousUser();
    const method = req.method ?? 'GET';
    const requestURI = requestURIOf(req.originalUrl || req.url || '/');
    const info = parseRequestInfo(method, requestURI);
    const named = options.resolveObjectRef(req);

    let verb = info.verb;
    let objectRef: ObjectReference | undefined = named;
    let attributes: PolicyAttributes = { user, verb, path: info.path, resourceRequest: false };
    if (named?.resource) {
      verb = resourceVerb(method, named.name ?? '', requestURI);
      attributes = {
        user,
        verb,
        path: info.path,
        resourceRequest: true,
        apiGroup: named.apiGroup ?? '',
        namespace: named.namespace ?? '',
        resource: named.resource,
        subresource: named.subresource ?? '',
        name: named.name ?? '',
      };
    } else if (info.resourceRequest) {
      attributes = { ...info, user };
      objectRef = compact({
        resource: info.resource,
        namespace: info.namespace,
        name: info.name,
        apiGroup: info.apiGroup,
        apiVersion: info.apiVersion,
        subresource: info.subresource,
      });
    }

    const decision = evaluatePolicy(options.policy, attributes);
    const level = overrides.level ?? decision.level;
    if (level === 'None') return 'not-audited';
    // Before the handler runs; a client gone while the user was resolved is seen (`res.destroyed`) too.
    const ending = watchEnd(res);
    const omitted = new Set<Stage>(decision.omitStages);
    const userAgent = truncateUserAgent(req.headers['user-agent']);
    const annotations = overrides.annotations;

    const base: AuditEvent = {
      level,
      auditID,
      stage: 'RequestReceived',
      requestURI,
      verb,
      user,
      sourceIPs: sourceIPs(req),
      ...(userAgent === undefined ? {} : { userAgent }),
      ...(objectRef === undefined ? {} : { objectRef }),
      requestReceivedTimestamp: received,
      stageTimestamp: received,
      ...(annotations === undefined || Object.keys(annotations).length === 0
        ? {}
        : { annotations: { ...annotations } }),
    };

    if (!omitted.has('RequestReceived')) {
      const stored = store({ ...base, stageTimestamp: microTimestamp() });
      if (options.strict && !(await stored)) return 'refused';
    }

    const withRequest = level === 'Request' || level === 'RequestResponse';
    const requestObject = (): Partial<AuditEvent> => {
      const body: unknown = req.body;
      if (!withRequest || body === undefined || Buffer.isBuffer(body)) return {};
      if (!fitsBodyBytes(req, body, options.maxBodyBytes)) return {};
      return { requestObject: decision.omitManagedFields ? withoutManagedFields(body) : body };
    };
    const captured =
      level === 'RequestResponse' && options.maxBodyBytes > 0
        ? captureBody(res, options.maxBodyBytes)
        : undefined;

    let finished = false;
    let panicked = false;
    const complete = () => {
      if (finished) return;
      finished = true;
      if (panicked || omitted.has('ResponseComplete')) return;
      const response = captured?.();
      // As the apiserver: the code the handler set; none written and none set is "Connection closed early".
      const early = !res.headersSent && !ending.handlerEnded && res.statusCode === 200;
      void store({
        ...base,
        stage: 'ResponseComplete',
        stageTimestamp: microTimestamp(),
        responseStatus: early
          ? { metadata: {}, status: 'Success', message: 'Connection closed early', code: 200 }
          : { metadata: {}, code: res.statusCode },
        ...requestObject(),
        ...(response === undefined
          ? {}
          : { responseObject: decision.omitManagedFields ? withoutManagedFields(response) : response }),
      });
    };
    ending.then(complete);

    return {
      auditID,
      level,
      panic() {
        if (finished || panicked) return;
        panicked = true;
        ending.cancel();
        if (omitted.has('Panic')) return;
        void store({
          ...base,
          stage: 'Panic',
          stageTimestamp: microTimestamp(),
          responseStatus: {
            metadata: {},
            status: 'Failure',
            reason: 'InternalError',
            message: 'Internal Server Error',
            code: 500,
          },
          ...requestObject(),
        });
      },
    };
  }

  return { begin };
}

/**
 * When a response has ended for the audit: it finished, or — the client gone first — the handler ended it
 * anyway (the apiserver records `ResponseComplete` when the handler returns, with the code it wrote, and a
 * panic after a disconnect as `Panic`), or it did not within {@link ABORTED_WAIT_MS}.
 */
function watchEnd(res: Response) {
  let done: (() => void) | undefined;
  let ended = false;
  let timer: NodeJS.Timeout | undefined;
  const state = {
    handlerEnded: false,
    /** Calls `callback` once the response has ended (at once if it has). */
    then(callback: () => void) {
      done = callback;
      if (ended) callback();
      else if (res.destroyed && !res.writableFinished) aborted();
    },
    /** No `ResponseComplete` is wanted any more (a panic was recorded). */
    cancel() {
      clearTimeout(timer);
      done = undefined;
    },
  };
  const end = () => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    done?.();
  };
  const aborted = () => {
    if (timer === undefined && !ended) timer = setTimeout(end, ABORTED_WAIT_MS).unref();
  };
  const handlerEnd = res.end;
  res.end = function (this: Response, ...args: unknown[]) {
    state.handlerEnded = true;
    const result = (handlerEnd as (...a: unknown[]) => Response).apply(this, args);
    if (res.destroyed) end(); // on a closed connection `finish` never comes
    return result;
  } as Response['end'];
  res.once('finish', end);
  res.once('close', () => {
    if (res.writableFinished) end();
    else if (done !== undefined) aborted();
  });
  return state;
}

/** How long a response whose client went away waits for its handler to end it before it is recorded. */
const ABORTED_WAIT_MS = 30_000;

/** The apiserver's `maybeTruncateUserAgent`: 1 024 characters, then `...TRUNCATED`. */
function truncateUserAgent(agent: string | undefined): string | undefined {
  return agent !== undefined && agent.length > 1024 ? `${agent.slice(0, 1024)}...TRUNCATED` : agent;
}

/** Whether a parsed request body is at most `maxBytes`: by `Content-Length` when sent, else as JSON. */
function fitsBodyBytes(req: Request, body: unknown, maxBytes: number): boolean {
  const length = Number(req.headers['content-length']);
  if (req.headers['content-length'] !== undefined && Number.isSafeInteger(length)) return length <= maxBytes;
  try {
    const json = JSON.stringify(body);
    return json === undefined || Buffer.byteLength(json) <= maxBytes;
  } catch {
    return false; // not serializable: it could not be stored anyway
  }
}

function compact(ref: Record<string, string>): ObjectReference {
  return Object.fromEntries(Object.entries(ref).filter(([, value]) => value !== '')) as ObjectReference;
}

/**
 * Wraps `res.write`/`res.end` to keep a copy of the body; returns a reader that decodes it
 * (JSON, or text for `text/*`) or gives `undefined` (too large, compressed, binary, empty).
 */
function captureBody(res: Response, maxBytes: number): () => unknown {
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  const keep = (chunk: unknown, encoding: unknown) => {
    if (overflow || chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const buffer =
      typeof chunk === 'string'
        ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
        : chunk instanceof Uint8Array
          ? Buffer.from(chunk)
          : undefined;
    if (buffer === undefined) return;
    size += buffer.length;
    if (size > maxBytes) {
      overflow = true;
      chunks.length = 0;
    } else {
      chunks.push(buffer);
    }
  };
  const write = res.write;
  const end = res.end;
  res.write = function (this: Response, ...args: unknown[]) {
    keep(args[0], args[1]);
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Response['write'];
  res.end = function (this: Response, ...args: unknown[]) {
    keep(args[0], args[1]);
    return (end as (...a: unknown[]) => Response).apply(this, args);
  } as Response['end'];

  return () => {
    if (overflow || size === 0) return undefined;
    if (res.getHeader('content-encoding') !== undefined) return undefined;
    const type = String(res.getHeader('content-type') ?? '').toLowerCase();
    const text = Buffer.concat(chunks).toString('utf8');
    if (/[/+]json\b/.test(type)) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    }
    return type.startsWith('text/') ? text : undefined;
  };
}

/** A copy without `metadata.managedFields` (also in list `items`), for `omitManagedFields`. */
function withoutManagedFields(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const object = { ...(value as Record<string, unknown>) };
  const metadata = object['metadata'];
  if (typeof metadata === 'object' && metadata !== null && 'managedFields' in metadata) {
    const { managedFields: _dropped, ...rest } = metadata as Record<string, unknown>;
    object['metadata'] = rest;
  }
  if (Array.isArray(object['items'])) object['items'] = object['items'].map(withoutManagedFields);
  return object;
}
