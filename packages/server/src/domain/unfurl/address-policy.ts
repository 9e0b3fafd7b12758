/**
 * Which network addresses a link preview may connect to. Only globally routable unicast
 * addresses pass: private (RFC 1918), loopback, link-local (incl. cloud metadata at
 * 169.254.169.254), carrier-grade NAT, unique-local, multicast, unspecified, broadcast, reserved
 * and documentation ranges are refused, and so are IPv6 forms that embed an IPv4 address
 * (IPv4-mapped is unwrapped and judged as IPv4; NAT64, 6to4 and Teredo are refused outright,
 * since a gateway could forward them to a private IPv4 address).
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** True when `ip` (a literal IPv4 or IPv6 address) is a public unicast address. */
export function isPublicAddress(ip: string): boolean {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // `process` turns ::ffff:a.b.c.d into a.b.c.d so the IPv4 ranges apply to it.
    addr = ipaddr.process(stripBrackets(ip));
  } catch {
    return false;
  }
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).zoneId) return false;
  return addr.range() === 'unicast';
}

/**
 * True when `host` (a WHATWG URL hostname, so IPv4 shorthands such as `2130706433` or `0x7f.1`
 * are already normalised to dotted quads) is an IP literal rather than a name to resolve.
 */
export function isIpLiteral(host: string): boolean {
  return isIP(stripBrackets(host)) !== 0;
}

export const stripBrackets = (host: string): string =>
  host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
