/**
 * A compiled, read-only view of the resources that decide policy: policies and tiers normalised,
 * profiles (explicit and the `kns.<ns>` ones derived from Namespaces), and every address owner
 * (workload and host endpoints, network sets) with the labels selectors see. Built once, evaluated
 * many times (a `--matrix` trace evaluates every pair against one snapshot).
 */
import { DEFAULT_FAILSAFE_INBOUND_HOST_PORTS, DEFAULT_FAILSAFE_OUTBOUND_HOST_PORTS, type FailsafePort } from '../api/felix-defaults.js';
import type { FelixConfigurationSpec, HostEndpoint, Labels, Resource, WorkloadEndpoint } from '../api/types.js';
import { ValidationError } from '../lib/errors.js';
import { parseSelector } from '../selector/index.js';
import { endpointLabels, hostEndpointLabels, namespaceProfile, networkSetLabels, serviceAccountProfile } from './labels.js';
import { isPolicyKind, normalisePolicy, normaliseProfile, type PolicyModel, type ProfileModel } from './model.js';
import { implicitTier, normaliseTier, type TierModel } from './ordering.js';
import { parseNet, type Net } from './ip.js';

export type OwnerKind = 'WorkloadEndpoint' | 'HostEndpoint' | 'NetworkSet' | 'GlobalNetworkSet';

export interface NamedPort {
  name: string;
  /** Lower-case protocol name. */
  protocol: string;
  port: number;
}

/** Something that owns addresses and carries labels: what a selector in a rule can match. */
export interface AddressOwner {
  kind: OwnerKind;
  name: string;
  namespace?: string;
  /** `ns/pod` for workloads, the name otherwise. */
  display: string;
  labels: Labels;
  nets: Net[];
  ports: NamedPort[];
  profiles: string[];
  node?: string;
  /** HEP only. */
  interfaceName?: string;
}

export interface EffectiveFelixConfig {
  failsafeInboundHostPorts: FailsafePort[];
  failsafeOutboundHostPorts: FailsafePort[];
  denyAction: 'Drop' | 'Reject';
  /** What happens to a workload's traffic to its own host once egress policy allowed it (Felix's default: Drop). */
  defaultEndpointToHostAction: 'Drop' | 'Return' | 'Accept';
}

export interface PolicySnapshot {
  /** Every normalised policy, staged ones included. */
  policies: PolicyModel[];
  tiers: Map<string, TierModel>;
  profiles: Map<string, ProfileModel>;
  workloadEndpoints: AddressOwner[];
  hostEndpoints: AddressOwner[];
  networkSets: AddressOwner[];
  /** Felix configuration for a node (per-node `node.<name>` over `default` over built-in defaults). */
  felixConfig(node: string | undefined): EffectiveFelixConfig;
  /** Does canonical selector `sel` match `labels`? Parsed selectors are cached. */
  matches(sel: string, labels: Labels): boolean;
}

/**
 * Compile resources of any kinds into a snapshot; kinds that do not affect policy are ignored.
 * Throws ValidationError (naming resource and field) for a policy, profile or endpoint that cannot be read.
 *
 * @example
 * const snap = buildSnapshot([...namespaces, ...workloadEndpoints, ...policies]);
 * evaluate(snap, { src: { endpoint: 'x/a' }, dst: { endpoint: 'y/b' }, protocol: 'TCP', dstPort: 80 });
 */
export function buildSnapshot(resources: readonly Resource[]): PolicySnapshot {
  const byKind = new Map<string, Resource[]>();
  for (const r of resources) {
    const list = byKind.get(r.kind) ?? [];
    list.push(r);
    byKind.set(r.kind, list);
  }
  const of = (kind: string): Resource[] => byKind.get(kind) ?? [];

  const profiles = new Map<string, ProfileModel>();
  // Derived profiles first, so an explicit Profile of the same name (etcd mode) wins.
  for (const ns of of('Namespace')) profiles.set(`kns.${ns.metadata.name}`, normaliseProfile(namespaceProfile(ns)));
  for (const sa of of('ServiceAccount')) {
    const p = serviceAccountProfile(sa);
    profiles.set(p.metadata.name, normaliseProfile(p));
  }
  for (const p of of('Profile')) profiles.set(p.metadata.name, normaliseProfile(p));

  const tiers = new Map<string, TierModel>();
  for (const t of of('Tier')) tiers.set(t.metadata.name, normaliseTier(t));
  const policies: PolicyModel[] = [];
  for (const r of resources) if (isPolicyKind(r.kind)) policies.push(normalisePolicy(r));
  for (const p of policies) if (!tiers.has(p.tier)) tiers.set(p.tier, implicitTier(p.tier));

  const workloadEndpoints = of('WorkloadEndpoint').map((w) => workloadOwner(w, profiles));
  const hostEndpoints = of('HostEndpoint').map((h) => hostOwner(h, profiles));
  const networkSets = [...of('NetworkSet'), ...of('GlobalNetworkSet')].map((s) => setOwner(s, profiles));

  const felixConfigs = new Map(of('FelixConfiguration').map((f) => [f.metadata.name, (f.spec ?? {}) as FelixConfigurationSpec]));
  const selectorCache = new Map<string, ReturnType<typeof parseSelector>>();

  return {
    policies,
    tiers,
    profiles,
    workloadEndpoints,
    hostEndpoints,
    networkSets,
    felixConfig(node) {
      const merged: FelixConfigurationSpec = { ...(felixConfigs.get('default') ?? {}) };
      if (node) Object.assign(merged, felixConfigs.get(`node.${node}`) ?? {});
      return {
        failsafeInboundHostPorts: failsafe(merged.failsafeInboundHostPorts, DEFAULT_FAILSAFE_INBOUND_HOST_PORTS),
        failsafeOutboundHostPorts: failsafe(merged.failsafeOutboundHostPorts, DEFAULT_FAILSAFE_OUTBOUND_HOST_PORTS),
        denyAction: merged.iptablesFilterDenyAction === 'Reject' ? 'Reject' : 'Drop',
        defaultEndpointToHostAction: endpointToHostAction(merged.defaultEndpointToHostAction),
      };
    },
    matches(sel, labels) {
      let parsed = selectorCache.get(sel);
      if (!parsed) {
        parsed = parseSelector(sel);
        selectorCache.set(sel, parsed);
      }
      return parsed.evaluate(labels);
    },
  };
}

