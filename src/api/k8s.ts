/**
 * Kubernetes kinds converted on write, the way Calico's KDD backend / kube-controllers present them:
 *
 * - `v1` Namespace  -> Profile `kns.<ns>`: labelsToApply = every namespace label (including the
 *   `kubernetes.io/metadata.name` label the API server adds) prefixed `pcns.`, plus
 *   `pcns.projectcalico.org/name: <ns>`; one allow-all ingress and one allow-all egress rule.
 * - `networking.k8s.io/v1` NetworkPolicy -> projectcalico.org/v3 NetworkPolicy `knp.default.<name>` in the same
 *   namespace, order 1000 (libcalico-go conversion.go). The k8s spec is validated first as the API server would.
 *
 * Everything else passes through unchanged.
 */
import { ValidationError } from '../lib/errors.js';
import {
  API_VERSION,
  type EntityRule,
  type K8sLabelSelector,
  type K8sNetworkPolicyPeer,
  type K8sNetworkPolicyPort,
  type K8sNetworkPolicySpec,
  type NetworkPolicySpec,
  type PolicyType,
  type Port,
  type Resource,
  type Rule,
} from './types.js';
import { LABEL_NAME, LABEL_ORCHESTRATOR, NAMESPACE_LABEL_PREFIX, NAMESPACE_PROFILE_PREFIX } from './labels.js';
import { formatCIDR, parseCIDR } from './net.js';
import { isDNSLabel } from './validate/common.js';
import { validateK8sNetworkPolicy } from './validate/k8s.js';

export const K8S_NETWORK_POLICY_API_VERSION = 'networking.k8s.io/v1';
export const K8S_CORE_API_VERSION = 'v1';
/** Name prefix of a converted k8s NetworkPolicy (≤3.31 naming, which our datastore keeps). */
export const K8S_NETWORK_POLICY_NAME_PREFIX = 'knp.default.';
export { NAMESPACE_LABEL_PREFIX, NAMESPACE_PROFILE_PREFIX };
export const K8S_NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/** Order Calico gives every converted k8s NetworkPolicy. */
export const K8S_NETWORK_POLICY_ORDER = 1000;

/** Whether a resource is a Kubernetes kind we convert on write. */
export function isKubernetesResource(r: Pick<Resource, 'apiVersion' | 'kind'>): boolean {
  return (
    (r.apiVersion === K8S_NETWORK_POLICY_API_VERSION && r.kind === 'NetworkPolicy') ||
    (r.apiVersion === K8S_CORE_API_VERSION && r.kind === 'Namespace')
  );
}

/**
 * The Calico resource stored for `resource`: converted for k8s Namespace / NetworkPolicy, the same
 * object for anything else. Throws ValidationError for an invalid k8s NetworkPolicy.
 * @example convertToCalico(k8sPolicy).metadata.name // 'knp.default.allow-frontend'
 */
export function convertToCalico(resource: Resource): Resource {
  if (resource.apiVersion === K8S_CORE_API_VERSION && resource.kind === 'Namespace') return namespaceToProfile(resource);
  if (resource.apiVersion === K8S_NETWORK_POLICY_API_VERSION && resource.kind === 'NetworkPolicy') {
    return k8sNetworkPolicyToCalico(resource);
  }
  return resource;
}

/** Profile `kns.<ns>` for a Namespace. */
export function namespaceToProfile(ns: Resource): Resource {
  const name = ns.metadata?.name;
  if (typeof name !== 'string' || !isDNSLabel(name)) {
    throw new ValidationError({ kind: 'Namespace', name: typeof name === 'string' ? name : '' }, [
      { field: 'metadata.name', message: 'namespace name must be a DNS label (lower case alphanumerics and "-", at most 63 characters)', value: name },
    ]);
  }
  const labelsToApply: Record<string, string> = {};
  // The Kubernetes API server labels every namespace with its own name (since 1.21); so do we.
  const nsLabels = { ...(ns.metadata.labels ?? {}), [K8S_NAMESPACE_NAME_LABEL]: name };
  for (const [k, v] of Object.entries(nsLabels)) labelsToApply[NAMESPACE_LABEL_PREFIX + k] = v;
  labelsToApply[NAMESPACE_LABEL_PREFIX + LABEL_NAME] = name;
  const metadata: Resource['metadata'] = { name: NAMESPACE_PROFILE_PREFIX + name };
  if (ns.metadata.uid !== undefined) metadata.uid = ns.metadata.uid;
  if (ns.metadata.creationTimestamp !== undefined) metadata.creationTimestamp = ns.metadata.creationTimestamp;
  return {
    apiVersion: API_VERSION,
    kind: 'Profile',
    metadata,
    spec: { ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }], labelsToApply },
  };
}

