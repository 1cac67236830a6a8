// Not public: what of a message may be printed. rx-audit's own transport builds its messages from the
// webhook's answer (reason phrase, body excerpt) and a custom sender's message is copied from user code: either
// may quote a URL with credentials, a token, a header value or a payload.
import { CONTROL } from '../events/escapeAndCut.js';
import { redactUrl } from './redactUrl.js';

/** The longest message {@link redactMessage} returns, in characters (an ellipsis marks a cut). */
export const MAX_MESSAGE_LENGTH = 200;

// A URL with a scheme, up to whitespace or a quote/bracket that usually ends it in prose.
const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
// The start of a quoted JSON value (an object, or an array of objects/strings): a payload, never printed.
const PAYLOAD_PATTERN = /\{|\[\s*["{[]/;
// An HTTP authorization scheme and its credentials: `Bearer abc…`, `Basic dXNlcjpwdw==` (a token-like word
// of 8 characters or more, so that prose such as "basic auth failed" stays readable).
const CREDENTIALS_PATTERN = /\b(Bearer|Basic|Digest|Negotiate)\s+[\w.~+/=-]{8,}/gi;
// `name: value` or `name=value` where the name says it holds a secret (a header, a form or query field).
const SECRET_FIELD_PATTERN =
  /\b([\w-]*(?:authorization|cookie|token|secret|password|passwd|api[-_]?key|session|credential|signature)[\w-]*)(\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s&,;]+)/gi;
// A query string in a bare path (`/events?token=abc`): every value goes.
const QUERY_PATTERN = /([?&][^\s=&#?]+=)[^\s&#"']*/g;
// Runs of control characters (the one set, CONTROL): a line must stay one line.
const CONTROL_PATTERN = new RegExp(`${CONTROL.source}+`, 'g');

/**
 * A message made safe for an error or a log line: one line without control characters, every URL reduced to
 * `scheme://host/path` (no user info, query or fragment), query values in bare paths, credentials after an
 * authorization scheme (`Bearer …`) and values of secret-looking fields (`Authorization: …`, `token=…`,
 * `X-Api-Key: …`) replaced by `[redacted]`, anything from the first JSON object or array on replaced by
 * `{…}`, and at most {@link MAX_MESSAGE_LENGTH} characters.
 */
export function redactMessage(message: string): string {
  // Bound the work first: nothing past a few times the limit can survive the cut anyway.
  let text = message.length > MAX_MESSAGE_LENGTH * 8 ? message.slice(0, MAX_MESSAGE_LENGTH * 8) : message;
  text = text.replace(CONTROL_PATTERN, ' ');
  const payload = PAYLOAD_PATTERN.exec(text);
  if (payload !== null) text = `${text.slice(0, payload.index)}{…}`;
  text = text.replace(URL_PATTERN, (url) => {
    // Keep punctuation that ends a sentence out of the URL.
    const trail = /[.,;:!?)\]}]+$/.exec(url)?.[0] ?? '';
    return redactUrl(url.slice(0, url.length - trail.length)) + trail;
  });
  text = text
    .replace(CREDENTIALS_PATTERN, '$1 [redacted]')
    .replace(SECRET_FIELD_PATTERN, '$1$2[redacted]')
    .replace(QUERY_PATTERN, '$1[redacted]');
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : text;
}
