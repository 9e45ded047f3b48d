/**
 * Does one normalised rule match one packet? Pure, and explains the first criterion that fails so a
 * trace can say why a rule was skipped. Selectors match an address when some workload endpoint, host
 * endpoint (expectedIPs) or network set owning that address carries matching labels, which is what
 * Felix's IP sets contain.
 */
import type { EntityModel, RuleModel } from './model.js';
import { protocolNumber } from './model.js';
import type { PortRange } from '../calc/dataplane-api.js';
import { netContains, parseNet, type Net } from './ip.js';
import type { AddressOwner, PolicySnapshot } from './snapshot.js';

export interface PacketInfo {
  family: 4 | 6;
  /** Protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6, 132 sctp...). */
  protocol: number;
  src: Net;
  dst: Net;
  srcPort?: number;
  dstPort?: number;
  icmp?: { type: number; code?: number };
}

/** Which endpoints/sets own an address; cached per evaluation. */
export class AddressBook {
  readonly #snap: PolicySnapshot;
  readonly #cache = new Map<string, AddressOwner[]>();
  constructor(snap: PolicySnapshot) {
    this.#snap = snap;
  }
  owners(ip: Net): AddressOwner[] {
    const key = ip.addr.toString();
    let found = this.#cache.get(key);
    if (!found) {
      const s = this.#snap;
      found = [...s.workloadEndpoints, ...s.hostEndpoints, ...s.networkSets].filter((o) =>
        o.nets.some((n) => netContains(n, ip)),
      );
      this.#cache.set(key, found);
    }
    return found;
  }
  /** Is `ip` in the IP set of selector `sel` (some owner of it has matching labels)? */
  selectorMatches(sel: string, ip: Net): boolean {
    return this.owners(ip).some((o) => this.#snap.matches(sel, o.labels));
  }
  /**
   * Is (ip, protocol, port) in the named-port IP set for `name`: an endpoint that owns `ip`, is selected
   * by `sel` (all endpoints when absent), and has a port called `name` with that protocol and number?
   */
  namedPortMatches(sel: string | undefined, name: string, ip: Net, protocol: number, port: number): boolean {
    return this.owners(ip).some(
      (o) =>
        (o.kind === 'WorkloadEndpoint' || o.kind === 'HostEndpoint') &&
        (sel === undefined || this.#snap.matches(sel, o.labels)) &&
        o.ports.some((p) => p.name === name && protocolNumber(p.protocol) === protocol && p.port === port),
    );
  }
}

/** undefined when the rule matches, else a short reason naming the criterion that failed. */
export function ruleMismatch(rule: RuleModel, pkt: PacketInfo, book: AddressBook): string | undefined {
  if (rule.ipVersion !== undefined && rule.ipVersion !== pkt.family) return `ipVersion ${rule.ipVersion}`;
  if (rule.protocol !== undefined && protocolNumber(rule.protocol) !== pkt.protocol) return `protocol ${rule.protocol}`;
  if (rule.notProtocol !== undefined && protocolNumber(rule.notProtocol) === pkt.protocol) {
    return `notProtocol ${rule.notProtocol}`;
  }
  if (rule.icmp && !icmpMatches(rule.icmp, pkt)) return 'icmp type/code';
  if (rule.notICMP && icmpMatches(rule.notICMP, pkt)) return 'notICMP type/code';
  const src = entityMismatch(rule.src, pkt.src, pkt.srcPort, pkt, book);
  if (src) return `source ${src}`;
  const dst = entityMismatch(rule.dst, pkt.dst, pkt.dstPort, pkt, book);
  if (dst) return `destination ${dst}`;
  return undefined;
}

function icmpMatches(m: { type?: number; code?: number }, pkt: PacketInfo): boolean {
  const icmpProto = pkt.family === 4 ? 1 : 58;
  if (pkt.protocol !== icmpProto || !pkt.icmp) return false;
  if (m.type !== undefined && m.type !== pkt.icmp.type) return false;
  if (m.code !== undefined && m.code !== pkt.icmp.code) return false;
  return true;
}

const netCache = new Map<string, Net>();
function net(text: string): Net {
  let n = netCache.get(text);
  if (!n) {
    n = parseNet(text);
    netCache.set(text, n);
  }
  return n;
}

function inRanges(ranges: PortRange[], port: number): boolean {
  return ranges.some((r) => port >= r.first && port <= r.last);
}

function entityMismatch(
  e: EntityModel,
  ip: Net,
  port: number | undefined,
  pkt: PacketInfo,
  book: AddressBook,
): string | undefined {
  if (e.nets.length > 0 && !e.nets.some((n) => netContains(net(n), ip))) return 'nets';
  if (e.notNets.some((n) => netContains(net(n), ip))) return 'notNets';
  if (e.selector !== undefined && !book.selectorMatches(e.selector, ip)) return 'selector';
  if (e.notSelector !== undefined && book.selectorMatches(e.notSelector, ip)) return 'notSelector';
  // Kubernetes Service matches need Service endpoints, which no snapshot carries: never match (fail closed
  // for Allow rules; a Deny rule on a service is reported as not matching).
  if (e.services) return 'services (not resolvable without Kubernetes Service endpoints)';
  if (e.ports.length > 0 || e.namedPorts.length > 0) {
    if (port === undefined) return 'ports (packet has no port)';
    const numeric = inRanges(e.ports, port);
    const named = e.namedPorts.some((name) => book.namedPortMatches(e.selector, name, ip, pkt.protocol, port));
    if (!numeric && !named) return 'ports';
  }
  if (port !== undefined) {
    if (inRanges(e.notPorts, port)) return 'notPorts';
    if (e.notNamedPorts.some((name) => book.namedPortMatches(e.selector, name, ip, pkt.protocol, port))) {
      return 'notPorts';
    }
  }
  return undefined;
}
