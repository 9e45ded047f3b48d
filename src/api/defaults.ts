/**
 * Write-time defaulting, so a resource reads back (`calicoctl get -o yaml`) the way Calico stores it:
 *
 * - clientv3 / api defaults: IPPool blockSize, encapsulation modes, nodeSelector, allowedUses, assignmentMode;
 *   policy `tier` and `types` (api/pkg/defaults) plus the `projectcalico.org/tier` label; staged actions;
 *   Tier order/defaultAction; IPAMConfiguration strictAffinity/autoAllocateBlocks.
 * - Go JSON round-trip: omitempty fields with zero values disappear (`natOutgoing: false`, `selector: ""`),
 *   while struct-valued fields always print (`source: {}` / `destination: {}` on every rule, `spec: {}`).
 *
 * Kinds whose defaults Calico applies only when it *uses* them (BGPConfiguration, FelixConfiguration, BGPPeer)
 * are stored as written; their effective defaults are exported for consumers (BGP_DEFAULTS).
 */
import { kindInfo } from './kinds.js';
import type { Resource, Rule } from './types.js';
import { parseCIDR } from './net.js';
import { LABEL_NAMESPACE, LABEL_ORCHESTRATOR } from './labels.js';

export const DEFAULT_TIER = 'default';
export const TIER_LABEL = 'projectcalico.org/tier';
/** Order stored for a Tier created without one: it sorts beside the `default` tier, by name. */
export const DEFAULT_TIER_ORDER = 1_000_000;

/** BGP settings Calico assumes when BGPConfiguration leaves them unset (confd / calico-node). */
export const BGP_DEFAULTS = Object.freeze({
  logSeverityScreen: 'Info',
  nodeToNodeMeshEnabled: true,
  asNumber: 64512,
  listenPort: 179,
  bindMode: 'None',
  serviceLoadBalancerAggregation: 'Enabled',
});

/** Bool fields declared `bool` + omitempty in the Go API: false is not stored. Pointer bools keep false. */
const OMITTED_FALSE: Record<string, readonly string[]> = {
  IPPool: ['natOutgoing', 'disabled', 'disableBGPExport'],
  GlobalNetworkPolicy: ['doNotTrack', 'preDNAT', 'applyOnForward'],
  StagedGlobalNetworkPolicy: ['doNotTrack', 'preDNAT', 'applyOnForward'],
  BGPPeer: ['keepOriginalNextHop'],
};

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Drop null, "" and [] anywhere below `v` (Go omitempty on strings and slices). Objects are kept. */
function prune(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(prune);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, val] of Object.entries(v)) {
    if (val === null || val === undefined || val === '') continue;
    if (Array.isArray(val) && val.length === 0) continue;
    out[k] = prune(val);
  }
  return out;
}

/** Calico's Port type reads "80" and "80:80" as the number 80; ranges and names stay strings. */
function normalizePort(p: unknown): unknown {
  if (typeof p !== 'string') return p;
  const m = /^([0-9]+)(?::([0-9]+))?$/.exec(p);
  if (m === null) return p;
  if (m[2] === undefined || m[1] === m[2]) return Number(m[1]);
  return p;
}

function defaultRules(rules: unknown): void {
  if (!Array.isArray(rules)) return;
  for (const r of rules as Rule[]) {
    if (!isObj(r)) continue;
    // EntityRule is a struct in Go: it always prints, even empty.
    if (!isObj(r.source)) r.source = {};
    if (!isObj(r.destination)) r.destination = {};
    for (const entity of [r.source, r.destination] as Obj[]) {
      for (const field of ['ports', 'notPorts']) {
        const ports = entity[field];
        if (Array.isArray(ports)) entity[field] = ports.map(normalizePort);
      }
    }
  }
}

/** Calico's `types` defaulting: no egress rules => [Ingress]; egress only => [Egress]; both => both. */
export function defaultPolicyTypes(spec: { ingress?: unknown[]; egress?: unknown[]; types?: string[] }): string[] {
  if (Array.isArray(spec.types) && spec.types.length > 0) return spec.types;
  const ingress = Array.isArray(spec.ingress) && spec.ingress.length > 0;
  const egress = Array.isArray(spec.egress) && spec.egress.length > 0;
  if (!egress) return ['Ingress'];
  if (!ingress) return ['Egress'];
  return ['Ingress', 'Egress'];
}

