/**
 * Renders the whole `calico` table for one family from the dataplane state. Pure; a RenderCache lets the
 * driver re-render after every change while only rebuilding what changed (policies, profiles and IP sets
 * are cached by object identity, so the driver replaces those objects rather than mutating them).
 */
import type { DataplaneConfig, HostEndpointInfo, PolicyRules, TierInfo, WorkloadEndpointInfo } from '../../calc/dataplane-api.js';
import type { BaseChainHook, DataplaneState, IPSetState, NftChain, NftMap, NftSet, NftTable } from './model.js';
import {
  CLEAR_ACCEPT_PASS,
  IF_ACCEPTED,
  IF_NOT_ACCEPTED,
  TABLE_NAME,
  WL_FROM_DISPATCH,
  WL_FROM_PROGRAMMED,
  WL_TO_DISPATCH,
  WL_TO_PROGRAMMED,
  chainName,
  hostEndpointIfaceId,
  nftString,
  type NftFamily,
} from './names.js';
import { policyLayerOf, renderEndpointChain, renderPolicyChains, renderProfileChains } from './endpoint-chains.js';
import { renderIPSet, renderPoolSets } from './sets.js';

export const HEP_FROM = 'cali-from-host-endpoint';
export const HEP_TO = 'cali-to-host-endpoint';
export const HEP_FROM_FWD = 'cali-from-hep-forward';
export const HEP_TO_FWD = 'cali-to-hep-forward';

/** Per-family memo of rendered pieces, keyed by the identity of the state objects they came from. */
export class RenderCache {
  #config: DataplaneConfig | undefined;
  #policies = new WeakMap<PolicyRules, NftChain[]>();
  #profiles = new WeakMap<PolicyRules, NftChain[]>();
  #sets = new WeakMap<IPSetState, NftSet>();
  #workloads = new WeakMap<WorkloadEndpointInfo, { deps: string; chains: NftChain[] }>();

  #checkConfig(config: DataplaneConfig): void {
    if (config !== this.#config) {
      this.#config = config;
      this.#policies = new WeakMap();
      this.#profiles = new WeakMap();
      this.#workloads = new WeakMap();
    }
  }

  policy(key: string, rules: PolicyRules, family: NftFamily, config: DataplaneConfig): NftChain[] {
    this.#checkConfig(config);
    let chains = this.#policies.get(rules);
    if (!chains) {
      const layer = policyLayerOf(rules);
      try {
        chains = renderPolicyChains(key, rules, family, config, layer);
      } catch (err) {
        // Fail closed: a policy we cannot express drops everything it is asked about.
        chains = renderPolicyChains(key, { inbound: [], outbound: [] }, family, config, layer).map((c) => failClosedChain(c, `Policy ${key}`, err));
      }
      this.#policies.set(rules, chains);
    }
    return chains;
  }

  profile(name: string, rules: PolicyRules, family: NftFamily, config: DataplaneConfig): NftChain[] {
    this.#checkConfig(config);
    let chains = this.#profiles.get(rules);
    if (!chains) {
      try {
        chains = renderProfileChains(name, rules, family, config);
      } catch (err) {
        chains = renderProfileChains(name, { inbound: [], outbound: [] }, family, config).map((c) => failClosedChain(c, `Profile ${name}`, err));
      }
      this.#profiles.set(rules, chains);
    }
    return chains;
  }

  /**
   * Workload chains depend on the endpoint and on whether each policy/profile it names exists (and is
   * staged), not on the policies' rules, so a policy edit does not re-render endpoints.
   */
  workload(ep: WorkloadEndpointInfo, state: DataplaneState, family: NftFamily): NftChain[] {
    this.#checkConfig(state.config);
    const deps = dependencyKey(ep.tiers, ep.profileIds, state);
    const hit = this.#workloads.get(ep);
    if (hit && hit.deps === deps) return hit.chains;
    const chains = workloadChains(ep, state, family);
    this.#workloads.set(ep, { deps, chains });
    return chains;
  }

  ipSet(id: string, set: IPSetState, family: NftFamily): NftSet {
    let s = this.#sets.get(set);
    if (!s) {
      s = renderIPSet(id, set, family);
      this.#sets.set(set, s);
    }
    return s;
  }
}

