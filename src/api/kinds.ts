/**
 * The kind registry: every resource kind we store, with the names calicoctl accepts for it on the
 * command line (`calicoctl get gnp`), its plural and whether it is namespaced.
 * Alias lists follow calicoctl's resourcemgr registrations; matching is case-insensitive.
 */
import { API_VERSION, IPAM_KINDS, V3_KINDS, type IPAMKind, type V3Kind } from './types.js';

export type KnownKind = V3Kind | IPAMKind;

export interface KindInfo {
  /** Calico's spelling, e.g. `GlobalNetworkPolicy`. */
  kind: KnownKind;
  /** Lower-case plural, as in the CRD (`globalnetworkpolicies`). */
  plural: string;
  namespaced: boolean;
  /** apiVersion a user writes for this kind. */
  apiVersion: string;
  /** Every lower-case word calicoctl accepts for the kind, singular first. */
  names: readonly string[];
  /** Internal kinds are kept by IPAM and are not written by users through calicoctl. */
  internal: boolean;
}

interface KindRow {
  kind: KnownKind;
  plural: string;
  namespaced: boolean;
  names: string[];
  internal?: boolean;
}

const ROWS: KindRow[] = [
  { kind: 'IPPool', plural: 'ippools', namespaced: false, names: ['ippool', 'ippools', 'ipp', 'ipps', 'pool', 'pools'] },
  {
    kind: 'IPReservation',
    plural: 'ipreservations',
    namespaced: false,
    names: ['ipreservation', 'ipreservations', 'reservation', 'reservations'],
  },
  {
    kind: 'IPAMConfiguration',
    plural: 'ipamconfigurations',
    namespaced: false,
    names: ['ipamconfiguration', 'ipamconfigurations', 'ipamconfig', 'ipamconfigs'],
  },
  {
    kind: 'BGPConfiguration',
    plural: 'bgpconfigurations',
    namespaced: false,
    names: ['bgpconfiguration', 'bgpconfigurations', 'bgpconfig', 'bgpconfigs'],
  },
  { kind: 'BGPPeer', plural: 'bgppeers', namespaced: false, names: ['bgppeer', 'bgppeers', 'bgpp', 'bgpps', 'bp', 'bps'] },
  { kind: 'BGPFilter', plural: 'bgpfilters', namespaced: false, names: ['bgpfilter', 'bgpfilters', 'bgpf', 'bgpfs', 'bf', 'bfs'] },
  {
    kind: 'FelixConfiguration',
    plural: 'felixconfigurations',
    namespaced: false,
    names: ['felixconfiguration', 'felixconfigurations', 'felixconfig', 'felixconfigs'],
  },
  {
    kind: 'ClusterInformation',
    plural: 'clusterinformations',
    namespaced: false,
    names: ['clusterinformation', 'clusterinformations', 'clusterinfo', 'clusterinfos'],
  },
  { kind: 'Node', plural: 'nodes', namespaced: false, names: ['node', 'nodes', 'no', 'nos'] },
  { kind: 'Tier', plural: 'tiers', namespaced: false, names: ['tier', 'tiers'] },
  {
    kind: 'GlobalNetworkPolicy',
    plural: 'globalnetworkpolicies',
    namespaced: false,
    names: ['globalnetworkpolicy', 'globalnetworkpolicies', 'gnp', 'gnps'],
  },
  {
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
    namespaced: true,
    // `cnp` is the CRD short name (kubectl); calicoctl itself registers the rest.
    names: ['networkpolicy', 'networkpolicies', 'policy', 'np', 'policies', 'pol', 'pols', 'cnp'],
  },
  {
    kind: 'StagedGlobalNetworkPolicy',
    plural: 'stagedglobalnetworkpolicies',
    namespaced: false,
    names: ['stagedglobalnetworkpolicy', 'stagedglobalnetworkpolicies', 'sgnp', 'sgnps'],
  },
  {
    kind: 'StagedNetworkPolicy',
    plural: 'stagednetworkpolicies',
    namespaced: true,
    names: ['stagednetworkpolicy', 'stagednetworkpolicies', 'stagedpolicy', 'snp', 'stagedpolicies', 'spol', 'spols'],
  },
  {
    kind: 'StagedKubernetesNetworkPolicy',
    plural: 'stagedkubernetesnetworkpolicies',
    namespaced: true,
    names: [
      'stagedkubernetesnetworkpolicy',
      'stagedkubernetesnetworkpolicies',
      'stagedkubernetespolicy',
      'sknp',
      'stagedkubernetespolicies',
      'skpol',
      'skpols',
    ],
  },
  {
    kind: 'GlobalNetworkSet',
    plural: 'globalnetworksets',
    namespaced: false,
    // calicoctl registers only the two long forms; `gns` is the CRD short name.
    names: ['globalnetworkset', 'globalnetworksets', 'gns'],
  },
  { kind: 'NetworkSet', plural: 'networksets', namespaced: true, names: ['networkset', 'networksets', 'netsets', 'netset'] },
  { kind: 'HostEndpoint', plural: 'hostendpoints', namespaced: false, names: ['hostendpoint', 'hostendpoints', 'hep', 'heps'] },
  {
    kind: 'WorkloadEndpoint',
    plural: 'workloadendpoints',
    namespaced: true,
    names: ['workloadendpoint', 'workloadendpoints', 'wep', 'weps'],
  },
  { kind: 'Profile', plural: 'profiles', namespaced: false, names: ['profile', 'profiles', 'pro', 'pros'] },
  {
    kind: 'KubeControllersConfiguration',
    plural: 'kubecontrollersconfigurations',
    namespaced: false,
    names: [
      'kubecontrollersconfiguration',
      'kubecontrollersconfigurations',
      'kubecontrollersconfig',
      'kubecontrollersconfigs',
      'kcc',
    ],
  },
  { kind: 'IPAMBlock', plural: 'ipamblocks', namespaced: false, names: ['ipamblock', 'ipamblocks'], internal: true },
  { kind: 'BlockAffinity', plural: 'blockaffinities', namespaced: false, names: ['blockaffinity', 'blockaffinities'], internal: true },
  { kind: 'IPAMHandle', plural: 'ipamhandles', namespaced: false, names: ['ipamhandle', 'ipamhandles'], internal: true },
];

