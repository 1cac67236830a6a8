/**
 * What a request path says about the Kubernetes object it addresses, as the apiserver's
 * `RequestInfoFactory` reads it.
 */
export interface RequestInfo {
  /** `true` for `/api/v1/…` and `/apis/group/version/…` paths addressing a resource. */
  readonly resourceRequest: boolean;
  /** The Kubernetes verb for resource requests (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`), else the lower-cased method. */
  readonly verb: string;
  /**
   * The path without the query, percent-decoded and otherwise as sent (dot segments are not resolved), as the
   * apiserver's `req.URL.Path`: what the policy's `nonResourceURLs` are matched against.
   */
  readonly path: string;
  readonly apiPrefix: string;
  /** `''` for the core group. */
  readonly apiGroup: string;
  readonly apiVersion: string;
  /** `''` when cluster-scoped. */
  readonly namespace: string;
  readonly resource: string;
  readonly subresource: string;
  /** `''` for collections. */
  readonly name: string;
}

const METHOD_VERBS: Readonly<Record<string, string>> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
const TRUE_VALUES = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);

/**
 * Reads a request the way the apiserver does: `/api/v1/namespaces/ns/pods/name/log` is `get` of
 * `pods/log` named `name` in `ns`; a `GET` without a name is `list` (or `watch` with `?watch=true`),
 * a `DELETE` without one is `deletecollection`. Any other path is a non-resource request whose verb
 * is the lower-cased method.
 *
 * ## Example
 * ```ts
 * import { parseRequestInfo } from 'rx-audit/express';
 *
 * parseRequestInfo('GET', '/apis/apps/v1/namespaces/web/deployments?watch=true').verb; // 'watch'
 * ```
 *
 * @param method The HTTP method.
 * @param url The request URL (path and query).
 * @returns The request info.
 */
export function parseRequestInfo(method: string, url: string): RequestInfo {
  const { pathname, searchParams } = splitTarget(url);
  const info = {
    resourceRequest: false,
    verb: method.toLowerCase(),
    path: pathname,
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
  };
  let parts = pathname.replace(/^\/+|\/+$/g, '').split('/');
  if (parts.length < 3 || (parts[0] !== 'api' && parts[0] !== 'apis')) return info;
  const apiPrefix = parts[0];
  parts = parts.slice(1);
  let apiGroup = '';
  if (apiPrefix === 'apis') {
    if (parts.length < 3) return info;
    apiGroup = parts[0] ?? '';
    parts = parts.slice(1);
  }
  const apiVersion = parts[0] ?? '';
  parts = parts.slice(1);

  let verb = METHOD_VERBS[method.toUpperCase()] ?? method.toLowerCase();
  // The deprecated `/watch/…` and `/proxy/…` forms put the verb in the path.
  if (parts[0] === 'watch' || parts[0] === 'proxy') {
    if (parts.length < 2) return info;
    verb = parts[0];
    parts = parts.slice(1);
  }
  let namespace = '';
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1] ?? '';
    // `namespaces/ns/pods/…` addresses pods; `namespaces/ns` and `namespaces/ns/status` the namespace.
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2] ?? '')) parts = parts.slice(2);
  }
  const resource = parts[0] ?? '';
  let name = parts[1] ?? '';
  const subresource = parts.length >= 3 && verb !== 'proxy' ? (parts[2] ?? '') : '';

  if (name === '' && verb === 'get') {
    verb = TRUE_VALUES.has(searchParams.get('watch') ?? '') ? 'watch' : 'list';
    name = nameFromFieldSelector(searchParams.get('fieldSelector'));
  }
  if (name === '' && verb === 'delete') verb = 'deletecollection';

  return {
    resourceRequest: true,
    verb,
    path: pathname,
    apiPrefix,
    apiGroup,
    apiVersion,
    namespace,
    resource,
    subresource,
    name,
  };
}

/**
 * The verb of a resource request from its method, for objects named by `resolveObjectRef`:
 * like `parseRequestInfo` but with the name already known.
 */
export function resourceVerb(method: string, name: string, url: string): string {
  const verb = METHOD_VERBS[method.toUpperCase()] ?? method.toLowerCase();
  if (name === '' && verb === 'get') {
    const watch = splitTarget(url).searchParams.get('watch') ?? '';
    return TRUE_VALUES.has(watch) ? 'watch' : 'list';
  }
  if (name === '' && verb === 'delete') return 'deletecollection';
  return verb;
}

/**
 * A request target's path and query, read as Go's `url.ParseRequestURI` reads them for the apiserver: the path
 * percent-decoded (a malformed escape leaves it as sent) with its dot segments kept — a WHATWG `URL` would resolve
 * them, so that `/admin/../healthz` were matched as `/healthz` although the server routes it as sent, and it
 * throws on targets Node serves (`//[`). Never throws.
 */
function splitTarget(url: string): { pathname: string; searchParams: URLSearchParams } {
  let target = requestURIOf(url);
  const hash = target.indexOf('#');
  if (hash >= 0) target = target.slice(0, hash);
  const question = target.indexOf('?');
  const raw = question >= 0 ? target.slice(0, question) : target;
  let pathname = raw;
  try {
    pathname = decodeURIComponent(raw);
  } catch {
    // A malformed escape: the path as sent.
  }
  return {
    pathname: pathname === '' ? '/' : pathname,
    searchParams: new URLSearchParams(question >= 0 ? target.slice(question + 1) : ''),
  };
}

/**
 * A request target as the event's `requestURI`: its path and query, as Go's `URL.RequestURI()` gives it. The
 * absolute form (`http://user:password@host/path`) loses its scheme and authority, credentials included.
 */
export function requestURIOf(target: string): string {
  const origin = /^[a-z][a-z\d+.-]*:\/\/[^/?#]*/i.exec(target);
  if (origin === null) return target;
  const rest = target.slice(origin[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/** `fieldSelector=metadata.name=x` names one object, as in a `get` turned `list`. */
function nameFromFieldSelector(selector: string | null): string {
  for (const term of (selector ?? '').split(',')) {
    const match = /^\s*metadata\.name\s*==?\s*([^\s=!]+)\s*$/.exec(term);
    if (match?.[1] !== undefined && !['.', '..'].includes(match[1]) && !/[/%]/.test(match[1])) {
      return match[1];
    }
  }
  return '';
}
