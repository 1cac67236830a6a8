import { dirname, isAbsolute, resolve } from 'node:path';
import { MAX_SHOWN_STRING, showValue } from '../events/showValue.js';
import { escapeAndCut, unicodeEscape } from '../events/escapeAndCut.js';
import { parseUntrustedYaml } from '../util/parseUntrustedYaml.js';
import { fsReason, readBoundedFile } from '../util/readBoundedFile.js';
import type { YamlPathSegment } from '../util/parseUntrustedYaml.js';
import { reportErrors } from '../events/reportErrors.js';
import { Kubeconfig, KubeconfigCluster, KubeconfigContext, KubeconfigUser } from './Kubeconfig.js';
import { KubeconfigError } from './KubeconfigError.js';
import type { WebhookTarget } from '../contract/WebhookTarget.js';
import { targetProblems } from './validateWebhookTarget.js';
import type { TargetFieldNames } from './validateWebhookTarget.js';

/**
 * Reads an audit webhook kubeconfig (YAML or JSON) the way the apiserver's
 * `--audit-webhook-config-file` does, and flattens the chosen cluster and user into a
 * {@link WebhookTarget}.
 *
 * - The cluster and user come from `current-context`; when it is empty, from the *unnamed*
 *   context, cluster and user (entries without a `name`), as client-go does.
 * - `server` is the URL, used as-is (path and query included).
 * - `certificate-authority`, `client-certificate`, `client-key` and `tokenFile` are files; relative
 *   paths resolve against the kubeconfig's folder. The `-data` variants hold base64 PEM.
 * - `insecure-skip-tls-verify`, `tls-server-name`, `token`, `username`/`password` are read as-is.
 *
 * It is synchronous, so a bad file fails `createWebhookBackend` at construction. Every problem
 * is reported at once in a {@link KubeconfigError} naming the file and the field — never a secret
 * value or a snippet of the file.
 *
 * ## Example
 *
 * ```ts
 * import { createWebhookBackend, loadWebhookTarget } from 'rx-audit';
 *
 * const target = loadWebhookTarget('/etc/kubernetes/audit-webhook.kubeconfig');
 * const backend = createWebhookBackend({ mode: 'batch', target });
 * ```
 *
 * @param path The kubeconfig file (relative to the working directory, or absolute).
 * @returns The target: URL, TLS material (PEM `Buffer`s) and credentials.
 * @throws {KubeconfigError} when the file is missing, unparsable or invalid.
 */
export function loadWebhookTarget(path: string): WebhookTarget {
  if (typeof path !== 'string' || path.trim() === '') {
    throw new KubeconfigError(undefined, [`kubeconfig must be a file path, got ${showValue(path)}`]);
  }
  const file = resolve(path);
  let text: string;
  try {
    text = readBoundedFile(file).toString('utf8');
  } catch (err) {
    throw new KubeconfigError(file, [`unable to read the file (${fsReason(err)})`], { cause: err });
  }
  return targetFromKubeconfig(parseKubeconfig(text, file), file);
}

/**
 * Parses YAML (JSON is YAML) without ever quoting the source: it may hold tokens and keys. Aliases are
 * limited, custom tags (`!secret`) and aliases to missing anchors (`*S3CRET`) refused — naming the field.
 */
function parseKubeconfig(text: string, file: string): unknown {
  if (text.trim() === '') throw new KubeconfigError(file, ['the file is empty']);
  const parsed = parseUntrustedYaml(text);
  if (parsed.ok) return parsed.value;
  throw new KubeconfigError(
    file,
    parsed.problems.map(({ path, reason, syntax }) =>
      syntax
        ? `cannot parse YAML/JSON ${reason}`
        : path.length === 0
          ? reason
          : `${kubeconfigPath(path)}: ${reason}`,
    ),
  );
}

/**
 * The keys a kubeconfig message may name. Any other key of the file is shown as `<key>`: in a malformed file
 * a "key" can be a secret that lost its indentation.
 */
const KNOWN_KEYS: ReadonlySet<string> = new Set([
  ...Object.keys(Kubeconfig.props),
  ...Object.keys(KubeconfigCluster.props),
  ...Object.keys(KubeconfigUser.props),
  ...Object.keys(KubeconfigContext.props),
  'name',
  'cluster',
  'user',
  'context',
]);

/** A field path as kubeconfig messages write it, dotted as every problem path is: `users.0.user.password`. */
function kubeconfigPath(path: readonly YamlPathSegment[]): string {
  return path
    .map((segment) => (typeof segment === 'number' || KNOWN_KEYS.has(segment) ? String(segment) : '<key>'))
    .join('.');
}