function failClosedChain(c: NftChain, what: string, err: unknown): NftChain {
  const why = err instanceof Error ? err.message : String(err);
  return { name: c.name, rules: [`drop comment ${nftString(`${what} cannot be programmed: ${why}`)}`] };
}

function dependencyKey(tiers: TierInfo[], profileIds: string[], state: DataplaneState): string {
  let key = '';
  for (const t of tiers) {
    for (const k of [...t.ingressPolicies, ...t.egressPolicies]) {
      const p = state.policies.get(k);
      key += p === undefined ? '0' : p.rules.staged ? 's' : '1';
    }
  }
  for (const name of profileIds) key += state.profiles.has(name) ? '1' : '0';
  return key;
}

/** Some policy is enforced for `dir` (staged ones are not; one we lack counts, so its chain fails closed). */
function hasPolicies(tiers: TierInfo[], dir: 'ingress' | 'egress', state: DataplaneState): boolean {
  return tiers.some((t) => (dir === 'ingress' ? t.ingressPolicies : t.egressPolicies).some((k) => state.policies.get(k)?.rules.staged !== true));
}

/** Conntrack and mark clearing for workload chains happen once, in the dispatch chain (workloadDispatchChain). */
function workloadChains(ep: WorkloadEndpointInfo, state: DataplaneState, family: NftFamily): NftChain[] {
  const common = { tiers: ep.tiers, profileIds: ep.profileIds, layer: 'filter', conntrack: false, clearMarks: false, endOfTierDrop: true, finalDrop: true, useProfiles: true } as const;
  return [
    renderEndpointChain({ ...common, name: chainName('cali-tw-', ep.interfaceName), dir: 'ingress' }, state, family),
    renderEndpointChain({ ...common, name: chainName('cali-fw-', ep.interfaceName), dir: 'egress' }, state, family),
  ];
}

interface HostEndpointRender {
  chains: NftChain[];
  /** Dispatch entries: map name → chain to `goto`. */
  dispatch: Array<[string, string]>;
  rawIn?: string;
  rawOut?: string;
  mangleIn?: string;
}

function hostEndpointChains(ep: HostEndpointInfo, state: DataplaneState, family: NftFamily): HostEndpointRender {
  const id = hostEndpointIfaceId(ep.interfaceName);
  const out: HostEndpointRender = { chains: [], dispatch: [] };
  const normal = { profileIds: ep.profileIds, conntrack: true, layer: 'filter', endOfTierDrop: true, finalDrop: true, useProfiles: true } as const;
  const fh = chainName('cali-fh-', id);
  const th = chainName('cali-th-', id);
  out.chains.push(renderEndpointChain({ ...normal, name: fh, dir: 'ingress', tiers: ep.tiers, failsafeChain: 'cali-failsafe-in' }, state, family));
  out.chains.push(renderEndpointChain({ ...normal, name: th, dir: 'egress', tiers: ep.tiers, failsafeChain: 'cali-failsafe-out' }, state, family));
  out.dispatch.push([HEP_FROM, fh], [HEP_TO, th]);
  // Forwarded traffic is only policed when some applyOnForward policy applies in that direction.
  const fwd = { ...normal, tiers: ep.forwardTiers, useProfiles: false } as const;
  if (hasPolicies(ep.forwardTiers, 'ingress', state)) {
    const name = chainName('cali-fhfw-', id);
    out.chains.push(renderEndpointChain({ ...fwd, name, dir: 'ingress' }, state, family));
    out.dispatch.push([HEP_FROM_FWD, name]);
  }
  if (hasPolicies(ep.forwardTiers, 'egress', state)) {
    const name = chainName('cali-thfw-', id);
    out.chains.push(renderEndpointChain({ ...fwd, name, dir: 'egress' }, state, family));
    out.dispatch.push([HEP_TO_FWD, name]);
  }
  // Untracked (raw) and pre-DNAT (mangle) chains fall through to normal policy when nothing decides.
  const fallThrough = { profileIds: [] as string[], conntrack: false, endOfTierDrop: false, finalDrop: false, useProfiles: false } as const;
  if (hasPolicies(ep.untrackedTiers, 'ingress', state)) {
    out.rawIn = chainName('raw-cali-fh-', id);
    out.chains.push(renderEndpointChain({ ...fallThrough, name: out.rawIn, dir: 'ingress', tiers: ep.untrackedTiers, layer: 'raw', failsafeChain: RAW_FAILSAFE_IN }, state, family));
  }
  if (hasPolicies(ep.untrackedTiers, 'egress', state)) {
    out.rawOut = chainName('raw-cali-th-', id);
    out.chains.push(renderEndpointChain({ ...fallThrough, name: out.rawOut, dir: 'egress', tiers: ep.untrackedTiers, layer: 'raw', failsafeChain: RAW_FAILSAFE_OUT }, state, family));
  }
  if (hasPolicies(ep.preDNATTiers, 'ingress', state)) {
    out.mangleIn = chainName('mangle-cali-fh-', id);
    out.chains.push(renderEndpointChain({ ...fallThrough, name: out.mangleIn, dir: 'ingress', tiers: ep.preDNATTiers, layer: 'mangle', failsafeChain: 'cali-failsafe-in' }, state, family));
  }
  return out;
}

