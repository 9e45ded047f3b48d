/**
 * Computes the members of every active IP set (Felix's SelectorAndNamedPortIndex): over ALL
 * endpoints and network sets in the cluster, not only local ones, since rules name remote peers.
 *
 *  - `net` sets (one per selector): the addresses of every match — WorkloadEndpoint ipNetworks,
 *    HostEndpoint expectedIPs, NetworkSet / GlobalNetworkSet nets. Host-length CIDRs are reported
 *    as bare addresses (`10.0.0.1`), others as CIDRs (`10.1.0.0/16`).
 *  - `ip-and-port` sets (named ports): `ip,proto:port` for each address of a matching endpoint that
 *    has a port of that name (and protocol, unless the rule left the protocol open).
 *
 * Members are ref-counted, so two items sharing an address add it once and remove it with the last.
 * It does not decide which sets are needed (the RuleScanner does) or when they reach the dataplane.
 */
import ipaddr from 'ipaddr.js';
import type { EndpointPort, HostEndpoint, Resource, WorkloadEndpoint } from '../api/types.js';
import { endpointLabels, hostEndpointLabels, networkSetLabels, type ProfileModel } from '../policy/index.js';
import { LabelIndex, parseSelector } from '../selector/index.js';
import type { IPSetCallbacks } from './dataplane-api.js';
import type { Dispatcher } from './dispatcher.js';
import type { IPSetData } from './rule-convert.js';
import type { IPSetActivationCallbacks } from './rule-scanner.js';
import { PROFILE_MODEL } from './validation-filter.js';
import type { Update } from './types.js';

interface ItemData {
  /** Normalised addresses / CIDRs. */
  nets: string[];
  ports: Array<{ name: string; protocol: string; port: number }>;
}

interface ActiveSet {
  data: IPSetData;
  refs: Map<string, number>;
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

/** `10.0.0.1/32` → `10.0.0.1`, `10.1.2.0/16` → `10.1.0.0/16`; undefined if unparsable. */
export function normaliseMember(text: string): string | undefined {
  const t = text.trim();
  // Pick the family up front: ipaddr's generic parse tries IPv6 first, which is slow for IPv4 text.
  const v6 = t.includes(':');
  // Four decimal parts only, no leading zeros (ipaddr would read `010` as octal; Go rejects it).
  if (!v6 && !IPV4.test(t.split('/')[0]!)) return undefined;
  try {
    if (!t.includes('/')) return (v6 ? ipaddr.IPv6.parse(t) : ipaddr.IPv4.parse(t)).toString();
    const [addr, prefix] = v6 ? ipaddr.IPv6.parseCIDR(t) : ipaddr.IPv4.parseCIDR(t);
    if (prefix === (v6 ? 128 : 32)) return addr.toString();
    const network = v6 ? ipaddr.IPv6.networkAddressFromCIDR(t) : ipaddr.IPv4.networkAddressFromCIDR(t);
    return `${network.toString()}/${prefix}`;
  } catch {
    return undefined;
  }
}

const OWNER_KINDS = ['WorkloadEndpoint', 'HostEndpoint', 'NetworkSet', 'GlobalNetworkSet'] as const;

export class IPSetMemberIndex implements IPSetActivationCallbacks {
  readonly #callbacks: IPSetCallbacks;
  readonly #index: LabelIndex;
  readonly #items = new Map<string, ItemData>();
  readonly #sets = new Map<string, ActiveSet>();
  /** Item → active sets it is a member of (as far as the label index says). */
  readonly #setsByItem = new Map<string, Set<string>>();

