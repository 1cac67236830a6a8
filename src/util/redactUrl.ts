/**
 * The webhook URL as it may appear in error messages and logs: user info, query string and
 * fragment removed (any of them may carry a secret, e.g. `?token=…`).
 *
 * @param url The configured webhook URL.
 * @returns `scheme://host[:port]/path`, or `<invalid URL>` when `url` does not parse.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<invalid URL>';
  }
  // Without a host (an unknown scheme) the path may be anything, credentials included.
  if (!parsed.host) return `${parsed.protocol}<redacted>`;
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}
