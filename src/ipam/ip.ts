/**
 * Address arithmetic for IPAM: addresses as bigint so IPv4 and IPv6 share one code path.
 * Kept dependency-free because the CNI plugin loads this on every pod ADD.
 */

export type IPFamily = 4 | 6;

export interface IPAddr {
  family: IPFamily;
  value: bigint;
}

export interface CIDR {
  family: IPFamily;
  /** Network address (host bits zero). */
  base: bigint;
  prefix: number;
}

function bitsOf(family: IPFamily): number {
  return family === 4 ? 32 : 128;
}

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseV6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    tailV4 = parseV4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const left = toGroups(halves[0] ?? '');
  const right = halves.length === 2 ? toGroups(halves[1] ?? '') : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== undefined) v = (v & ~0xffffffffn) | tailV4;
  return v;
}

/** Parses an IPv4 or IPv6 address; returns undefined when it is not one. */
export function tryParseIP(text: string): IPAddr | undefined {
  const t = text.trim();
  if (t.includes(':')) {
    const v = parseV6(t);
    return v === undefined ? undefined : { family: 6, value: v };
  }
  const v = parseV4(t);
  return v === undefined ? undefined : { family: 4, value: v };
}

/** Parses an address, throwing a TypeError naming the bad text. */
export function parseIP(text: string): IPAddr {
  const ip = tryParseIP(text);
  if (!ip) throw new TypeError(`Cannot parse IP address "${text}"`);
  return ip;
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (longest zero run compressed). */
export function formatIP(ip: IPAddr): string {
  if (ip.family === 4) {
    const v = Number(ip.value);
    return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Parses `a.b.c.d/n`; `strict` rejects host bits set (Calico requires masked pool CIDRs). */
export function parseCIDR(text: string, strict = false): CIDR {
  const slash = text.indexOf('/');
  const ip = parseIP(slash < 0 ? text : text.slice(0, slash));
  const bits = bitsOf(ip.family);
  const prefixText = slash < 0 ? String(bits) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
    throw new TypeError(`Cannot parse CIDR "${text}": prefix length must be 0-${bits}`);
  }
  const prefix = Number(prefixText);
  const base = ip.value & maskOf(ip.family, prefix);
  if (strict && base !== ip.value) throw new TypeError(`Cannot parse CIDR "${text}": host bits are set`);
  return { family: ip.family, base, prefix };
}

export function maskOf(family: IPFamily, prefix: number): bigint {
  const bits = BigInt(bitsOf(family));
  const all = (1n << bits) - 1n;
  return all ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

export function formatCIDR(c: CIDR): string {
  return `${formatIP({ family: c.family, value: c.base })}/${c.prefix}`;
}

/** Number of addresses in the CIDR. */
export function cidrSize(c: CIDR): bigint {
  return 1n << BigInt(bitsOf(c.family) - c.prefix);
}

export function cidrContainsIP(c: CIDR, ip: IPAddr): boolean {
  return c.family === ip.family && (ip.value & maskOf(c.family, c.prefix)) === c.base;
}

/** True when `inner` lies wholly inside `outer`. */
export function cidrContainsCIDR(outer: CIDR, inner: CIDR): boolean {
  return outer.family === inner.family && inner.prefix >= outer.prefix && (inner.base & maskOf(outer.family, outer.prefix)) === outer.base;
}

export function cidrsOverlap(a: CIDR, b: CIDR): boolean {
  return cidrContainsCIDR(a, b) || cidrContainsCIDR(b, a);
}

/** The `prefix`-sized subnet of `c` holding address `ip`. */
export function enclosingCIDR(ip: IPAddr, prefix: number): CIDR {
  return { family: ip.family, base: ip.value & maskOf(ip.family, prefix), prefix };
}

/** Address text without any `/n` suffix, canonicalised (WorkloadEndpoint ipNetworks carry `/32`). */
export function normaliseIP(text: string): string | undefined {
  const slash = text.indexOf('/');
  const ip = tryParseIP(slash < 0 ? text : text.slice(0, slash));
  return ip ? formatIP(ip) : undefined;
}