// The raw table runs before conntrack, so its failsafe chains also pass the replies of the other
// direction's failsafe connections (source port = the failsafe port); otherwise an untracked Deny would
// drop them. Filter and mangle rely on conntrack for replies and use the plain chains.
const RAW_FAILSAFE_IN = 'raw-cali-failsafe-in';
const RAW_FAILSAFE_OUT = 'raw-cali-failsafe-out';

type FailsafePorts = DataplaneConfig['failsafeInboundHostPorts'];

/** `reverse`: ports whose replies to accept too (matched on the source port). */
function failsafeChain(name: string, ports: FailsafePorts, family: NftFamily, inbound: boolean, reverse: FailsafePorts = []): NftChain {
  const rules: string[] = [];
  const addr = family === 'ip' ? 'ip' : 'ip6';
  const add = (p: FailsafePorts[number], portKw: 'dport' | 'sport'): void => {
    const isV6Net = p.net?.includes(':');
    if (p.net && isV6Net !== (family === 'ip6')) return;
    // The net names the peer: the source of inbound packets, the destination of outbound ones.
    const net = p.net ? `${addr} ${inbound ? 'saddr' : 'daddr'} ${p.net} ` : '';
    rules.push(`${net}meta l4proto ${(p.protocol || 'tcp').toLowerCase()} th ${portKw} ${p.port} accept`);
  };
  for (const p of ports) add(p, 'dport');
  for (const p of reverse) add(p, 'sport');
  return { name, rules };
}

/**
 * A shard's workload dispatch chain. Felix starts every workload chain with "accept established, drop invalid,
 * clear the marks"; here those run once, before the verdict map, with the accept limited to interfaces
 * whose chain is programmed (`programmed` set: an endpoint still held at drop while it is filled, or
 * failed closed, is left out, so it gets no established traffic either). The from-workload chain also
 * drops encapsulated packets here rather than in each cali-fw- chain. Same verdicts, and about a third
 * fewer rules per endpoint for the kernel to re-validate on every commit.
 */
function workloadDispatchChain(name: string, ifKw: 'iifname' | 'oifname', programmed: string, config: DataplaneConfig, family: NftFamily): NftChain {
  const rules = [`ct state established,related ${ifKw} @${programmed} accept`];
  if (!config.disableConntrackInvalidCheck) rules.push('ct state invalid drop');
  rules.push(CLEAR_ACCEPT_PASS);
  if (ifKw === 'iifname') {
    // Felix drops these at the top of every cali-fw- chain (after conntrack); here once for all workloads.
    rules.push(`meta l4proto udp th dport 4789 drop comment ${nftString('Drop VXLAN encapped packets originating in workloads')}`);
    if (family === 'ip') rules.push(`meta l4proto 4 drop comment ${nftString('Drop IPinIP encapped packets originating in workloads')}`);
  }
  // Only this shard's interfaces get here, and each has an entry: a miss would be a bug, so it drops.
  rules.push(`${ifKw} vmap @${name}`, `drop comment ${nftString('Unknown interface')}`);
  return { name, rules };
}

