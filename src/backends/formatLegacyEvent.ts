import type { AuditEvent, UserInfo } from '../events/Event.js';

/**
 * Formats an audit event as the apiserver's one-line `legacy` log format (`audit.EventString` in
 * `k8s.io/apiserver/pkg/audit/format.go`), without the trailing newline.
 *
 * Placeholders follow upstream: `<none>` for a missing user, groups or namespace, `<self>`/`<lookup>` when
 * there was no impersonation, `<deferred>` when there is no response status yet, `<unknown>` when there is no
 * source IP. Values are quoted like Go's `%q`; the timestamp is `requestReceivedTimestamp` in Go's
 * `RFC3339Nano` form (trailing zeros of the fraction trimmed, `Z` for UTC).
 *
 * ## Example
 * ```ts
 * import { formatLegacyEvent } from 'rx-audit';
 *
 * formatLegacyEvent(event);
 * // 2017-09-01T12:00:00.1234Z AUDIT: id="…" stage="ResponseComplete" ip="10.0.0.1" method="get" user="admin"
 * //   groups="\"system:masters\"" as="<self>" asgroups="<lookup>" user-agent="kubectl" namespace="default"
 * //   uri="/api/v1/namespaces/default/pods" response="200"
 * ```
 *
 * @param event The event to format.
 * @returns One line of text, without `\n`.
 */
export function formatLegacyEvent(event: AuditEvent): string {
  const user: UserInfo = event.user ?? {};
  let username = '<none>';
  let groups = '<none>';
  if (user.username !== undefined && user.username.length > 0) {
    username = user.username;
    if (user.groups !== undefined && user.groups.length > 0) groups = quotedList(user.groups);
  }

  let asUser = '<self>';
  let asGroups = '<lookup>';
  const impersonated = event.impersonatedUser;
  if (impersonated !== undefined && impersonated !== null) {
    asUser = impersonated.username ?? '';
    // Upstream tests `Groups != nil`: an empty list prints as "", only an absent one as <lookup>.
    if (impersonated.groups !== undefined) asGroups = quotedList(impersonated.groups);
  }

  const ns = event.objectRef?.namespace;
  const namespace = ns !== undefined && ns.length > 0 ? ns : '<none>';

  const status = event.responseStatus;
  const response =
    status !== undefined && status !== null ? String(Math.trunc(status.code ?? 0)) : '<deferred>';

  const ip = event.sourceIPs?.[0] ?? '<unknown>';

  return (
    `${goTimestamp(event.requestReceivedTimestamp)} AUDIT: id=${goQuote(event.auditID)} ` +
    `stage=${goQuote(event.stage)} ip=${goQuote(ip)} method=${goQuote(event.verb)} ` +
    `user=${goQuote(username)} groups=${goQuote(groups)} as=${goQuote(asUser)} ` +
    `asgroups=${goQuote(asGroups)} user-agent=${goQuote(event.userAgent ?? '')} ` +
    `namespace=${goQuote(namespace)} uri=${goQuote(event.requestURI)} response="${response}"`
  );
}

/** Upstream `auditStringSlice`: each element `%q`-quoted, joined by commas. */
function quotedList(list: readonly string[]): string {
  return list.map(goQuote).join(',');
}

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|z|[+-]\d\d:\d\d)$/;

/**
 * Go's `time.Format(time.RFC3339Nano)` of the timestamp: trailing fraction zeros trimmed, a zero offset
 * written `Z`. A missing timestamp is Go's zero time. Text that is not RFC 3339 is written unchanged.
 */
function goTimestamp(ts: string | null | undefined): string {
  if (ts === undefined || ts === null || ts === '') return '0001-01-01T00:00:00Z';
  const m = RFC3339.exec(ts);
  if (m === null) return ts;
  const fraction = (m[2] ?? '').slice(0, 9).replace(/0+$/, '');
  const zone = m[3] === 'Z' || m[3] === 'z' || m[3] === '+00:00' || m[3] === '-00:00' ? 'Z' : m[3];
  return `${m[1]}${fraction.length > 0 ? `.${fraction}` : ''}${zone}`;
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Go's `strconv.Quote` (what `%q` does to a string). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (cp >= 0xd800 && cp <= 0xdfff) {
      // A lone surrogate cannot come out of Go's JSON decoding: it would have been U+FFFD.
      out += '\ufffd';
    } else if (cp === 0x20 || (cp > 0x20 && cp < 0x7f)) {
      out += ch;
    } else if (cp < 0x20 || cp === 0x7f) {
      out += `\\x${hex(cp, 2)}`;
    } else if (PRINTABLE.test(ch)) {
      out += ch;
    } else if (cp < 0x10000) {
      out += `\\u${hex(cp, 4)}`;
    } else {
      out += `\\U${hex(cp, 8)}`;
    }
  }
  return out + '"';
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}
