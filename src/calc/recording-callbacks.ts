/**
 * A fake dataplane: applies the calculation graph's messages to an in-memory picture of what a
 * driver would have programmed, and checks the ordering contract as it goes (an IP set exists
 * before a rule uses it, a policy before an endpoint lists it, nothing is removed while in use or
 * removed twice, member deltas are exact). Tests compare `snapshot()` against expected state.
 *
 * Example:
 *   const rec = new RecordingCallbacks();
 *   const graph = buildCalcGraph('node1', rec);
 *   ...; graph.flush();
 *   assert.deepEqual(rec.snapshot().ipSets, { 's:abc': ['10.0.0.1'] });
 */
import { InvariantError } from '../lib/errors.js';
import type {
  DataplaneConfig,
  HostEndpointInfo,
  IPPoolInfo,
  IPSetType,
  ParsedRule,
  PipelineCallbacks,
  PolicyID,
  PolicyRules,
  RouteInfo,
  TierInfo,
  WorkloadEndpointInfo,
} from './dataplane-api.js';

export interface DataplaneSnapshot {
  config: DataplaneConfig | undefined;
  /** IP set ID to its sorted members. */
  ipSets: Record<string, string[]>;
  ipSetTypes: Record<string, IPSetType>;
  policies: Record<string, { id: PolicyID; rules: PolicyRules }>;
  profiles: Record<string, PolicyRules>;
  workloadEndpoints: Record<string, WorkloadEndpointInfo>;
  hostEndpoints: Record<string, HostEndpointInfo>;
  routes: Record<string, RouteInfo>;
  ipPools: Record<string, IPPoolInfo>;
  inSync: boolean;
}

const SET_FIELDS = [
  'srcIPSetIds',
  'notSrcIPSetIds',
  'dstIPSetIds',
  'notDstIPSetIds',
  'srcNamedPortIPSetIds',
  'notSrcNamedPortIPSetIds',
  'dstNamedPortIPSetIds',
  'notDstNamedPortIPSetIds',
] as const;

/** Every IP set ID a rule list refers to. */
export function ipSetIdsOfRules(rules: PolicyRules): string[] {
  const ids: string[] = [];
  const collect = (r: ParsedRule): void => {
    for (const f of SET_FIELDS) ids.push(...(r[f] ?? []));
  };
  rules.inbound.forEach(collect);
  rules.outbound.forEach(collect);
  return ids;
}

function policyKeysOfTiers(tiers: TierInfo[]): string[] {
  return tiers.flatMap((t) => [...t.ingressPolicies, ...t.egressPolicies]);
}

function sortedRecord<V, R>(map: Map<string, V>, f: (v: V) => R): Record<string, R> {
  const out: Record<string, R> = {};
  for (const k of [...map.keys()].sort()) out[k] = f(map.get(k)!);
  return out;
}

export class RecordingCallbacks implements PipelineCallbacks {
  config: DataplaneConfig | undefined;
  readonly ipSets = new Map<string, { type: IPSetType; members: Set<string> }>();
  readonly policies = new Map<string, { id: PolicyID; rules: PolicyRules }>();
  readonly profiles = new Map<string, PolicyRules>();
  readonly workloadEndpoints = new Map<string, WorkloadEndpointInfo>();
  readonly hostEndpoints = new Map<string, HostEndpointInfo>();
  readonly routes = new Map<string, RouteInfo>();
  readonly ipPools = new Map<string, IPPoolInfo>();
  inSync = false;
  /** Number of messages received, by method name. */
  readonly counts = new Map<string, number>();