function dispatchChain(name: string, ifKw: 'iifname' | 'oifname', prefixes: string[], anyChain?: string): NftChain {
  const rules: string[] = [];
  for (const p of prefixes) rules.push(`${ifKw} ${nftString(`${p}*`)} return comment ${nftString('Workload interfaces are not host endpoints')}`);
  rules.push(`${ifKw} vmap @${name}`);
  if (anyChain) rules.push(`${ifKw} != "lo" goto ${anyChain}`);
  return { name, rules };
}

/**
 * Workload endpoints are spread over this many tables per family by a hash of their interface name.
 * The kernel re-validates every rule reachable from a table's base chains whenever a rule in that table
 * changes, so a policy edit costs time in proportion to the table it lands in: sharding makes an edit
 * that concerns a few endpoints re-validate a quarter of them, not all. Verdicts are unchanged: each
 * shard's base chains run after the main table's (priority filter + 1) and only for their own
 * interfaces, and netfilter runs every base chain on a hook until one drops, so a packet passes only if
 * the main table and the shards of its source and destination workloads all let it through.
 */
export const WORKLOAD_SHARDS = 4;
/** All workload interfaces in the main table; a shard's own in each shard. */
export const WL_IFACES = 'cali-wl-ifaces';

/** The shard of a workload interface: FNV-1a of its name. Pure and stable across restarts. */
export function workloadShard(interfaceName: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < interfaceName.length; i++) h = Math.imul(h ^ interfaceName.charCodeAt(i), 0x01000193) >>> 0;
  return h % WORKLOAD_SHARDS;
}

export function shardTableName(shard: number): string {
  return `${TABLE_NAME}-wl${shard}`;
}

/** Whether a table of this name is ours: the main table or a workload shard (of any shard count). */
export function isOwnTable(name: string): boolean {
  return name === TABLE_NAME || (name.startsWith(`${TABLE_NAME}-wl`) && /^\d+$/.test(name.slice(TABLE_NAME.length + 3)));
}

/** Set names a chain's rules refer to (`@name`), memoised per chain object. */
const chainSetRefs = new WeakMap<NftChain, string[]>();
export function setReferences(c: NftChain): string[] {
  let refs = chainSetRefs.get(c);
  if (!refs) {
    refs = [];
    for (const r of c.rules) for (const m of r.matchAll(/@([A-Za-z0-9_./-]+)/g)) refs.push(m[1]!);
    chainSetRefs.set(c, refs);
  }
  return refs;
}

/** What a table's endpoint chains jump to: `i|<policy>` / `e|<policy>`, and profile names. */
interface References {
  policies: Set<string>;
  profiles: Set<string>;
}

function noteTiers(refs: References, tiers: TierInfo[]): void {
  for (const t of tiers) {
    for (const k of t.ingressPolicies) refs.policies.add(`i|${k}`);
    for (const k of t.egressPolicies) refs.policies.add(`e|${k}`);
  }
}

/**
 * Chains, sets and maps being gathered for one table. A policy or profile chain is in a table exactly
 * when an endpoint chain there refers to it, and an IP set exactly when a rule there names it.
 */
class TableBuilder {
  readonly chains = new Map<string, NftChain>();
  readonly sets = new Map<string, NftSet>();
  readonly maps = new Map<string, NftMap>();
  readonly refs: References = { policies: new Set(), profiles: new Set() };

  add(c: NftChain): void {
    this.chains.set(c.name, c);
  }

  finish(family: NftFamily, name: string, state: DataplaneState, cache: RenderCache, ipSets: ReadonlyMap<string, NftSet>): NftTable {
    const { config } = state;
    for (const ref of this.refs.policies) {
      const key = ref.slice(2);
      const pol = state.policies.get(key);
      // Missing: the endpoint chain already fails closed. Staged: it is not jumped to.
      if (!pol || pol.rules.staged) continue;
      const [inbound, outbound] = cache.policy(key, pol.rules, family, config);
      this.add(ref[0] === 'i' ? inbound! : outbound!);
    }
    for (const profile of this.refs.profiles) {
      const rules = state.profiles.get(profile);
      if (rules) for (const c of cache.profile(profile, rules, family, config)) this.add(c);
    }
    for (const c of this.chains.values()) {
      for (const ref of setReferences(c)) {
        const s = ipSets.get(ref);
        if (s) this.sets.set(ref, s);
      }
    }
    return { family, name, chains: this.chains, sets: this.sets, maps: this.maps };
  }
}

