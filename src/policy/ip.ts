/**
 * Address helpers for the evaluator: parse once, then test membership. Wraps ipaddr.js so the rest of
 * the policy code deals in small `Net` values.
 */
import ipaddr from 'ipaddr.js';

export interface Net {
  /** Original text, for messages. */
  text: string;
  family: 4 | 6;
  addr: ipaddr.IPv4 | ipaddr.IPv6;
  prefix: number;
}

/** Parse `10.0.0.0/8` or a bare address (a host route). Throws on bad input. */
export function parseNet(text: string): Net {
  const t = text.trim();
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  let prefix: number;
  if (t.includes('/')) {
    [addr, prefix] = ipaddr.parseCIDR(t);
  } else {
    addr = ipaddr.parse(t);
    prefix = addr.kind() === 'ipv4' ? 32 : 128;
  }
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && prefix >= 96) {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
    prefix -= 96;
  }
  return { text: t, family: addr.kind() === 'ipv4' ? 4 : 6, addr, prefix };
}

/** Parse a bare address; throws on bad input or on a CIDR. */
export function parseAddress(text: string): Net {
  if (text.includes('/')) throw new Error(`not a single address: ${JSON.stringify(text)}`);
  return parseNet(text);
}

export function isAddress(text: string): boolean {
  return ipaddr.isValid(text.trim());
}

/** Is address `ip` inside `net`? Different families never match. */
export function netContains(net: Net, ip: Net): boolean {
  if (net.family !== ip.family) return false;
  return ip.addr.match(net.addr, net.prefix);
}

/** Address text without the prefix, normalised (`10.0.0.1/32` → `10.0.0.1`). */
export function addressText(net: Net): string {
  return net.addr.toString();
}