  #count(method: string): void {
    this.counts.set(method, (this.counts.get(method) ?? 0) + 1);
  }

  /** Total messages received. */
  get messageCount(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  onConfigUpdate(config: DataplaneConfig): void {
    this.#count('onConfigUpdate');
    this.config = structuredClone(config);
  }

  onInSync(): void {
    this.#count('onInSync');
    if (this.inSync) throw new InvariantError('onInSync sent twice');
    this.inSync = true;
  }

  onIPSetAdded(id: string, type: IPSetType): void {
    this.#count('onIPSetAdded');
    if (this.ipSets.has(id)) throw new InvariantError(`IP set ${id} added but already exists`);
    this.ipSets.set(id, { type, members: new Set() });
  }

  onIPSetMembersAdded(id: string, members: string[]): void {
    this.#count('onIPSetMembersAdded');
    const set = this.#set(id);
    for (const m of members) {
      if (set.members.has(m)) throw new InvariantError(`IP set ${id}: member ${m} added twice`);
      set.members.add(m);
    }
  }

  onIPSetMembersRemoved(id: string, members: string[]): void {
    this.#count('onIPSetMembersRemoved');
    const set = this.#set(id);
    for (const m of members) {
      if (!set.members.delete(m)) throw new InvariantError(`IP set ${id}: removed member ${m} not present`);
    }
  }

  onIPSetRemoved(id: string): void {
    this.#count('onIPSetRemoved');
    this.#set(id);
    for (const [key, p] of this.policies) {
      if (ipSetIdsOfRules(p.rules).includes(id)) throw new InvariantError(`IP set ${id} removed while policy ${key} uses it`);
    }
    for (const [name, rules] of this.profiles) {
      if (ipSetIdsOfRules(rules).includes(id)) throw new InvariantError(`IP set ${id} removed while profile ${name} uses it`);
    }
    this.ipSets.delete(id);
  }

  #set(id: string): { type: IPSetType; members: Set<string> } {
    const set = this.ipSets.get(id);
    if (!set) throw new InvariantError(`IP set ${id} used but does not exist`);
    return set;
  }

  #checkRules(what: string, rules: PolicyRules): void {
    for (const id of ipSetIdsOfRules(rules)) {
      if (!this.ipSets.has(id)) throw new InvariantError(`${what} references IP set ${id}, which does not exist`);
    }
  }

  onPolicyUpdate(key: string, id: PolicyID, rules: PolicyRules): void {
    this.#count('onPolicyUpdate');
    this.#checkRules(`policy ${key}`, rules);
    this.policies.set(key, structuredClone({ id, rules }));
  }

  onPolicyRemoved(key: string): void {
    this.#count('onPolicyRemoved');
    if (!this.policies.has(key)) throw new InvariantError(`policy ${key} removed but does not exist`);
    for (const ep of [...this.workloadEndpoints.values(), ...this.hostEndpoints.values()]) {
      if (this.#endpointPolicies(ep).includes(key)) throw new InvariantError(`policy ${key} removed while ${ep.key} uses it`);
    }
    this.policies.delete(key);
  }

  onProfileUpdate(name: string, rules: PolicyRules): void {
    this.#count('onProfileUpdate');
    this.#checkRules(`profile ${name}`, rules);
    this.profiles.set(name, structuredClone(rules));
  }

  onProfileRemoved(name: string): void {
    this.#count('onProfileRemoved');
    if (!this.profiles.has(name)) throw new InvariantError(`profile ${name} removed but does not exist`);
    for (const ep of [...this.workloadEndpoints.values(), ...this.hostEndpoints.values()]) {
      if (ep.profileIds.includes(name)) throw new InvariantError(`profile ${name} removed while ${ep.key} uses it`);
    }
    this.profiles.delete(name);
  }

  #endpointPolicies(ep: WorkloadEndpointInfo | HostEndpointInfo): string[] {
    const keys = policyKeysOfTiers(ep.tiers);
    if ('untrackedTiers' in ep) {
      keys.push(
        ...policyKeysOfTiers(ep.untrackedTiers),
        ...policyKeysOfTiers(ep.preDNATTiers),
        ...policyKeysOfTiers(ep.forwardTiers),
      );
    }
    return keys;
  }

  #checkEndpoint(ep: WorkloadEndpointInfo | HostEndpointInfo): void {
    for (const key of this.#endpointPolicies(ep)) {
      if (!this.policies.has(key)) throw new InvariantError(`endpoint ${ep.key} references policy ${key}, which does not exist`);
    }
    for (const name of ep.profileIds) {
      if (!this.profiles.has(name)) throw new InvariantError(`endpoint ${ep.key} references profile ${name}, which does not exist`);
    }
  }

  onWorkloadEndpointUpdate(ep: WorkloadEndpointInfo): void {
    this.#count('onWorkloadEndpointUpdate');
    this.#checkEndpoint(ep);
    this.workloadEndpoints.set(ep.key, structuredClone(ep));
  }

  onWorkloadEndpointRemoved(key: string): void {
    this.#count('onWorkloadEndpointRemoved');
    if (!this.workloadEndpoints.delete(key)) throw new InvariantError(`workload endpoint ${key} removed but does not exist`);
  }

  onHostEndpointUpdate(ep: HostEndpointInfo): void {
    this.#count('onHostEndpointUpdate');
    this.#checkEndpoint(ep);
    this.hostEndpoints.set(ep.key, structuredClone(ep));
  }

  onHostEndpointRemoved(key: string): void {
    this.#count('onHostEndpointRemoved');
    if (!this.hostEndpoints.delete(key)) throw new InvariantError(`host endpoint ${key} removed but does not exist`);
  }

  onRouteUpdate(route: RouteInfo): void {
    this.#count('onRouteUpdate');
    this.routes.set(route.dst, structuredClone(route));
  }

  onRouteRemoved(dst: string): void {
    this.#count('onRouteRemoved');
    if (!this.routes.delete(dst)) throw new InvariantError(`route ${dst} removed but does not exist`);
  }

  onIPPoolUpdate(id: string, pool: IPPoolInfo): void {
    this.#count('onIPPoolUpdate');
    this.ipPools.set(id, structuredClone(pool));
  }

  onIPPoolRemoved(id: string): void {
    this.#count('onIPPoolRemoved');
    if (!this.ipPools.delete(id)) throw new InvariantError(`IP pool ${id} removed but does not exist`);
  }

  /** The programmed state as plain, key-sorted data (deep-equal comparable). */
  snapshot(): DataplaneSnapshot {
    return {
      config: this.config ? structuredClone(this.config) : undefined,
      ipSets: sortedRecord(this.ipSets, (s) => [...s.members].sort()),
      ipSetTypes: sortedRecord(this.ipSets, (s) => s.type),
      policies: sortedRecord(this.policies, (p) => structuredClone(p)),
      profiles: sortedRecord(this.profiles, (p) => structuredClone(p)),
      workloadEndpoints: sortedRecord(this.workloadEndpoints, (e) => structuredClone(e)),
      hostEndpoints: sortedRecord(this.hostEndpoints, (e) => structuredClone(e)),
      routes: sortedRecord(this.routes, (r) => structuredClone(r)),
      ipPools: sortedRecord(this.ipPools, (p) => structuredClone(p)),
      inSync: this.inSync,
    };
  }
}
