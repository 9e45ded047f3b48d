/**
 * IP set contents as nft set elements, per family. Selector sets hold CIDRs (`flags interval`); nft rejects
 * overlapping intervals, so nested CIDRs are reduced to the widest one (CIDRs are either nested or disjoint,
 * so this loses nothing). Named-port sets are concatenations `addr . proto . port`.
 */
import ipaddr from 'ipaddr.js';
import type { IPPoolInfo, IPSetType } from '../../calc/dataplane-api.js';
import type { IPSetState, NftSet } from './model.js';
import { allPoolsSetName, ipSetName, masqPoolsSetName, type NftFamily } from './names.js';
import { isIPv6, stripHostPrefix } from './rule-render.js';

function setType(family: NftFamily, type: IPSetType): string {
  const addr = family === 'ip' ? 'ipv4_addr' : 'ipv6_addr';
  return type === 'ip-and-port' ? `${addr} . inet_proto . inet_service` : addr;
}

function cidrRange(cidr: string): [bigint, bigint] {
  const [addr, len] = ipaddr.parseCIDR(cidr.includes('/') ? cidr : `${cidr}/${isIPv6(cidr) ? 128 : 32}`);
  const bytes = addr.toByteArray();
  const bits = bytes.length * 8;
  let start = 0n;
  for (const b of bytes) start = (start << 8n) | BigInt(b);
  const hostBits = BigInt(bits - len);
  start = (start >> hostBits) << hostBits;
  return [start, start + (1n << hostBits) - 1n];
}

/** Drop CIDRs contained in another member; returns canonical, sorted nft elements. */
export function coveringCidrs(cidrs: Iterable<string>): string[] {
  const parsed: Array<{ cidr: string; start: bigint; end: bigint }> = [];
  for (const c of cidrs) {
    // The calc graph validates members; one that still does not parse is left out rather than
    // failing the whole transaction.
    if (!ipaddr.isValid(c.split('/')[0]!)) continue;
    const [start, end] = cidrRange(c);
    parsed.push({ cidr: canonicalCidr(c), start, end });
  }
  parsed.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.end > b.end ? -1 : a.end < b.end ? 1 : 0));
  const out: string[] = [];
  let lastEnd = -1n;
  for (const p of parsed) {
    if (p.start <= lastEnd) continue;
    out.push(stripHostPrefix(p.cidr));
    lastEnd = p.end;
  }
  return out;
}

function canonicalCidr(c: string): string {
  if (!c.includes('/')) return `${ipaddr.parse(c).toString()}/${isIPv6(c) ? 128 : 32}`;
  const [addr, len] = ipaddr.parseCIDR(c);
  // Normalise host bits away, as the kernel would for an interval.
  const range = cidrRange(c)[0];
  const n = addr.toByteArray().length;
  const bytes: number[] = [];
  let v = range;
  for (let i = 0; i < n; i++) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return `${ipaddr.fromByteArray(bytes).toString()}/${len}`;
}

const NAMED_PORT_MEMBER = /^([0-9a-f.:]+)(?:\/(?:32|128))?,(tcp|udp|sctp):(\d{1,5})$/i;

/** `10.0.0.1,tcp:8080` → `10.0.0.1 . tcp . 8080`. */
function namedPortElement(member: string): string {
  const m = NAMED_PORT_MEMBER.exec(member);
  if (!m) throw new SyntaxError(`Cannot parse IP set member "${member}": expected "<ip>,<protocol>:<port>"`);
  return `${m[1]!} . ${m[2]!.toLowerCase()} . ${m[3]!}`;
}

function memberFamily(member: string): NftFamily {
  const ip = member.split(',')[0]!;
  return isIPv6(ip) ? 'ip6' : 'ip';
}

export function renderIPSet(id: string, set: IPSetState, family: NftFamily): NftSet {
  const members = [...set.members].filter((m) => memberFamily(m) === family);
  const name = ipSetName(family, id);
  const type = setType(family, set.type);
  switch (set.type) {
    case 'ip-and-port':
      return { name, type, interval: false, elements: members.filter((m) => NAMED_PORT_MEMBER.test(m)).map(namedPortElement).sort() };
    case 'ip':
      // Plain hash of addresses; a member with a network prefix would need an interval set.
      if (members.every((m) => !m.includes('/') || /\/(32|128)$/.test(m))) {
        return { name, type, interval: false, elements: [...new Set(members.map(stripHostPrefix))].sort() };
      }
      return { name, type, interval: true, elements: coveringCidrs(members) };
    case 'net':
      return { name, type, interval: true, elements: coveringCidrs(members) };
  }
}

/** Felix's `masq-ipam-pools` (enabled natOutgoing pools) and `all-ipam-pools` sets for NAT outgoing. */
export function renderPoolSets(pools: Iterable<IPPoolInfo>, family: NftFamily): { masq: NftSet; all: NftSet } {
  const mine = [...pools].filter((p) => isIPv6(p.cidr) === (family === 'ip6'));
  const type = family === 'ip' ? 'ipv4_addr' : 'ipv6_addr';
  return {
    masq: {
      name: masqPoolsSetName(family),
      type,
      interval: true,
      elements: coveringCidrs(mine.filter((p) => p.natOutgoing && !p.disabled).map((p) => p.cidr)),
    },
    all: { name: allPoolsSetName(family), type, interval: true, elements: coveringCidrs(mine.map((p) => p.cidr)) },
  };
}