const BY_KIND = new Map<string, KindInfo>();
const BY_WORD = new Map<string, KindInfo>();

for (const row of ROWS) {
  const info: KindInfo = Object.freeze({
    kind: row.kind,
    plural: row.plural,
    namespaced: row.namespaced,
    apiVersion: API_VERSION,
    names: Object.freeze([...row.names]),
    internal: row.internal ?? false,
  });
  BY_KIND.set(row.kind, info);
  for (const word of [row.kind.toLowerCase(), row.plural, ...row.names]) {
    if (BY_WORD.has(word) && BY_WORD.get(word) !== info) {
      throw new Error(`Cannot register kind alias "${word}": already used by ${BY_WORD.get(word)?.kind}`);
    }
    BY_WORD.set(word, info);
  }
}

/** Every registered kind, v3 kinds first in V3_KINDS order, then the IPAM kinds. */
export const ALL_KINDS: readonly KindInfo[] = Object.freeze([...V3_KINDS, ...IPAM_KINDS].map((k) => BY_KIND.get(k) as KindInfo));

/**
 * The kind a calicoctl word names (`gnp`, `IPPools`, `NetworkPolicy`), case-insensitively, or undefined.
 * @example resolveKind('gnp')?.kind // 'GlobalNetworkPolicy'
 */
export function resolveKind(word: string): KindInfo | undefined {
  return BY_WORD.get(word.trim().toLowerCase());
}

/**
 * Registry entry for an exact kind name (`IPPool`), or undefined for a kind we do not know.
 * @example kindInfo('IPPool')?.plural // 'ippools'
 */
export function kindInfo(kind: string): KindInfo | undefined {
  return BY_KIND.get(kind);
}

/** Whether `kind` is one of the kinds users write as projectcalico.org/v3. */
export function isV3Kind(kind: string): kind is V3Kind {
  const info = BY_KIND.get(kind);
  return info !== undefined && !info.internal;
}