  constructor(callbacks: IPSetCallbacks) {
    this.#callbacks = callbacks;
    this.#index = new LabelIndex({
      onMatchStarted: (setId, itemId) => this.#onMatchStarted(setId, itemId),
      onMatchStopped: (setId, itemId) => this.#onMatchStopped(setId, itemId),
    });
  }

  registerWith(all: Dispatcher): void {
    for (const kind of OWNER_KINDS) all.register(kind, (u) => this.#onItem(u));
    all.register(PROFILE_MODEL, (u) => this.#onProfile(u as Update<ProfileModel>));
  }

  // --- IP set activation (from the RuleScanner) ---------------------------------------------

  onIPSetActive(data: IPSetData): void {
    this.#sets.set(data.id, { data, refs: new Map() });
    this.#callbacks.onIPSetAdded(data.id, data.type);
    this.#index.updateSelector(data.id, parseSelector(data.selector));
  }

  onIPSetInactive(id: string): void {
    // Forget the set first so the stop events below emit no member removals for a set going away.
    this.#sets.delete(id);
    this.#index.deleteSelector(id);
    this.#callbacks.onIPSetRemoved(id);
  }

  // --- items ---------------------------------------------------------------------------------

  #onItem(update: Update): void {
    const id = `${update.kind}/${update.key}`;
    const r = update.value as Resource | undefined;
    if (r === undefined) {
      this.#index.deleteLabels(id);
      this.#items.delete(id);
      return;
    }
    const next = itemData(update.kind, r);
    // Members first, against the sets the item is in now; then labels, whose start/stop events use `next`.
    const old = this.#items.get(id);
    for (const setId of this.#setsByItem.get(id) ?? []) {
      const set = this.#sets.get(setId);
      if (!set) continue;
      const before = new Set(old ? contributions(set.data, old) : []);
      const after = new Set(contributions(set.data, next));
      this.#change(set, [...after].filter((m) => !before.has(m)), [...before].filter((m) => !after.has(m)));
    }
    this.#items.set(id, next);
    const { labels, parents } = itemLabels(update.kind, r);
    this.#index.updateLabels(id, labels, parents);
  }

  #onProfile(update: Update<ProfileModel>): void {
    if (update.value) this.#index.updateParentLabels(update.key, update.value.labelsToApply);
    else this.#index.deleteParentLabels(update.key);
  }

  #onMatchStarted(setId: string, itemId: string): void {
    let sets = this.#setsByItem.get(itemId);
    if (!sets) this.#setsByItem.set(itemId, (sets = new Set()));
    sets.add(setId);
    const set = this.#sets.get(setId);
    const item = this.#items.get(itemId);
    if (set && item) this.#change(set, contributions(set.data, item), []);
  }

  #onMatchStopped(setId: string, itemId: string): void {
    const sets = this.#setsByItem.get(itemId);
    sets?.delete(setId);
    if (sets?.size === 0) this.#setsByItem.delete(itemId);
    const set = this.#sets.get(setId);
    const item = this.#items.get(itemId);
    if (set && item) this.#change(set, [], contributions(set.data, item));
  }

  /** Apply ref-count changes and report members that appeared or disappeared. */
  #change(set: ActiveSet, add: string[], remove: string[]): void {
    const added: string[] = [];
    const removed: string[] = [];
    for (const m of add) {
      const n = set.refs.get(m) ?? 0;
      set.refs.set(m, n + 1);
      if (n === 0) added.push(m);
    }
    for (const m of remove) {
      const n = set.refs.get(m)! - 1;
      if (n === 0) {
        set.refs.delete(m);
        removed.push(m);
      } else {
        set.refs.set(m, n);
      }
    }
    if (removed.length > 0) this.#callbacks.onIPSetMembersRemoved(set.data.id, removed);
    if (added.length > 0) this.#callbacks.onIPSetMembersAdded(set.data.id, added);
  }
}

function itemData(kind: string, r: Resource): ItemData {
  const spec = (r.spec ?? {}) as { ipNetworks?: string[]; expectedIPs?: string[]; nets?: string[]; ports?: EndpointPort[] };
  const raw = kind === 'WorkloadEndpoint' ? spec.ipNetworks : kind === 'HostEndpoint' ? spec.expectedIPs : spec.nets;
  const nets = [...new Set((raw ?? []).map(normaliseMember).filter((m): m is string => m !== undefined))];
  const ports = (spec.ports ?? [])
    .filter((p) => p && typeof p.name === 'string' && Number.isInteger(Number(p.port)))
    .map((p) => ({ name: p.name, protocol: String(p.protocol ?? 'TCP').toLowerCase(), port: Number(p.port) }));
  return { nets, ports };
}

function itemLabels(kind: string, r: Resource): { labels: Record<string, string>; parents: string[] } {
  switch (kind) {
    case 'WorkloadEndpoint':
      return { labels: endpointLabels(r as WorkloadEndpoint), parents: (r as WorkloadEndpoint).spec?.profiles ?? [] };
    case 'HostEndpoint':
      return { labels: hostEndpointLabels(r as HostEndpoint), parents: (r as HostEndpoint).spec?.profiles ?? [] };
    default: {
      // A namespaced NetworkSet inherits its namespace's `kns.<ns>` profile labels.
      const ns = kind === 'NetworkSet' ? r.metadata.namespace : undefined;
      return { labels: networkSetLabels(r), parents: ns ? [`kns.${ns}`] : [] };
    }
  }
}

/** What one item puts into one set. */
function contributions(set: IPSetData, item: ItemData): string[] {
  if (set.type !== 'ip-and-port') return item.nets;
  const out: string[] = [];
  for (const p of item.ports) {
    if (p.name !== set.namedPort) continue;
    if (set.namedPortProtocol !== 'any' && p.protocol !== set.namedPortProtocol) continue;
    // Only single addresses can carry a port.
    for (const ip of item.nets) if (!ip.includes('/')) out.push(`${ip},${p.protocol}:${p.port}`);
  }
  return [...new Set(out)];
}
