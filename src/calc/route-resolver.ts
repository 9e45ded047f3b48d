/**
 * Routes and IP pools for the dataplane (a small L3RouteResolver):
 *  - one `local-workload` route per address of each local workload endpoint (`<ip>/32` or `/128` to
 *    its host-side interface);
 *  - one route per IPAM block with a host affinity: `local-block` for this node's blocks (the driver
 *    installs a blackhole so unallocated addresses are not routed out), `remote-block` for other
 *    nodes' blocks, with the owning node's IP as next hop once the Node is known;
 *  - IP pool information (CIDR, natOutgoing, vxlanMode, disabled) for NAT-outgoing and encapsulation.
 * A local-workload route wins over a block route for the same destination. It does not decide which
 * routes a driver programs (that depends on encapsulation), and it does not read policy.
 */
import type { CalicoNode, IPPoolSpec, Resource, WorkloadEndpointSpec } from '../api/types.js';
import type { RouteCallbacks, RouteInfo } from './dataplane-api.js';
import type { Dispatcher } from './dispatcher.js';
import type { Update } from './types.js';

interface BlockSpec {
  cidr?: string;
  affinity?: string;
}

/** A CIDR for an address that may be written without a prefix length. */
export function hostCIDR(addr: string): string {
  if (addr.includes('/')) return addr;
  return addr.includes(':') ? `${addr}/128` : `${addr}/32`;
}

/** The node's IPv4 address for routing: BGP address (CIDR form) first, then listed addresses. */
export function nodeIPv4(node: CalicoNode | undefined): string | undefined {
  const bgp = node?.spec?.bgp?.ipv4Address;
  if (bgp) return bgp.split('/')[0];
  for (const a of node?.spec?.addresses ?? []) {
    const ip = a.address.split('/')[0]!;
    if (!ip.includes(':') && (a.type === undefined || a.type === 'CalicoNodeIP' || a.type === 'InternalIP')) return ip;
  }
  return undefined;
}

export class RouteResolver {
  readonly #nodeName: string;
  readonly #callbacks: RouteCallbacks;

  /** dst → local workload key → route; the smallest key wins if two claim one address. */
  readonly #workloadRoutes = new Map<string, Map<string, RouteInfo>>();
  readonly #workloadDsts = new Map<string, string[]>();
  /** block key → {cidr, node}. */
  readonly #blocks = new Map<string, { cidr: string; node: string }>();
  readonly #blocksByNode = new Map<string, Set<string>>();
  readonly #blocksByCidr = new Map<string, Set<string>>();
  readonly #nodeIPs = new Map<string, string>();
  /** What was last reported per dst, so unchanged routes are not re-sent. */
  readonly #current = new Map<string, string>();

  constructor(nodeName: string, callbacks: RouteCallbacks) {
    this.#nodeName = nodeName;
    this.#callbacks = callbacks;
  }

  /** `local` receives only this node's endpoints; `all` receives everything. */
  registerWith(local: Dispatcher, all: Dispatcher): void {
    local.register('WorkloadEndpoint', (u) => this.#onLocalWorkload(u));
    all.register('IPAMBlock', (u) => this.#onBlock(u));
    all.register('Node', (u) => this.#onNode(u));
    all.register('IPPool', (u) => this.#onPool(u));
  }

  #onLocalWorkload(update: Update): void {
    const wep = update.value as Resource<string, WorkloadEndpointSpec> | undefined;
    const iface = wep?.spec?.interfaceName;
    const dsts = iface ? (wep?.spec?.ipNetworks ?? []).map(hostCIDR) : [];
    const old = this.#workloadDsts.get(update.key) ?? [];
    for (const dst of old) {
      const claims = this.#workloadRoutes.get(dst)!;
      claims.delete(update.key);
      if (claims.size === 0) this.#workloadRoutes.delete(dst);
    }
    for (const dst of dsts) {
      let claims = this.#workloadRoutes.get(dst);
      if (!claims) this.#workloadRoutes.set(dst, (claims = new Map()));
      claims.set(update.key, { dst, type: 'local-workload', interfaceName: iface! });
    }
    if (dsts.length > 0) this.#workloadDsts.set(update.key, dsts);
    else this.#workloadDsts.delete(update.key);
    for (const dst of new Set([...old, ...dsts])) this.#recalc(dst);
  }

  #onBlock(update: Update): void {
    const spec = (update.value as Resource<string, BlockSpec> | undefined)?.spec;
    const old = this.#blocks.get(update.key);
    const node = spec?.affinity?.startsWith('host:') ? spec.affinity.slice('host:'.length) : undefined;
    if (old) {
      this.#blocks.delete(update.key);
      this.#blocksByNode.get(old.node)?.delete(update.key);
      this.#blocksByCidr.get(old.cidr)?.delete(update.key);
    }
    if (spec?.cidr && node) {
      this.#blocks.set(update.key, { cidr: spec.cidr, node });
      let set = this.#blocksByNode.get(node);
      if (!set) this.#blocksByNode.set(node, (set = new Set()));
      set.add(update.key);
      let byCidr = this.#blocksByCidr.get(spec.cidr);
      if (!byCidr) this.#blocksByCidr.set(spec.cidr, (byCidr = new Set()));
      byCidr.add(update.key);
    }
    if (old) this.#recalc(old.cidr);
    if (spec?.cidr && spec.cidr !== old?.cidr) this.#recalc(spec.cidr);
  }

  #onNode(update: Update): void {
    const ip = nodeIPv4(update.value as CalicoNode | undefined);
    if (ip === this.#nodeIPs.get(update.key)) return;
    if (ip) this.#nodeIPs.set(update.key, ip);
    else this.#nodeIPs.delete(update.key);
    for (const blockKey of this.#blocksByNode.get(update.key) ?? []) this.#recalc(this.#blocks.get(blockKey)!.cidr);
  }

  #onPool(update: Update): void {
    const spec = (update.value as Resource<string, IPPoolSpec> | undefined)?.spec;
    if (!spec?.cidr) {
      this.#callbacks.onIPPoolRemoved(update.key);
      return;
    }
    this.#callbacks.onIPPoolUpdate(update.key, {
      cidr: spec.cidr,
      natOutgoing: spec.natOutgoing === true,
      vxlanMode: spec.vxlanMode ?? 'Never',
      disabled: spec.disabled === true,
    });
  }

  /** The route for one destination now, by priority: local workload, then block. */
  #routeFor(dst: string): RouteInfo | undefined {
    const claims = this.#workloadRoutes.get(dst);
    if (claims) return claims.get([...claims.keys()].sort()[0]!);
    let best: { key: string; node: string } | undefined;
    for (const key of this.#blocksByCidr.get(dst) ?? []) {
      if (!best || key < best.key) best = { key, node: this.#blocks.get(key)!.node };
    }
    if (!best) return undefined;
    if (best.node === this.#nodeName) return { dst, type: 'local-block', nodeName: best.node };
    const route: RouteInfo = { dst, type: 'remote-block', nodeName: best.node };
    const nextHop = this.#nodeIPs.get(best.node);
    if (nextHop) route.nextHop = nextHop;
    return route;
  }

  #recalc(dst: string): void {
    const route = this.#routeFor(dst);
    const json = route ? JSON.stringify(route) : undefined;
    if (json === this.#current.get(dst)) return;
    if (route) {
      this.#current.set(dst, json!);
      this.#callbacks.onRouteUpdate(route);
    } else {
      this.#current.delete(dst);
      this.#callbacks.onRouteRemoved(dst);
    }
  }
}