/**
 * Build the tables for one family: the main table (`calico`: host endpoints, base chains, NAT) first, then
 * the workload shards (`calico-wl0`...).
 */
export function buildTables(state: DataplaneState, family: NftFamily, cache: RenderCache = new RenderCache()): NftTable[] {
  const ipSets = new Map<string, NftSet>();
  for (const [id, set] of state.ipSets) {
    const s = cache.ipSet(id, set, family);
    ipSets.set(s.name, s);
  }
  const shards = Array.from({ length: WORKLOAD_SHARDS }, () => new ShardBuilder());
  const allWorkloads: string[] = [];
  for (const ep of state.workloadEndpoints.values()) {
    const iface = nftString(ep.interfaceName);
    allWorkloads.push(iface);
    shards[workloadShard(ep.interfaceName)]!.addWorkload(ep, iface, state, family, cache);
  }
  const main = buildMainTable(state, family, allWorkloads, cache, ipSets);
  return [main, ...shards.map((b, k) => finishShard(b, k, state, family, cache, ipSets))];
}

/** A shard's workloads, gathered before its sets and maps are built. */
class ShardBuilder extends TableBuilder {
  readonly ifaces: string[] = [];
  readonly programmed: string[] = [];
  readonly toDispatch = new Map<string, string>();
  readonly fromDispatch = new Map<string, string>();

  addWorkload(ep: WorkloadEndpointInfo, iface: string, state: DataplaneState, family: NftFamily, cache: RenderCache): void {
    this.ifaces.push(iface);
    if ((family === 'ip' ? ep.ipv4Nets : ep.ipv6Nets).length === 0) {
      // Nothing of this family can be addressed to or from it, so nothing of this family passes: a drop
      // verdict instead of chains keeps this family's tables (and the kernel's validation of them) small
      // where a cluster is single-stack. Never more open than its chains would be.
      this.toDispatch.set(iface, 'drop');
      this.fromDispatch.set(iface, 'drop');
      return;
    }
    const [tw, fw] = cache.workload(ep, state, family);
    this.add(tw!);
    this.add(fw!);
    noteTiers(this.refs, ep.tiers);
    for (const p of ep.profileIds) this.refs.profiles.add(p);
    this.programmed.push(iface);
    this.toDispatch.set(iface, `goto ${tw!.name}`);
    this.fromDispatch.set(iface, `goto ${fw!.name}`);
  }
}

/** Every shard has the same skeleton, workloads or not, so its hooks never come and go. */
function finishShard(b: ShardBuilder, shard: number, state: DataplaneState, family: NftFamily, cache: RenderCache, ipSets: ReadonlyMap<string, NftSet>): NftTable {
  const { config } = state;
  const ifnameSet = (name: string, elements: string[]): void => void b.sets.set(name, { name, type: 'ifname', interval: false, elements: [...elements].sort() });
  ifnameSet(WL_IFACES, b.ifaces);
  ifnameSet(WL_TO_PROGRAMMED, b.programmed);
  ifnameSet(WL_FROM_PROGRAMMED, b.programmed);
  for (const [name, elements] of [[WL_TO_DISPATCH, b.toDispatch], [WL_FROM_DISPATCH, b.fromDispatch]] as const) {
    b.maps.set(name, { name, type: 'ifname : verdict', elements });
  }
  b.add(workloadDispatchChain(WL_TO_DISPATCH, 'oifname', WL_TO_PROGRAMMED, config, family));
  b.add(workloadDispatchChain(WL_FROM_DISPATCH, 'iifname', WL_FROM_PROGRAMMED, config, family));
  // Neighbour discovery to the host is never subject to a workload's egress policy.
  b.add({ name: 'cali-wl-to-host', rules: [...neighbourDiscovery(family), `jump ${WL_FROM_DISPATCH}`] });
  const hook = (h: 'forward' | 'input'): BaseChainHook => ({ type: 'filter', hook: h, priority: 'filter + 1' });
  b.add({
    name: 'filter-FORWARD',
    hook: hook('forward'),
    rules: [`iifname @${WL_IFACES} jump ${WL_FROM_DISPATCH}`, `oifname @${WL_IFACES} jump ${WL_TO_DISPATCH}`],
  });
  b.add({ name: 'filter-INPUT', hook: hook('input'), rules: [`iifname @${WL_IFACES} jump cali-wl-to-host`] });
  return b.finish(family, shardTableName(shard), state, cache, ipSets);
}