interface Named<T> {
  name: string;
  value: T;
}

function targetFromKubeconfig(raw: unknown, file: string): WebhookTarget {
  const fail = (...problems: string[]): never => {
    throw new KubeconfigError(file, problems);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return fail(`expected a kubeconfig object (kind: Config), got ${showValue(raw, 'kind')}`);
  }
  // Go's YAML decoding reads `clusters:` (null) as an empty list; so do we.
  const input: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  for (const list of ['clusters', 'users', 'contexts']) if (input[list] === null) delete input[list];

  const decoded = Kubeconfig.decode(input);
  if (decoded._tag === 'Left') {
    const problems: string[] = [];
    reportErrors(decoded.left, problems, { values: 'kind' });
    return fail(...problems);
  }
  const config = decoded.right;

  const problems: string[] = [];
  if (config.kind !== undefined && config.kind !== 'Config')
    problems.push(`kind must be "Config", got ${showValue(config.kind, 'kind')}`);
  if (config.apiVersion !== undefined && config.apiVersion !== 'v1') {
    problems.push(`apiVersion must be "v1", got ${showValue(config.apiVersion, 'kind')}`);
  }
  const clusters = byName(
    'clusters',
    (config.clusters ?? []).map((e) => ({ name: e.name ?? '', value: e.cluster })),
    problems,
  );
  const users = byName(
    'users',
    (config.users ?? []).map((e) => ({ name: e.name ?? '', value: e.user })),
    problems,
  );
  const contexts = byName(
    'contexts',
    (config.contexts ?? []).map((e) => ({ name: e.name ?? '', value: e.context })),
    problems,
  );
  if (problems.length > 0) return fail(...problems);
  if (clusters.size === 0)
    return fail('no clusters defined: the webhook kubeconfig needs a cluster with a server');

  // The context: current-context, else the unnamed one (client-go's DirectClientConfig).
  const contextName = config['current-context'] ?? '';
  let context: KubeconfigContext | undefined;
  if (contextName !== '') {
    context = contexts.get(contextName);
    if (context === undefined) {
      return fail(
        `context was not found for specified context: ${escapeAndCut(contextName, MAX_SHOWN_STRING, unicodeEscape)}${known('contexts', contexts)}`,
      );
    }
  } else {
    context = contexts.get('');
  }

  const clusterName = context?.cluster ?? '';
  const userName = context?.user ?? '';
  const cluster = clusters.get(clusterName);
  if (cluster === undefined) {
    if (clusterName !== '')
      return fail(
        `cluster ${showValue(clusterName)} was not found for context ${showValue(contextName)}${known('clusters', clusters)}`,
      );
    return fail(
      `current-context is not set and there is no unnamed cluster; set current-context${known('contexts', contexts) || ' (and add a context naming the cluster and user)'}`,
    );
  }
  let user: KubeconfigUser | undefined = users.get(userName);
  if (user === undefined && userName !== '') {
    return fail(
      `user ${showValue(userName)} was not found for context ${showValue(contextName)}${known('users', users)}`,
    );
  }
  user ??= {};

  const base = dirname(file);
  const clusterLabel = clusterName === '' ? 'the unnamed cluster' : `cluster ${showValue(clusterName)}`;
  const userLabel = userName === '' ? 'the unnamed user' : `user ${showValue(userName)}`;
  const target = buildTarget(cluster, user, { base, clusterName, clusterLabel, userLabel }, problems);
  if (problems.length > 0) return fail(...problems);

  const names: TargetFieldNames = {
    url: `server of ${clusterLabel}`,
    headers: 'headers',
    token: `${user.token ? 'token' : 'tokenFile'} of ${userLabel}`,
    tokenFile: `tokenFile of ${userLabel}`,
    username: `username of ${userLabel}`,
    password: `password of ${userLabel}`,
    ca: `${cluster['certificate-authority-data'] ? 'certificate-authority-data' : 'certificate-authority'} of ${clusterLabel}`,
    cert:
      user['client-certificate-data'] || user['client-certificate']
        ? `${user['client-certificate-data'] ? 'client-certificate-data' : 'client-certificate'} of ${userLabel}`
        : 'client-certificate-data or client-certificate',
    key:
      user['client-key-data'] || user['client-key']
        ? `${user['client-key-data'] ? 'client-key-data' : 'client-key'} of ${userLabel}`
        : 'client-key-data or client-key',
    insecureSkipTLSVerify: `insecure-skip-tls-verify of ${clusterLabel}`,
    tlsServerName: `tls-server-name of ${clusterLabel}`,
    user: userLabel,
  };
  problems.push(...targetProblems(target, names));
  if (problems.length > 0) return fail(...problems);
  return target;
}