/** Calico NetworkPolicy `knp.default.<name>` for a k8s NetworkPolicy (validated first). */
export function k8sNetworkPolicyToCalico(np: Resource): Resource {
  validateK8sNetworkPolicy(np);
  const spec = (np.spec ?? {}) as K8sNetworkPolicySpec;
  const namespace = np.metadata.namespace ?? 'default';

  const ingress: Rule[] = [];
  for (const r of spec.ingress ?? []) ingress.push(...k8sRuleToCalico(r.from, r.ports, true));
  const egress: Rule[] = [];
  for (const r of spec.egress ?? []) egress.push(...k8sRuleToCalico(r.to, r.ports, false));

  const types: PolicyType[] = [];
  if (spec.policyTypes?.includes('Ingress')) types.push('Ingress');
  if (spec.policyTypes?.includes('Egress')) types.push('Egress');
  // A policy with no policyTypes predates the field: it is ingress-only.
  if (types.length === 0) types.push('Ingress');

  const out: NetworkPolicySpec = {
    tier: 'default',
    order: K8S_NETWORK_POLICY_ORDER,
    selector: k8sSelectorToCalico(spec.podSelector ?? {}, 'pod'),
    types,
  };
  if (ingress.length > 0) out.ingress = ingress;
  if (egress.length > 0) out.egress = egress;

  const metadata: Resource['metadata'] = { name: K8S_NETWORK_POLICY_NAME_PREFIX + np.metadata.name, namespace };
  if (np.metadata.uid !== undefined) metadata.uid = np.metadata.uid;
  if (np.metadata.creationTimestamp !== undefined) metadata.creationTimestamp = np.metadata.creationTimestamp;
  return { apiVersion: API_VERSION, kind: 'NetworkPolicy', metadata, spec: out };
}

/**
 * A k8s label selector as Calico selector text. Pod selectors always carry the orchestrator clause;
 * an empty namespace selector means every namespace (`all()`); undefined gives '' for namespaces.
 */
export function k8sSelectorToCalico(s: K8sLabelSelector | undefined, type: 'pod' | 'namespace'): string {
  const terms: string[] = type === 'pod' ? [`${LABEL_ORCHESTRATOR} == 'k8s'`] : [];
  if (s === undefined || s === null) return terms.join(' && ');
  const labels = s.matchLabels ?? {};
  const exprs = s.matchExpressions ?? [];
  if (type === 'namespace' && Object.keys(labels).length === 0 && exprs.length === 0) return 'all()';
  for (const k of Object.keys(labels).sort()) terms.push(`${k} == '${labels[k]}'`);
  for (const e of exprs) {
    const values = (e.values ?? []).join("', '");
    switch (e.operator) {
      case 'In':
        terms.push(`${e.key} in { '${values}' }`);
        break;
      case 'NotIn':
        terms.push(`${e.key} not in { '${values}' }`);
        break;
      case 'Exists':
        terms.push(`has(${e.key})`);
        break;
      case 'DoesNotExist':
        terms.push(`! has(${e.key})`);
        break;
    }
  }
  return terms.join(' && ');
}

interface PortSpec {
  /** Protocol; undefined only for "no ports at all". */
  protocol: string | undefined;
  /** undefined = every port of the protocol. */
  ports: Port[] | undefined;
}

function k8sPortToCalico(p: K8sNetworkPolicyPort | undefined): PortSpec {
  if (p === undefined) return { protocol: undefined, ports: undefined };
  // TCP is NetworkPolicyPort's implicit default; Calico makes it explicit because its ports need a protocol.
  const protocol = p.protocol ?? 'TCP';
  if (p.port === undefined || p.port === null) return { protocol, ports: undefined };
  if (p.endPort !== undefined && p.endPort !== null) return { protocol, ports: [`${p.port}:${p.endPort}`] };
  return { protocol, ports: [typeof p.port === 'string' && /^[0-9]+$/.test(p.port) ? Number(p.port) : p.port] };
}

/**
 * Calico's SimplifyPorts: named ports pass through first, numeric ports and ranges are merged into the
 * fewest ranges, ascending. A single entry is returned unchanged.
 */