function defaultPolicy(r: Resource, spec: Obj): void {
  if (r.kind === 'StagedKubernetesNetworkPolicy') {
    if (!isObj(spec['podSelector'])) spec['podSelector'] = {};
    if (spec['stagedAction'] === undefined) spec['stagedAction'] = 'Set';
    return;
  }
  if (typeof spec['tier'] !== 'string' || spec['tier'] === '') spec['tier'] = DEFAULT_TIER;
  const staged = r.kind.startsWith('Staged');
  if (staged && spec['stagedAction'] === undefined) spec['stagedAction'] = 'Set';
  // A staged delete carries no rules, so it keeps no types either.
  if (!(staged && spec['stagedAction'] === 'Delete')) {
    spec['types'] = defaultPolicyTypes(spec as { ingress?: unknown[]; egress?: unknown[]; types?: string[] });
  }
  defaultRules(spec['ingress']);
  defaultRules(spec['egress']);
  // Converted Kubernetes policies are not written through the v3 API, so they do not get the tier label.
  const name: unknown = r.metadata.name;
  const fromKubernetes = r.kind === 'NetworkPolicy' && typeof name === 'string' && name.startsWith('knp.default.');
  const labels: unknown = r.metadata.labels;
  const labelsOK = labels === undefined || isObj(labels);
  if ((r.kind === 'NetworkPolicy' || r.kind === 'GlobalNetworkPolicy') && !fromKubernetes && labelsOK && typeof spec['tier'] === 'string') {
    r.metadata.labels = { ...((labels as Record<string, string> | undefined) ?? {}), [TIER_LABEL]: spec['tier'] };
  }
}

function defaultIPPool(spec: Obj): void {
  const cidr = typeof spec['cidr'] === 'string' ? parseCIDR(spec['cidr']) : undefined;
  if (spec['blockSize'] === undefined || spec['blockSize'] === 0) spec['blockSize'] = cidr?.family === 6 ? 122 : 26;
  if (spec['ipipMode'] === undefined) spec['ipipMode'] = 'Never';
  if (spec['vxlanMode'] === undefined) spec['vxlanMode'] = 'Never';
  if (spec['nodeSelector'] === undefined) spec['nodeSelector'] = 'all()';
  if (!Array.isArray(spec['allowedUses']) || spec['allowedUses'].length === 0) spec['allowedUses'] = ['Workload', 'Tunnel'];
  if (spec['assignmentMode'] === undefined) spec['assignmentMode'] = 'Automatic';
}

function defaultTier(name: string, spec: Obj): void {
  if (spec['order'] === undefined) spec['order'] = DEFAULT_TIER_ORDER;
  if (spec['defaultAction'] === undefined) spec['defaultAction'] = name === 'kube-admin' || name === 'kube-baseline' ? 'Pass' : 'Deny';
}

function defaultIPAMConfiguration(spec: Obj): void {
  if (spec['strictAffinity'] === undefined) spec['strictAffinity'] = false;
  if (spec['autoAllocateBlocks'] === undefined) spec['autoAllocateBlocks'] = true;
  if (spec['maxBlocksPerHost'] === 0) delete spec['maxBlocksPerHost'];
}

/**
 * Calico's client stores every WorkloadEndpoint with its namespace and orchestrator as labels,
 * overriding whatever the manifest says: selectors rely on them and users may not change them.
 */
function setWorkloadEndpointLabels(r: Resource, spec: Obj): void {
  const labels: unknown = r.metadata.labels ?? {};
  // Labels of the wrong type are left for validation to report.
  if (!isObj(labels)) return;
  labels[LABEL_NAMESPACE] = r.metadata.namespace ?? '';
  labels[LABEL_ORCHESTRATOR] = typeof spec['orchestrator'] === 'string' ? spec['orchestrator'] : '';
  r.metadata.labels = labels as Record<string, string>;
}

export interface DefaultsOptions {
  /** Namespace for namespaced kinds that carry none (calicoctl's `-n`, default `default`). */
  namespace?: string;
}

/**
 * A defaulted copy of `resource` (the input is not modified). Unknown kinds are copied unchanged.
 * @example applyDefaults(pool).spec.blockSize // 26
 */
export function applyDefaults(resource: Resource, options: DefaultsOptions = {}): Resource {
  const r = clone(resource);
  if (!isObj(r) || !isObj(r.metadata)) return r;
  const info = kindInfo(r.kind);
  if (info === undefined || info.internal) return r;

  if (info.namespaced) {
    if (typeof r.metadata.namespace !== 'string' || r.metadata.namespace === '') r.metadata.namespace = options.namespace ?? 'default';
  } else {
    // Cluster-scoped kinds have no namespace; calicoctl ignores one given in a manifest.
    delete r.metadata.namespace;
  }

  const out = prune(r) as Resource;
  if (out.spec === undefined) out.spec = {};
  // A spec of the wrong type is left for validation to report.
  if (!isObj(out.spec)) return out;
  const spec = out.spec;
  for (const field of OMITTED_FALSE[out.kind] ?? []) if (spec[field] === false) delete spec[field];

  switch (out.kind) {
    case 'NetworkPolicy':
    case 'GlobalNetworkPolicy':
    case 'StagedNetworkPolicy':
    case 'StagedGlobalNetworkPolicy':
    case 'StagedKubernetesNetworkPolicy':
      defaultPolicy(out, spec);
      break;
    case 'Profile':
      defaultRules(spec['ingress']);
      defaultRules(spec['egress']);
      break;
    case 'IPPool':
      defaultIPPool(spec);
      break;
    case 'Tier':
      defaultTier(out.metadata.name, spec);
      break;
    case 'IPAMConfiguration':
      defaultIPAMConfiguration(spec);
      break;
    case 'WorkloadEndpoint':
      setWorkloadEndpointLabels(out, spec);
      break;
  }
  return out;
}
