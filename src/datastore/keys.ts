/**
 * Kind <-> plural names and the etcd key layout Calico uses for v3 resources:
 * `/calico/resources/v3/projectcalico.org/<plural>/[<namespace>/]<name>`.
 * The plural is the lowercase Kubernetes-style plural of the kind.
 */
import { isNamespacedKind } from '../api/types.js';

/** Every kind the datastore stores, with its plural. */
export const KIND_PLURALS: Readonly<Record<string, string>> = Object.freeze({
  NetworkPolicy: 'networkpolicies',
  GlobalNetworkPolicy: 'globalnetworkpolicies',
  IPPool: 'ippools',
  IPReservation: 'ipreservations',
  IPAMConfiguration: 'ipamconfigurations',
  BGPConfiguration: 'bgpconfigurations',
  BGPPeer: 'bgppeers',
  BGPFilter: 'bgpfilters',
  FelixConfiguration: 'felixconfigurations',
  ClusterInformation: 'clusterinformations',
  Node: 'nodes',
  Tier: 'tiers',
  StagedNetworkPolicy: 'stagednetworkpolicies',
  StagedGlobalNetworkPolicy: 'stagedglobalnetworkpolicies',
  StagedKubernetesNetworkPolicy: 'stagedkubernetesnetworkpolicies',
  GlobalNetworkSet: 'globalnetworksets',
  NetworkSet: 'networksets',
  HostEndpoint: 'hostendpoints',
  WorkloadEndpoint: 'workloadendpoints',
  Profile: 'profiles',
  KubeControllersConfiguration: 'kubecontrollersconfigurations',
  IPAMBlock: 'ipamblocks',
  BlockAffinity: 'blockaffinities',
  IPAMHandle: 'ipamhandles',
});

const PLURAL_KINDS: ReadonlyMap<string, string> = new Map(Object.entries(KIND_PLURALS).map(([k, p]) => [p, k]));

/** Prefix under which every v3 resource lives in etcd. */
export const ETCD_RESOURCE_PREFIX = '/calico/resources/v3/projectcalico.org/';

/** The plural of a kind (`NetworkPolicy` -> `networkpolicies`), or undefined for a kind the datastore does not store. */
export function pluralOf(kind: string): string | undefined {
  return KIND_PLURALS[kind];
}

/** The kind for a plural (`ippools` -> `IPPool`), or undefined. */
export function kindOfPlural(plural: string): string | undefined {
  return PLURAL_KINDS.get(plural);
}

/** True for kinds the datastore stores. */
export function isKnownKind(kind: string): boolean {
  return Object.hasOwn(KIND_PLURALS, kind);
}

/** Key prefix of a kind, optionally narrowed to a namespace: `/calico/.../networkpolicies/ns1/`. */
export function etcdKindPrefix(kind: string, namespace?: string): string {
  const plural = pluralOf(kind);
  if (plural === undefined) throw new TypeError(`Cannot build a key for kind "${kind}": kind is not stored in the datastore`);
  return `${ETCD_RESOURCE_PREFIX}${plural}/${namespace !== undefined && isNamespacedKind(kind) ? `${namespace}/` : ''}`;
}

/** The etcd key of one resource. */
export function etcdKey(key: { kind: string; name: string; namespace?: string }): string {
  return `${etcdKindPrefix(key.kind, key.namespace)}${key.name}`;
}

/** Splits an etcd key back into kind, namespace and name; undefined when it is not a v3 resource key. */
export function parseEtcdKey(path: string): { kind: string; name: string; namespace?: string } | undefined {
  if (!path.startsWith(ETCD_RESOURCE_PREFIX)) return undefined;
  const parts = path.slice(ETCD_RESOURCE_PREFIX.length).split('/');
  const kind = kindOfPlural(parts[0] ?? '');
  if (kind === undefined) return undefined;
  if (isNamespacedKind(kind)) {
    return parts.length === 3 ? { kind, namespace: parts[1]!, name: parts[2]! } : undefined;
  }
  return parts.length === 2 ? { kind, name: parts[1]! } : undefined;
}