export function simplifyPorts(ports: Port[]): Port[] {
  if (ports.length <= 1) return ports;
  const out: Port[] = [];
  const numeric: Array<[number, number]> = [];
  for (const p of ports) {
    const range = portRange(p);
    if (range === undefined) out.push(p);
    else numeric.push(range);
  }
  if (numeric.length === 0 || (numeric.length === 1 && numeric[0]?.[0] === numeric[0]?.[1])) return ports;
  numeric.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let [lo, hi] = numeric[0] as [number, number];
  for (const [a, b] of numeric.slice(1)) {
    if (a > hi + 1) {
      out.push(lo === hi ? lo : `${lo}:${hi}`);
      lo = a;
      hi = b;
    } else if (b > hi) {
      hi = b;
    }
  }
  out.push(lo === hi ? lo : `${lo}:${hi}`);
  return out;
}

function portRange(p: Port): [number, number] | undefined {
  if (typeof p === 'number') return [p, p];
  const m = /^([0-9]+)(?::([0-9]+))?$/.exec(p);
  if (m === null) return undefined;
  const lo = Number(m[1]);
  return [lo, m[2] === undefined ? lo : Number(m[2])];
}

function k8sPeerToCalico(peer: K8sNetworkPolicyPeer | undefined): EntityRule {
  if (peer === undefined) return {};
  if (peer.ipBlock !== undefined && peer.ipBlock !== null) {
    const cidr = parseCIDR(peer.ipBlock.cidr);
    const out: EntityRule = { nets: [cidr === undefined ? peer.ipBlock.cidr : formatCIDR(cidr)] };
    const except = (peer.ipBlock.except ?? []).map((e) => {
      const c = parseCIDR(e);
      return c === undefined ? e : formatCIDR(c);
    });
    if (except.length > 0) out.notNets = except;
    return out;
  }
  const out: EntityRule = { selector: k8sSelectorToCalico(peer.podSelector, 'pod') };
  const ns = k8sSelectorToCalico(peer.namespaceSelector, 'namespace');
  if (ns !== '') out.namespaceSelector = ns;
  return out;
}

/** One k8s ingress/egress rule as Calico Allow rules: one per (protocol, peer), protocols sorted. */
function k8sRuleToCalico(
  peers: K8sNetworkPolicyPeer[] | undefined,
  ports: K8sNetworkPolicyPort[] | undefined,
  ingress: boolean,
): Rule[] {
  const peerList: Array<K8sNetworkPolicyPeer | undefined> = peers !== undefined && peers !== null && peers.length > 0 ? peers : [undefined];
  const portList: Array<K8sNetworkPolicyPort | undefined> = ports !== undefined && ports !== null && ports.length > 0 ? ports : [undefined];

  // protocol ('' = any) -> ports (undefined = all ports of it)
  let byProtocol = new Map<string, Port[] | undefined>();
  for (const p of portList) {
    const { protocol, ports: calicoPorts } = k8sPortToCalico(p);
    if (protocol === undefined) {
      byProtocol = new Map([['', undefined]]);
      break;
    }
    if (calicoPorts === undefined) {
      byProtocol.set(protocol, undefined);
    } else if (!byProtocol.has(protocol)) {
      byProtocol.set(protocol, [...calicoPorts]);
    } else {
      const existing = byProtocol.get(protocol);
      // An "all ports" entry for this protocol already covers these.
      if (existing !== undefined) existing.push(...calicoPorts);
    }
  }

  const rules: Rule[] = [];
  for (const protocol of [...byProtocol.keys()].sort()) {
    const raw = byProtocol.get(protocol);
    const calicoPorts = raw === undefined ? undefined : simplifyPorts(raw);
    for (const peer of peerList) {
      const entity = k8sPeerToCalico(peer);
      const rule: Rule = { action: 'Allow' };
      if (protocol !== '') rule.protocol = protocol;
      if (ingress) {
        if (Object.keys(entity).length > 0) rule.source = entity;
        if (calicoPorts !== undefined) rule.destination = { ports: calicoPorts };
      } else {
        const dest: EntityRule = { ...entity };
        if (calicoPorts !== undefined) dest.ports = calicoPorts;
        if (Object.keys(dest).length > 0) rule.destination = dest;
      }
      rules.push(rule);
    }
  }
  return rules;
}
