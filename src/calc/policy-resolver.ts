/**
 * For each local endpoint, the ordered tiers and policies that apply to it (Felix's PolicyResolver
 * plus PolicySorter): tiers that hold at least one policy selecting the endpoint, in tier order; in
 * each, those policies in policy order, split by direction according to the policy's `types`.
 * Host endpoints also get untracked (doNotTrack), preDNAT and forward (applyOnForward) tier lists;
 * untracked and preDNAT tiers end in Pass so the normal tiers still run.
 *
 * It does not decide which policies match which endpoints (the ActiveRulesCalculator reports that),
 * and it emits only once in sync, on `flush()`, for endpoints whose result may have changed.
 */
import type { HostEndpointSpec, Resource, WorkloadEndpointSpec } from '../api/types.js';
import { implicitTier, sortPolicies, sortTiers, type PolicyModel, type TierModel } from '../policy/index.js';
import type { EndpointCallbacks, HostEndpointInfo, TierInfo, WorkloadEndpointInfo } from './dataplane-api.js';
import type { Dispatcher } from './dispatcher.js';
import { endpointId, type PolicyMatchListener } from './active-rules-calculator.js';
import { hostCIDR } from './route-resolver.js';
import { TIER_MODEL } from './validation-filter.js';
import type { SyncStatus, Update } from './types.js';

interface LocalEndpoint {
  kind: string;
  key: string;
  resource: Resource;
}

interface ResolvedTiers {
  normal: TierInfo[];
  untracked: TierInfo[];
  preDNAT: TierInfo[];
  forward: TierInfo[];
}

/** The fields of a policy that decide where it sits in an endpoint's tiers. */
function placement(p: PolicyModel): string {
  return JSON.stringify([p.tier, p.order, p.name, p.namespace, p.kind, p.types, p.doNotTrack, p.preDNAT, p.applyOnForward]);
}

/** Resolve ordered tier lists from the policies matching one endpoint. */
export function resolveTiers(policies: Iterable<PolicyModel>, tierModels: ReadonlyMap<string, TierModel>): ResolvedTiers {
  const byTier = new Map<string, PolicyModel[]>();
  for (const p of policies) {
    let list = byTier.get(p.tier);
    if (!list) byTier.set(p.tier, (list = []));
    list.push(p);
  }
  const out: ResolvedTiers = { normal: [], untracked: [], preDNAT: [], forward: [] };
  const tiers = sortTiers([...byTier.keys()].map((name) => tierModels.get(name) ?? implicitTier(name)));
  for (const tier of tiers) {
    const make = (defaultAction: 'Deny' | 'Pass'): TierInfo => ({ name: tier.name, ingressPolicies: [], egressPolicies: [], defaultAction });
    const normal = make(tier.defaultAction);
    const untracked = make('Pass');
    const preDNAT = make('Pass');
    const forward = make(tier.defaultAction);
    const add = (t: TierInfo, p: PolicyModel, egressAllowed: boolean): void => {
      if (p.types.includes('Ingress')) t.ingressPolicies.push(p.key);
      if (egressAllowed && p.types.includes('Egress')) t.egressPolicies.push(p.key);
    };
    for (const p of sortPolicies(byTier.get(tier.name)!)) {
      if (p.doNotTrack) add(untracked, p, true);
      else if (p.preDNAT) add(preDNAT, p, false);
      else {
        if (p.applyOnForward) add(forward, p, true);
        add(normal, p, true);
      }
    }
    const keep = (list: TierInfo[], t: TierInfo): void => {
      if (t.ingressPolicies.length > 0 || t.egressPolicies.length > 0) list.push(t);
    };
    keep(out.normal, normal);
    keep(out.untracked, untracked);
    keep(out.preDNAT, preDNAT);
    keep(out.forward, forward);
  }
  return out;
}

function splitFamilies(addrs: string[]): { v4: string[]; v6: string[] } {
  return { v4: addrs.filter((a) => !a.includes(':')), v6: addrs.filter((a) => a.includes(':')) };
}

export class PolicyResolver implements PolicyMatchListener {
  readonly #callbacks: EndpointCallbacks;
  readonly #endpoints = new Map<string, LocalEndpoint>();
  readonly #policiesByEndpoint = new Map<string, Set<string>>();
  readonly #endpointsByPolicy = new Map<string, Set<string>>();
  readonly #policies = new Map<string, PolicyModel>();
  readonly #tiers = new Map<string, TierModel>();
  readonly #dirty = new Set<string>();
  /** Endpoint ID → key/kind, kept for removals after the endpoint is gone. */
  readonly #removed = new Map<string, LocalEndpoint>();
  #inSync = false;

  constructor(callbacks: EndpointCallbacks) {
    this.#callbacks = callbacks;
  }

