import * as t from 'io-ts';

/**
 * A kubeconfig `cluster` entry (client-go `clientcmd/api/v1.Cluster`), the fields rx-audit reads.
 * Extra fields are allowed and ignored unless {@link loadWebhookTarget} rejects them as unsupported.
 */
export const KubeconfigCluster = t.partial(
  {
    server: t.string,
    'certificate-authority': t.string,
    'certificate-authority-data': t.string,
    'insecure-skip-tls-verify': t.boolean,
    'tls-server-name': t.string,
    'proxy-url': t.string,
    'disable-compression': t.boolean,
  },
  'Cluster',
);
export type KubeconfigCluster = t.TypeOf<typeof KubeconfigCluster>;

/** A kubeconfig `user` entry (client-go `AuthInfo`), the fields rx-audit reads. */
export const KubeconfigUser = t.partial(
  {
    'client-certificate': t.string,
    'client-certificate-data': t.string,
    'client-key': t.string,
    'client-key-data': t.string,
    token: t.string,
    tokenFile: t.string,
    username: t.string,
    password: t.string,
    as: t.string,
    exec: t.unknown,
    'auth-provider': t.unknown,
  },
  'AuthInfo',
);
export type KubeconfigUser = t.TypeOf<typeof KubeconfigUser>;

/** A kubeconfig `context` entry: which cluster and user go together. */
export const KubeconfigContext = t.partial(
  { cluster: t.string, user: t.string, namespace: t.string },
  'Context',
);
export type KubeconfigContext = t.TypeOf<typeof KubeconfigContext>;

const named = <C extends t.Mixed, K extends string>(key: K, codec: C, name: string) =>
  t.intersection([t.type({ [key]: codec } as { [P in K]: C }), t.partial({ name: t.string })], name);

/**
 * A kubeconfig file (`kind: Config`, client-go `clientcmd/api/v1.Config`) as YAML or JSON decodes it.
 * Lists are arrays of `{ name, cluster | user | context }`; an entry without `name` is the *unnamed*
 * one the apiserver uses when `current-context` is empty.
 *
 * ## Example
 *
 * ```ts
 * // internal (not exported from 'rx-audit'): src/transport/Kubeconfig.ts
 * import { Kubeconfig } from './Kubeconfig.js';
 * import { isRight } from 'fp-ts/Either';
 *
 * isRight(Kubeconfig.decode({ clusters: [{ name: 'a', cluster: { server: 'https://x' } }] })); // true
 * ```
 */
export const Kubeconfig = t.partial(
  {
    kind: t.string,
    apiVersion: t.string,
    'current-context': t.string,
    clusters: t.array(named('cluster', KubeconfigCluster, 'NamedCluster')),
    users: t.array(named('user', KubeconfigUser, 'NamedAuthInfo')),
    contexts: t.array(named('context', KubeconfigContext, 'NamedContext')),
    preferences: t.unknown,
    extensions: t.unknown,
  },
  'Config',
);
export type Kubeconfig = t.TypeOf<typeof Kubeconfig>;
