/**
 * Where and how to reach an audit webhook: the fields of a kubeconfig cluster + user, flattened.
 */
export interface WebhookTarget {
  /** The webhook URL, used as-is (path included). */
  url: string;
  /** Extra request headers. @default {} */
  headers?: Record<string, string>;
  /** Bearer token sent as `Authorization: Bearer <token>`. */
  token?: string;
  /**
   * A file holding the bearer token (a kubeconfig's `tokenFile`): read when the sender is created, then again
   * when the last read is a minute old, as client-go does, so a rotated token is used. A failed or empty read
   * keeps the last token. With `token`, `token` is used until the first re-read.
   */
  tokenFile?: string;
  /** Basic auth user name (with `password`). */
  username?: string;
  /** Basic auth password (with `username`). */
  password?: string;
  /** PEM CA bundle that signs the server certificate. @default the system roots */
  ca?: string | Buffer;
  /** PEM client certificate for mutual TLS (with `key`). */
  cert?: string | Buffer;
  /** PEM client key for mutual TLS (with `cert`). */
  key?: string | Buffer;
  /** Skip server certificate verification. Never use in production. @default false */
  insecureSkipTLSVerify?: boolean;
  /** Server name used for SNI and certificate verification instead of the URL's host. */
  tlsServerName?: string;
}

/** A target given directly, or a kubeconfig file to read it from (see `loadWebhookTarget`). */
export type WebhookTargetOption = WebhookTarget | { kubeconfig: string };