interface Where {
  base: string;
  clusterName: string;
  clusterLabel: string;
  userLabel: string;
}

/** Applies client-go's per-field rules and reads the referenced files. */
function buildTarget(
  cluster: KubeconfigCluster,
  user: KubeconfigUser,
  where: Where,
  problems: string[],
): WebhookTarget {
  const { base, clusterName, clusterLabel, userLabel } = where;
  const target: WebhookTarget = { url: cluster.server ?? '' };

  if (!cluster.server) {
    problems.push(
      clusterName === ''
        ? 'default cluster has no server defined'
        : `no server found for cluster ${showValue(clusterName)}`,
    );
  }
  for (const field of ['proxy-url'] as const) {
    if (cluster[field]) problems.push(`${field} of ${clusterLabel} is not supported by rx-audit`);
  }
  for (const field of ['exec', 'auth-provider', 'as'] as const) {
    if (user[field] !== undefined && user[field] !== null && user[field] !== '') {
      problems.push(
        `${field} of ${userLabel} is not supported by rx-audit (use token, tokenFile, username/password or a client certificate)`,
      );
    }
  }

  const readFile = (field: string, owner: string, path: string): Buffer | undefined => {
    const full = isAbsolute(path) ? path : resolve(base, path);
    try {
      return readBoundedFile(full);
    } catch (err) {
      problems.push(`unable to read ${field} ${full} for ${owner} due to ${fsReason(err)}`);
      return undefined;
    }
  };
  const decodeData = (field: string, owner: string, data: string): Buffer | undefined => {
    const compact = data.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) {
      problems.push(`${field} of ${owner} is not valid base64`);
      return undefined;
    }
    return Buffer.from(compact, 'base64');
  };
  /** One PEM from `<field>-data` (wins, as in client-go) or `<field>` (a file). */
  const material = (field: string, owner: string, file: string | undefined, data: string | undefined) => {
    if (file && data) {
      problems.push(`${field}-data and ${field} are both specified for ${owner}; only one is allowed`);
      return undefined;
    }
    if (data) return decodeData(`${field}-data`, owner, data);
    if (file) return readFile(field, owner, file);
    return undefined;
  };

  const ca = material(
    'certificate-authority',
    clusterLabel,
    cluster['certificate-authority'],
    cluster['certificate-authority-data'],
  );
  if (ca !== undefined) target.ca = ca;
  if (cluster['insecure-skip-tls-verify'] !== undefined)
    target.insecureSkipTLSVerify = cluster['insecure-skip-tls-verify'];
  if (cluster['tls-server-name']) target.tlsServerName = cluster['tls-server-name'];

  const cert = material(
    'client-certificate',
    userLabel,
    user['client-certificate'],
    user['client-certificate-data'],
  );
  if (cert !== undefined) target.cert = cert;
  const key = material('client-key', userLabel, user['client-key'], user['client-key-data']);
  if (key !== undefined) target.key = key;

  // client-go: a non-empty token wins over tokenFile.
  if (user.token) {
    target.token = user.token;
  } else if (user.tokenFile) {
    const bytes = readFile('tokenFile', userLabel, user.tokenFile);
    if (bytes !== undefined) {
      const token = bytes.toString('utf8').trim();
      if (token === '') problems.push(`tokenFile of ${userLabel} is empty`);
      else {
        target.token = token;
        // Read again as it rotates, as client-go does (see WebhookTarget.tokenFile).
        target.tokenFile = isAbsolute(user.tokenFile) ? user.tokenFile : resolve(base, user.tokenFile);
      }
    }
  }
  if (user.username) target.username = user.username;
  if (user.password) target.password = user.password;
  return target;
}

function byName<T>(list: string, entries: readonly Named<T>[], problems: string[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const { name, value } of entries) {
    if (map.has(name)) problems.push(`duplicate name "${name}" in ${list}`);
    map.set(name, value);
  }
  return map;
}

/** The names a file has, for a message: each shown as every value is (quoted, escaped, cut), ten at most. */
function known(list: string, map: ReadonlyMap<string, unknown>): string {
  const names = [...map.keys()].filter((n) => n !== '');
  if (names.length === 0) return '';
  const more = names.length > MAX_KNOWN ? `, … ${names.length - MAX_KNOWN} more` : '';
  return ` (${list}: ${names
    .slice(0, MAX_KNOWN)
    .map((n) => showValue(n))
    .join(', ')}${more})`;
}

const MAX_KNOWN = 10;

/** The file system's reason, without the `, open '<path>'` it appends: the message names the file already. */
