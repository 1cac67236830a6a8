import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * The client addresses of a request, as the apiserver lists them (`utilnet.SourceIPs`): every valid
 * address in `X-Forwarded-For` (client first), then `X-Real-Ip` unless the chain already holds it,
 * then the connection's remote address unless it is the last one listed. Invalid entries are skipped;
 * IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) are shown as IPv4, IPv6 ones in canonical form.
 */
export function sourceIPs(req: IncomingMessage): string[] {
  const ips: string[] = [];
  const forwarded = firstHeader(req, 'x-forwarded-for');
  for (const part of forwarded.split(',')) {
    const ip = parseIP(part);
    if (ip !== undefined) ips.push(ip);
  }
  const realIp = parseIP(firstHeader(req, 'x-real-ip'));
  if (realIp !== undefined && !ips.includes(realIp)) ips.push(realIp);
  const remote = parseIP(req.socket.remoteAddress ?? '');
  if (remote !== undefined && ips.at(-1) !== remote) ips.push(remote);
  return ips;
}

function firstHeader(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

function parseIP(text: string): string | undefined {
  const trimmed = text.trim();
  const ip = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed)?.[1] ?? trimmed;
  const version = isIP(ip);
  return version === 0 ? undefined : version === 6 ? canonicalIPv6(ip) : ip;
}

/** An IPv6 address as Go's `IP.String()` writes it (lowercase, longest zero run as `::`), so one address is one entry. */
function canonicalIPv6(ip: string): string {
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip; // a zone (`fe80::1%eth0`) a URL does not take: as sent
  }
}