function neighbourDiscovery(family: NftFamily): string[] {
  return family === 'ip6' ? ['icmpv6 type { 130, 131, 132, 133, 135, 136 } accept'] : [];
}

function buildMainTable(state: DataplaneState, family: NftFamily, allWorkloads: string[], cache: RenderCache, ipSets: ReadonlyMap<string, NftSet>): NftTable {
  const { config } = state;
  const b = new TableBuilder();
  const add = (c: NftChain): void => b.add(c);
  const mapEntries = new Map<string, Map<string, string>>([HEP_FROM, HEP_TO, HEP_FROM_FWD, HEP_TO_FWD].map((n) => [n, new Map<string, string>()]));
  for (const ep of state.hostEndpoints.values()) {
    [ep.tiers, ep.forwardTiers, ep.untrackedTiers, ep.preDNATTiers].forEach((t) => noteTiers(b.refs, t));
    for (const p of ep.profileIds) b.refs.profiles.add(p);
  }

  const prefixes = config.interfacePrefixes.length > 0 ? config.interfacePrefixes : ['cali'];
  const anyHep: Partial<Record<string, string>> = {};
  const rawIn: string[] = [];
  const rawOut: string[] = [];
  const mangleIn: string[] = [];
  for (const ep of state.hostEndpoints.values()) {
    const r = hostEndpointChains(ep, state, family);
    r.chains.forEach(add);
    const iface = nftString(ep.interfaceName);
    for (const [map, chain] of r.dispatch) {
      if (ep.interfaceName === '*') anyHep[map] = chain;
      else mapEntries.get(map)!.set(iface, `goto ${chain}`);
    }
    // A `*` host endpoint covers every interface but lo and the workloads' (as the dispatch chains do).
    const match = (kw: string): string =>
      ep.interfaceName === '*' ? [`${kw} != "lo"`, ...prefixes.map((p) => `${kw} != ${nftString(`${p}*`)}`)].join(' ') : `${kw} ${iface}`;
    if (r.rawIn) rawIn.push(`${match('iifname')} jump ${r.rawIn}`);
    if (r.rawOut) rawOut.push(`${match('oifname')} jump ${r.rawOut}`);
    if (r.mangleIn) mangleIn.push(`${match('iifname')} jump ${r.mangleIn}`);
  }

  for (const [name, elements] of mapEntries) b.maps.set(name, { name, type: 'ifname : verdict', elements });
  b.sets.set(WL_IFACES, { name: WL_IFACES, type: 'ifname', interval: false, elements: [...allWorkloads].sort() });
  add(dispatchChain(HEP_FROM, 'iifname', prefixes, anyHep[HEP_FROM]));
  add(dispatchChain(HEP_TO, 'oifname', prefixes, anyHep[HEP_TO]));
  add(dispatchChain(HEP_FROM_FWD, 'iifname', prefixes, anyHep[HEP_FROM_FWD]));
  add(dispatchChain(HEP_TO_FWD, 'oifname', prefixes, anyHep[HEP_TO_FWD]));
  add(failsafeChain('cali-failsafe-in', config.failsafeInboundHostPorts, family, true));
  add(failsafeChain('cali-failsafe-out', config.failsafeOutboundHostPorts, family, false));
  if (rawIn.length > 0) add(failsafeChain(RAW_FAILSAFE_IN, config.failsafeInboundHostPorts, family, true, config.failsafeOutboundHostPorts));
  if (rawOut.length > 0) add(failsafeChain(RAW_FAILSAFE_OUT, config.failsafeOutboundHostPorts, family, false, config.failsafeInboundHostPorts));

  // Workload egress policy runs in the interface's shard; here only what applies to every workload.
  const unknown = (kw: string): string => `${kw} != @${WL_IFACES} drop comment ${nftString('Unknown interface')}`;
  const action = config.defaultEndpointToHostAction;
  const actionComment = `comment ${nftString('Configured DefaultEndpointToHostAction')}`;
  add({
    name: 'cali-wl-to-host',
    rules: [
      ...neighbourDiscovery(family),
      unknown('iifname'),
      // Replies to the host's own connections; the shard still vets them (held or failed endpoints drop).
      'ct state established,related accept',
      `${action === 'Accept' ? 'accept' : action === 'Return' ? 'return' : 'drop'} ${actionComment}`,
    ],
  });

  const untrackedAccept = rawOut.length > 0 ? [`${IF_ACCEPTED} ct state untracked accept`] : [];
  // A packet that untracked (raw) or pre-DNAT (mangle) policy allowed skips normal host endpoint policy
  // on its way to the host, and the ingress forward policy when forwarded; workload policy still applies.
  const preAccepted = rawIn.length + mangleIn.length > 0;
  const alreadyAccepted = preAccepted ? [`${IF_ACCEPTED} accept comment ${nftString('Accepted by untracked or pre-DNAT policy')}`] : [];
  const accepted = `${IF_ACCEPTED} accept comment ${nftString('Policy explicitly accepted packet')}`;
  const perPrefix = (kw: string, verdict: string): string[] => prefixes.map((p) => `${kw} ${nftString(`${p}*`)} ${verdict}`);
  add({
    name: 'filter-INPUT',
    hook: { type: 'filter', hook: 'input', priority: 'filter' },
    rules: [...perPrefix('iifname', 'jump cali-wl-to-host'), ...alreadyAccepted, `jump ${HEP_FROM}`, accepted],
  });
  add({
    name: 'filter-FORWARD',
    hook: { type: 'filter', hook: 'forward', priority: 'filter' },
    rules: [
      `${preAccepted ? `${IF_NOT_ACCEPTED} ` : ''}jump ${HEP_FROM_FWD}`,
      ...perPrefix('iifname', unknown('iifname')),
      ...perPrefix('oifname', unknown('oifname')),
      `jump ${HEP_TO_FWD}`,
      accepted,
    ],
  });
  add({
    name: 'filter-OUTPUT',
    hook: { type: 'filter', hook: 'output', priority: 'filter' },
    // Felix does not police host-to-workload traffic with the workload's ingress policy.
    rules: [...untrackedAccept, ...perPrefix('oifname', 'return'), `jump ${HEP_TO}`, accepted],
  });
  const notrack = `${IF_ACCEPTED} notrack accept`;
  if (rawIn.length > 0) add({ name: 'raw-PREROUTING', hook: { type: 'filter', hook: 'prerouting', priority: 'raw' }, rules: [CLEAR_ACCEPT_PASS, ...rawIn, notrack] });
  if (rawOut.length > 0) add({ name: 'raw-OUTPUT', hook: { type: 'filter', hook: 'output', priority: 'raw' }, rules: [CLEAR_ACCEPT_PASS, ...rawOut, notrack] });
  if (mangleIn.length > 0) {
    add({
      name: 'mangle-PREROUTING',
      hook: { type: 'filter', hook: 'prerouting', priority: 'mangle' },
      rules: ['ct state established,related accept', `${IF_ACCEPTED} accept comment ${nftString('Accepted by untracked policy')}`, ...mangleIn, `${IF_ACCEPTED} accept`],
    });
  }

  const pools = renderPoolSets(state.ipPools.values(), family);
  if (pools.masq.elements.length > 0) {
    b.sets.set(pools.masq.name, pools.masq);
    b.sets.set(pools.all.name, pools.all);
    const addr = family === 'ip' ? 'ip' : 'ip6';
    add({ name: 'cali-nat-outgoing', rules: [`${addr} saddr @${pools.masq.name} ${addr} daddr != @${pools.all.name} masquerade`] });
    add({ name: 'nat-POSTROUTING', hook: { type: 'nat', hook: 'postrouting', priority: 'srcnat' }, rules: ['jump cali-nat-outgoing'] });
  }
  return b.finish(family, TABLE_NAME, state, cache, ipSets);
}
