/**
 * Turning the two ends of a traced packet (an address, a workload `namespace/name`, or a host endpoint)
 * into addresses and owning endpoints, choosing an address family both ends have.
 */
import { isAddress, netContains, parseAddress, parseNet, type Net } from './ip.js';
import type { AddressBook } from './match.js';
import type { AddressOwner, PolicySnapshot } from './snapshot.js';

/** One end of a packet: an address, a workload `namespace/name` (WEP name, pod or workload), or a host endpoint. */
export type PacketEnd = { ip: string } | { workload: string } | { hostEndpoint: string };

export interface Packet {
  src: PacketEnd;
  dst: PacketEnd;
  /** TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a number. */
  protocol: string | number;
  dstPort?: number;
  srcPort?: number;
  icmp?: { type: number; code?: number };
  /**
   * Host endpoints (by name) the packet is forwarded through, on a host where it neither starts nor
   * ends: `ingress` is the one it arrives on, `egress` the one it leaves by.
   */
  forwardedVia?: { ingress?: string; egress?: string };
}

/** An address family implied by the packet: an address given for either end, or ICMPv6. */
export function familyHint(packet: Packet): 4 | 6 | undefined {
  for (const end of [packet.src, packet.dst]) if ('ip' in end && isAddress(end.ip)) return parseAddress(end.ip).family;
  const p = String(packet.protocol).toLowerCase();
  if (p === 'icmpv6' || p === '58') return 6;
  return undefined;
}

export interface ResolvedEnd {
  ip: Net;
  /** The workload or host endpoint that owns the address, if any. */
  owner?: AddressOwner;
}

/** Find a workload endpoint by `namespace/name`, matching the WEP name, spec.pod or spec.workload. */
export function findWorkload(snap: PolicySnapshot, ref: string): AddressOwner | undefined {
  const slash = ref.indexOf('/');
  const ns = slash < 0 ? 'default' : ref.slice(0, slash);
  const name = slash < 0 ? ref : ref.slice(slash + 1);
  const inNs = snap.workloadEndpoints.filter((w) => w.namespace === ns);
  return inNs.find((w) => w.name === name) ?? inNs.find((w) => w.display === `${ns}/${name}`);
}

export interface LookedUp {
  label: string;
  owner?: AddressOwner;
  /** Set when the end was given as an address. */
  ip?: Net;
}

export function lookupEnd(snap: PolicySnapshot, book: AddressBook, end: PacketEnd): LookedUp {
  if ('ip' in end) {
    if (!isAddress(end.ip)) throw new Error(`not an IP address: ${JSON.stringify(end.ip)}`);
    const ip = parseAddress(end.ip);
    // Only an exact host address makes a packet "from/to" an endpoint (network sets never do).
    const owner = book
      .owners(ip)
      .find((o) => (o.kind === 'WorkloadEndpoint' || o.kind === 'HostEndpoint') && o.nets.some((n) => isHost(n) && netContains(n, ip)));
    return owner ? { label: end.ip, ip, owner } : { label: end.ip, ip };
  }
  const owner =
    'workload' in end ? findWorkload(snap, end.workload) : snap.hostEndpoints.find((h) => h.name === end.hostEndpoint);
  const label = 'workload' in end ? `workload endpoint ${JSON.stringify(end.workload)}` : `host endpoint ${JSON.stringify(end.hostEndpoint)}`;
  if (!owner) throw new Error(`${label} not found`);
  return { label, owner };
}

/** The family to probe with: the hint, else one both named endpoints have (IPv4 first). */
export function chooseFamily(hint: 4 | 6 | undefined, a: LookedUp, b: LookedUp): 4 | 6 | undefined {
  if (hint !== undefined) return hint;
  const families = (l: LookedUp): Set<number> => new Set(l.owner?.nets.map((n) => n.family) ?? [4, 6]);
  const fa = families(a);
  const fb = families(b);
  return ([4, 6] as const).find((f) => fa.has(f) && fb.has(f));
}

export function addressOf(l: LookedUp, family: 4 | 6 | undefined): ResolvedEnd {
  if (l.ip) return l.owner ? { ip: l.ip, owner: l.owner } : { ip: l.ip };
  const chosen = l.owner!.nets.find((n) => family === undefined || n.family === family);
  if (!chosen) throw new Error(`${l.label} has no IPv${family ?? 4} address`);
  return { ip: parseNet(chosen.addr.toString()), owner: l.owner! };
}

function isHost(n: Net): boolean {
  return n.prefix === (n.family === 4 ? 32 : 128);
}