function endpointToHostAction(v: string | undefined): EffectiveFelixConfig['defaultEndpointToHostAction'] {
  const s = (v ?? '').toLowerCase();
  return s === 'accept' ? 'Accept' : s === 'return' ? 'Return' : 'Drop';
}

function failsafe(configured: FelixConfigurationSpec['failsafeInboundHostPorts'], defaults: readonly FailsafePort[]): FailsafePort[] {
  if (!configured) return defaults.map((p) => ({ ...p }));
  return configured.map((p) => {
    const out: FailsafePort = { protocol: (p.protocol ?? 'tcp').toLowerCase(), port: p.port };
    if (p.net) out.net = p.net;
    return out;
  });
}

function nets(r: Resource, field: string, list: string[]): Net[] {
  return list.map((text, i) => {
    try {
      return parseNet(text);
    } catch {
      const ref = { kind: r.kind, name: r.metadata.name, ...(r.metadata.namespace ? { namespace: r.metadata.namespace } : {}) };
      throw new ValidationError(ref, [{ field: `${field}[${i}]`, message: 'not a valid IP address or CIDR', value: text }]);
    }
  });
}

function ports(list: Array<{ name: string; protocol?: string; port: number }> | undefined): NamedPort[] {
  return (list ?? []).map((p) => ({ name: p.name, protocol: (p.protocol ?? 'TCP').toLowerCase(), port: p.port }));
}

function workloadOwner(w: Resource, profiles: Map<string, ProfileModel>): AddressOwner {
  const spec = (w.spec ?? {}) as NonNullable<WorkloadEndpoint['spec']>;
  const ns = w.metadata.namespace;
  const owner: AddressOwner = {
    kind: 'WorkloadEndpoint',
    name: w.metadata.name,
    display: `${ns ?? ''}/${workloadDisplayName(w)}`,
    labels: endpointLabels(w, profiles),
    nets: nets(w, 'spec.ipNetworks', spec.ipNetworks ?? []),
    ports: ports(spec.ports),
    profiles: [...(spec.profiles ?? [])],
  };
  if (ns) owner.namespace = ns;
  if (spec.node) owner.node = spec.node;
  if (spec.interfaceName) owner.interfaceName = spec.interfaceName;
  return owner;
}

/** The pod name a user knows a workload endpoint by: spec.pod, else spec.workload, else the WEP name. */
export function workloadDisplayName(w: Resource): string {
  const spec = (w.spec ?? {}) as { pod?: string; workload?: string };
  return spec.pod || spec.workload || w.metadata.name;
}

function hostOwner(h: Resource, profiles: Map<string, ProfileModel>): AddressOwner {
  const spec = (h.spec ?? {}) as NonNullable<HostEndpoint['spec']>;
  const owner: AddressOwner = {
    kind: 'HostEndpoint',
    name: h.metadata.name,
    display: h.metadata.name,
    labels: hostEndpointLabels(h, profiles),
    // Policy selectors resolve host endpoints to their expectedIPs only.
    nets: nets(h, 'spec.expectedIPs', spec.expectedIPs ?? []),
    ports: ports(spec.ports),
    profiles: [...(spec.profiles ?? [])],
  };
  if (spec.node) owner.node = spec.node;
  if (spec.interfaceName) owner.interfaceName = spec.interfaceName;
  return owner;
}

function setOwner(s: Resource, profiles: Map<string, ProfileModel>): AddressOwner {
  const spec = (s.spec ?? {}) as { nets?: string[] };
  const ns = s.kind === 'NetworkSet' ? s.metadata.namespace : undefined;
  const owner: AddressOwner = {
    kind: s.kind as OwnerKind,
    name: s.metadata.name,
    display: ns ? `${ns}/${s.metadata.name}` : s.metadata.name,
    labels: networkSetLabels(s, profiles),
    nets: nets(s, 'spec.nets', spec.nets ?? []),
    ports: [],
    profiles: [],
  };
  if (ns) owner.namespace = ns;
  return owner;
}
