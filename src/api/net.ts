/**
 * IP and CIDR helpers with Go's net.ParseCIDR / Calico cnet semantics: a CIDR's host bits may be set
 * ("10.0.0.5/24" parses, network 10.0.0.0/24); IPv4-mapped forms are not folded; zones are rejected.
 */
import ipaddr from 'ipaddr.js';

export type IPFamily = 4 | 6;

export interface ParsedCIDR {
  family: IPFamily;
  /** Address as written (host bits kept). */
  address: bigint;
  prefix: number;
  /** Network address (host bits cleared). */
  network: bigint;
  bits: 32 | 128;
}

function toBigInt(bytes: number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function fromBigInt(v: bigint, family: IPFamily): string {
  const n = family === 4 ? 4 : 16;
  const bytes: number[] = [];
  for (let i = 0; i < n; i++) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/** Parse an IP address (no prefix). IPv4 must be dotted quad with four parts, like Go. */
export function parseIP(text: string): { family: IPFamily; value: bigint } | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 64 || text.includes('%')) return undefined;
  if (text.includes(':')) {
    if (!ipaddr.IPv6.isValid(text)) return undefined;
    return { family: 6, value: toBigInt(ipaddr.IPv6.parse(text).toByteArray()) };
  }
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  // Go rejects leading zeros ("010.0.0.1") since 1.17.
  if (text.split('.').some((p) => p.length > 1 && p.startsWith('0'))) return undefined;
  return { family: 4, value: toBigInt(ipaddr.IPv4.parse(text).toByteArray()) };
}

/** Parse `addr/prefix`. Returns undefined when it is not a CIDR. */
export function parseCIDR(text: string): ParsedCIDR | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIP(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (ip === undefined || !/^[0-9]{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const bits = ip.family === 4 ? 32 : 128;
  if (prefix > bits) return undefined;
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  return { family: ip.family, address: ip.value, prefix, network: ip.value & mask, bits };
}

/** CIDR or a bare IP (treated as /32 or /128), as Calico's ParseCIDROrIP. */
export function parseCIDROrIP(text: string): ParsedCIDR | undefined {
  if (typeof text === 'string' && !text.includes('/')) {
    const ip = parseIP(text);
    if (ip === undefined) return undefined;
    const bits = ip.family === 4 ? 32 : 128;
    return { family: ip.family, address: ip.value, prefix: bits, network: ip.value, bits };
  }
  return parseCIDR(text);
}

/** Canonical network form: `10.0.0.0/24`, `fd00::/64`. */
export function formatCIDR(c: ParsedCIDR): string {
  return `${fromBigInt(c.network, c.family)}/${c.prefix}`;
}

export function formatIP(value: bigint, family: IPFamily): string {
  return fromBigInt(value, family);
}

/** Whether host bits are clear. */
export function isMasked(c: ParsedCIDR): boolean {
  return c.address === c.network;
}

export function cidrContains(outer: ParsedCIDR, inner: ParsedCIDR): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  const shift = BigInt(outer.bits - outer.prefix);
  return inner.network >> shift === outer.network >> shift;
}

export function cidrsOverlap(a: ParsedCIDR, b: ParsedCIDR): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/** Canonical text of a CIDR string, or the input unchanged when it does not parse. */
export function normalizeCIDR(text: string): string {
  const c = parseCIDR(text);
  return c === undefined ? text : formatCIDR(c);
}
