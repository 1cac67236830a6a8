// Not public: what of an error message may be printed. rx-audit's own transport already redacts its
// messages, but a custom sender's (or delegate's) message is copied from user code and may quote a URL
// with credentials or a payload.
import { redactUrl } from '../transport/redactUrl.js';

/** The longest message {@link redactMessage} returns, in characters (an ellipsis marks a cut). */
export const MAX_MESSAGE_LENGTH = 200;

// A URL with a scheme, up to whitespace or a quote/bracket that usually ends it in prose.
const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
// The start of a quoted JSON value (an object, or an array of objects/strings): a payload, never printed.
const PAYLOAD_PATTERN = /\{|\[\s*["{[]/;

/**
 * An error message made safe for a log line: one line, every URL reduced to `scheme://host/path` (no user
 * info, query or fragment), anything from the first JSON object or array on replaced by `{…}`, and at most
 * {@link MAX_MESSAGE_LENGTH} characters.
 */
export function redactMessage(message: string): string {
  let text = message.replace(/[\r\n]+/g, ' ');
  const payload = PAYLOAD_PATTERN.exec(text);
  if (payload !== null) text = `${text.slice(0, payload.index)}{…}`;
  text = text.replace(URL_PATTERN, (url) => {
    // Keep punctuation that ends a sentence out of the URL.
    const trail = /[.,;:!?)\]}]+$/.exec(url)?.[0] ?? '';
    return redactUrl(url.slice(0, url.length - trail.length)) + trail;
  });
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : text;
}