  registerWith(local: Dispatcher, all: Dispatcher): void {
    local.register('WorkloadEndpoint', (u) => this.#onEndpoint(u));
    local.register('HostEndpoint', (u) => this.#onEndpoint(u));
    all.register(TIER_MODEL, (u) => this.#onTier(u as Update<TierModel>));
    all.registerStatusHandler((s) => this.onStatusUpdate(s));
  }

  onStatusUpdate(status: SyncStatus): void {
    if (status === 'in-sync') this.#inSync = true;
  }

  #onEndpoint(update: Update): void {
    const id = endpointId(update.kind, update.key);
    if (update.value === undefined) {
      const old = this.#endpoints.get(id);
      if (old) this.#removed.set(id, old);
      this.#endpoints.delete(id);
    } else {
      this.#removed.delete(id);
      this.#endpoints.set(id, { kind: update.kind, key: update.key, resource: update.value as Resource });
    }
    this.#dirty.add(id);
  }

  #onTier(update: Update<TierModel>): void {
    if (update.value) this.#tiers.set(update.key, update.value);
    else if (!this.#tiers.delete(update.key)) return;
    for (const [key, p] of this.#policies) {
      if (p.tier !== update.key) continue;
      for (const ep of this.#endpointsByPolicy.get(key) ?? []) this.#dirty.add(ep);
    }
  }

  /** Policy metadata, from the ActiveRulesCalculator (only active policies matter here). */
  onPolicyActive(policy: PolicyModel): void {
    const old = this.#policies.get(policy.key);
    this.#policies.set(policy.key, policy);
    if (old && placement(old) !== placement(policy)) {
      for (const ep of this.#endpointsByPolicy.get(policy.key) ?? []) this.#dirty.add(ep);
    }
  }

  onPolicyInactive(key: string): void {
    this.#policies.delete(key);
  }

  onPolicyMatch(policyKey: string, epId: string): void {
    link(this.#policiesByEndpoint, epId, policyKey);
    link(this.#endpointsByPolicy, policyKey, epId);
    this.#dirty.add(epId);
  }

  onPolicyMatchStopped(policyKey: string, epId: string): void {
    unlink(this.#policiesByEndpoint, epId, policyKey);
    unlink(this.#endpointsByPolicy, policyKey, epId);
    this.#dirty.add(epId);
  }

  /** Emit every endpoint whose tiers may have changed (only once the syncer is in sync). */
  flush(): void {
    if (!this.#inSync) return;
    for (const id of this.#dirty) {
      const ep = this.#endpoints.get(id);
      if (ep) {
        this.#emit(id, ep);
        continue;
      }
      const gone = this.#removed.get(id);
      if (!gone) continue;
      this.#removed.delete(id);
      if (gone.kind === 'WorkloadEndpoint') this.#callbacks.onWorkloadEndpointRemoved(gone.key);
      else this.#callbacks.onHostEndpointRemoved(gone.key);
    }
    this.#dirty.clear();
  }

  #emit(id: string, ep: LocalEndpoint): void {
    const policies = [...(this.#policiesByEndpoint.get(id) ?? [])].map((k) => this.#policies.get(k)!);
    const tiers = resolveTiers(policies, this.#tiers);
    if (ep.kind === 'WorkloadEndpoint') {
      const spec = (ep.resource.spec ?? {}) as WorkloadEndpointSpec;
      const nets = splitFamilies((spec.ipNetworks ?? []).map(hostCIDR));
      const info: WorkloadEndpointInfo = {
        key: ep.key,
        interfaceName: spec.interfaceName ?? '',
        ipv4Nets: nets.v4,
        ipv6Nets: nets.v6,
        tiers: tiers.normal,
        profileIds: [...(spec.profiles ?? [])],
      };
      if (spec.mac) info.mac = spec.mac;
      this.#callbacks.onWorkloadEndpointUpdate(info);
    } else {
      const spec = (ep.resource.spec ?? {}) as HostEndpointSpec;
      const addrs = splitFamilies((spec.expectedIPs ?? []).map((a) => a.split('/')[0]!));
      const info: HostEndpointInfo = {
        key: ep.key,
        interfaceName: spec.interfaceName ?? '',
        expectedIPv4Addrs: addrs.v4,
        expectedIPv6Addrs: addrs.v6,
        tiers: tiers.normal,
        untrackedTiers: tiers.untracked,
        preDNATTiers: tiers.preDNAT,
        forwardTiers: tiers.forward,
        profileIds: [...(spec.profiles ?? [])],
      };
      this.#callbacks.onHostEndpointUpdate(info);
    }
  }
}

function link(map: Map<string, Set<string>>, a: string, b: string): void {
  let set = map.get(a);
  if (!set) map.set(a, (set = new Set()));
  set.add(b);
}

function unlink(map: Map<string, Set<string>>, a: string, b: string): void {
  const set = map.get(a);
  set?.delete(b);
  if (set?.size === 0) map.delete(a);
}
