import type { Request } from 'express';
import type { AuditBackend } from '../contract/AuditBackend.js';
import { isAuditBackend } from '../contract/AuditBackend.js';
import type { ObjectReference, UserInfo } from '../events/Event.js';
import type { Policy } from '../policy/Policy.js';
import { decodePolicy } from '../policy/decodePolicy.js';
import { showValue } from '../events/showValue.js';
import { fail, optionalFunction } from '../util/validateOptions.js';

/**
 * How HTTP requests become audit events; shared by `auditMiddleware` (`rx-audit/express`) and
 * `AuditModule` (`rx-audit/nest`).
 */
export interface AuditRequestOptions {
  /** Where the events go: any `AuditBackend` (webhook, buffered, union, …). Call its `run()` yourself for Express; `AuditModule` does it for Nest. */
  readonly backend: AuditBackend;
  /** Which requests are audited and at what level (see `loadPolicy`). It is validated once, up front. */
  readonly policy: Policy;
  /**
   * The user who made the request, e.g. from `req.user` set by your authentication middleware
   * (mount the audit middleware after it). May be async; a rejection fails the request.
   * @default () => ({ username: 'system:anonymous', groups: ['system:unauthenticated'] })
   */
  readonly resolveUser?: ((req: Request) => UserInfo | undefined | Promise<UserInfo | undefined>) | undefined;
  /**
   * The object the request is about. Return one with a `resource` to audit a non-Kubernetes route as a
   * resource request (policy `resources`/`namespaces` rules then apply, and the verb becomes
   * `get`/`list`/`create`/`update`/`patch`/`delete`); return `undefined` to keep what the URL says.
   * @default Kubernetes-style paths (`/api/v1/namespaces/ns/pods/name`, `/apis/group/version/…`) are parsed; others have none
   */
  readonly resolveObjectRef?: ((req: Request) => ObjectReference | undefined) | undefined;
  /**
   * The apiserver's blocking-strict mode: wait for the `RequestReceived` event to be stored and, if the
   * backend refuses it, fail the request with 500 `failed to store audit event` without running the handler.
   * @default false
   */
  readonly strict?: boolean | undefined;
  /**
   * The largest request or response body (bytes) recorded as `requestObject` (level `Request` and above) or
   * `responseObject` (level `RequestResponse`); a larger one is left out of the event. A request body is
   * measured by `Content-Length`, else as JSON. `0` never records bodies.
   * @default 1048576
   */
  readonly maxBodyBytes?: number | undefined;
}

/**
 * The user of a request when `resolveUser` gives none, as the apiserver records anonymous requests. Frozen:
 * each request's events get a copy of their own, so changing one event's user changes no other request's.
 */
export const ANONYMOUS_USER: { readonly username: string; readonly groups: readonly string[] } =
  Object.freeze({
    username: 'system:anonymous',
    groups: Object.freeze(['system:unauthenticated']),
  });

/** A fresh copy of {@link ANONYMOUS_USER} for one request's events. */
export function anonymousUser(): UserInfo {
  return { username: ANONYMOUS_USER.username, groups: [...ANONYMOUS_USER.groups] };
}

/** Defaults for the optional fields of `AuditRequestOptions`. */
export const AUDIT_REQUEST_DEFAULTS: {
  readonly [K in 'resolveUser' | 'resolveObjectRef' | 'strict' | 'maxBodyBytes']-?: NonNullable<
    AuditRequestOptions[K]
  >;
} = Object.freeze({
  resolveUser: anonymousUser,
  resolveObjectRef: () => undefined,
  strict: false,
  maxBodyBytes: 1_048_576,
});

/** `AuditRequestOptions` with defaults applied and every field checked. */
export interface ResolvedAuditRequestOptions {
  readonly backend: AuditBackend;
  readonly policy: Policy;
  readonly resolveUser: (req: Request) => UserInfo | undefined | Promise<UserInfo | undefined>;
  readonly resolveObjectRef: (req: Request) => ObjectReference | undefined;
  readonly strict: boolean;
  readonly maxBodyBytes: number;
}

/**
 * Applies defaults and validates, naming the field and the bad value.
 * @throws {TypeError} e.g. `maxBodyBytes must be a non-negative integer, got -1`.
 * @throws {PolicyError} When the policy is malformed.
 */
export function resolveAuditRequestOptions(options: AuditRequestOptions): ResolvedAuditRequestOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`audit options must be an object, got ${showValue(options)}`);
  }
  const { backend } = options;
  if (!isAuditBackend(backend)) {
    throw new TypeError(`backend must be an AuditBackend, got ${showValue(backend)}`);
  }
  optionalFunction('resolveUser', options.resolveUser);
  optionalFunction('resolveObjectRef', options.resolveObjectRef);
  const strict = options.strict ?? AUDIT_REQUEST_DEFAULTS.strict;
  if (typeof strict !== 'boolean') fail('strict', 'a boolean', strict);
  const maxBodyBytes = options.maxBodyBytes ?? AUDIT_REQUEST_DEFAULTS.maxBodyBytes;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 0) {
    fail('maxBodyBytes', 'a non-negative integer', maxBodyBytes);
  }
  return {
    backend,
    policy: decodePolicy(options.policy),
    resolveUser: options.resolveUser ?? AUDIT_REQUEST_DEFAULTS.resolveUser,
    resolveObjectRef: options.resolveObjectRef ?? AUDIT_REQUEST_DEFAULTS.resolveObjectRef,
    strict,
    maxBodyBytes,
  };
}
