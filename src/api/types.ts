/**
 * The projectcalico.org/v3 resource shapes, with Calico's JSON field names.
 * These are plain data: defaulting and validation live in their own modules.
 * Optional fields stay optional after defaulting only where Calico leaves them unset.
 */

export const API_GROUP = 'projectcalico.org';
export const API_VERSION = 'projectcalico.org/v3';

export type Labels = Record<string, string>;

export interface ObjectMeta {
  name: string;
  namespace?: string;
  /** Opaque to clients; the datastore's revision of this object's last write. Used for compare-and-swap. */
  resourceVersion?: string;
  uid?: string;
  creationTimestamp?: string;
  labels?: Labels;
  annotations?: Record<string, string>;
  generation?: number;
}

export interface Resource<K extends string = string, S = unknown, St = unknown> {
  apiVersion: string;
  kind: K;
  metadata: ObjectMeta;
  spec?: S;
  status?: St;
}

// ---------------------------------------------------------------------------
// Policy building blocks (policy_common.go)

export type Action = 'Allow' | 'Deny' | 'Log' | 'Pass';
/** Named protocol (TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite) or a number 1-255. */
export type Protocol = string | number;
/** A port number, a range "80:90", or a named port. */
export type Port = number | string;

export interface ICMPFields {
  type?: number;
  code?: number;
}

export interface ServiceAccountMatch {
  names?: string[];
  selector?: string;
}

export interface ServiceMatch {
  name: string;
  namespace?: string;
}

export interface EntityRule {
  nets?: string[];
  notNets?: string[];
  selector?: string;
  notSelector?: string;
  namespaceSelector?: string;
  ports?: Port[];
  notPorts?: Port[];
  serviceAccounts?: ServiceAccountMatch;
  services?: ServiceMatch;
}

export interface HTTPPath {
  exact?: string;
  prefix?: string;
}

export interface HTTPMatch {
  methods?: string[];
  paths?: HTTPPath[];
}

export interface Rule {
  action: Action;
  ipVersion?: 4 | 6;
  protocol?: Protocol;
  notProtocol?: Protocol;
  icmp?: ICMPFields;
  notICMP?: ICMPFields;
  source?: EntityRule;
  destination?: EntityRule;
  http?: HTTPMatch;
  metadata?: { annotations?: Record<string, string> };
}

export type PolicyType = 'Ingress' | 'Egress';

export interface NetworkPolicySpec {
  tier?: string;
  order?: number;
  selector?: string;
  types?: PolicyType[];
  ingress?: Rule[];
  egress?: Rule[];
  serviceAccountSelector?: string;
  performanceHints?: string[];
}

export interface GlobalNetworkPolicySpec extends NetworkPolicySpec {
  namespaceSelector?: string;
  doNotTrack?: boolean;
  preDNAT?: boolean;
  applyOnForward?: boolean;
}

export type StagedAction = 'Set' | 'Delete' | 'Learn' | 'Ignore';

export interface StagedNetworkPolicySpec extends NetworkPolicySpec {
  stagedAction?: StagedAction;
}

export interface StagedGlobalNetworkPolicySpec extends GlobalNetworkPolicySpec {
  stagedAction?: StagedAction;
}

export interface StagedKubernetesNetworkPolicySpec extends K8sNetworkPolicySpec {
  stagedAction?: StagedAction;
}

export interface TierSpec {
  order?: number;
  defaultAction?: 'Deny' | 'Pass';
}

export interface ProfileSpec {
  ingress?: Rule[];
  egress?: Rule[];
  labelsToApply?: Labels;
}

export interface NetworkSetSpec {
  nets?: string[];
}

// ---------------------------------------------------------------------------
// Endpoints

export interface EndpointPort {
  name: string;
  protocol: string;
  port: number;
  hostPort?: number;
  hostIP?: string;
}

export interface IPNAT {
  internalIP: string;
  externalIP: string;
}

export interface WorkloadEndpointSpec {
  orchestrator?: string;
  workload?: string;
  node?: string;
  containerID?: string;
  pod?: string;
  endpoint?: string;
  serviceAccountName?: string;
  ipNetworks?: string[];
  ipNATs?: IPNAT[];
  ipv4Gateway?: string;
  ipv6Gateway?: string;
  profiles?: string[];
  interfaceName?: string;
  mac?: string;
  ports?: EndpointPort[];
  allowSpoofedSourcePrefixes?: string[];
}

export interface HostEndpointSpec {
  node?: string;
  interfaceName?: string;
  expectedIPs?: string[];
  profiles?: string[];
  ports?: Array<{ name: string; protocol: string; port: number }>;
}

// ---------------------------------------------------------------------------
// IPAM and networking configuration

export type EncapMode = 'Never' | 'Always' | 'CrossSubnet';
export type IPPoolAllowedUse = 'Workload' | 'Tunnel' | 'LoadBalancer';

export interface IPPoolSpec {
  cidr: string;
  blockSize?: number;
  ipipMode?: EncapMode;
  vxlanMode?: EncapMode;
  natOutgoing?: boolean;
  disabled?: boolean;
  disableBGPExport?: boolean;
  nodeSelector?: string;
  namespaceSelector?: string;
  allowedUses?: IPPoolAllowedUse[];
  assignmentMode?: 'Automatic' | 'Manual';
}

export interface IPReservationSpec {
  reservedCIDRs?: string[];
}

export interface IPAMConfigurationSpec {
  strictAffinity?: boolean;
  maxBlocksPerHost?: number;
  autoAllocateBlocks?: boolean;
  kubeVirtVMAddressPersistence?: 'Enabled' | 'Disabled';
  ipCooldownSeconds?: number;
}

export interface BGPConfigurationSpec {
  logSeverityScreen?: string;
  nodeToNodeMeshEnabled?: boolean;
  asNumber?: number | string;
  listenPort?: number;
  bindMode?: 'None' | 'NodeIP';
  nodeMeshPassword?: { secretKeyRef?: { name: string; key: string } };
  nodeMeshMaxRestartTime?: string;
  serviceClusterIPs?: Array<{ cidr: string }>;
  serviceExternalIPs?: Array<{ cidr: string }>;
  serviceLoadBalancerIPs?: Array<{ cidr: string }>;
  serviceLoadBalancerAggregation?: 'Enabled' | 'Disabled';
  communities?: Array<{ name: string; value: string }>;
  prefixAdvertisements?: Array<{ cidr: string; communities?: string[] }>;
  ignoredInterfaces?: string[];
  localWorkloadPeeringIPV4?: string;
  localWorkloadPeeringIPV6?: string;
  programClusterRoutes?: string;
}

export interface BGPPeerSpec {
  node?: string;
  nodeSelector?: string;
  peerIP?: string;
  peerSelector?: string;
  asNumber?: number | string;
  localASNumber?: number | string;
  keepOriginalNextHop?: boolean;
  nextHopMode?: 'Auto' | 'Self' | 'Keep';
  password?: { secretKeyRef?: { name: string; key: string } };
  sourceAddress?: 'UseNodeIP' | 'None';
  maxRestartTime?: string;
  keepaliveTime?: string;
  numAllowedLocalASNumbers?: number;
  ttlSecurity?: number;
  reachableBy?: string;
  filters?: string[];
  localWorkloadSelector?: string;
  reversePeering?: 'Auto' | 'Manual';
}

export interface BGPFilterRule {
  cidr?: string;
  matchOperator?: 'Equal' | 'NotEqual' | 'In' | 'NotIn';
  prefixLength?: { min?: number; max?: number };
  source?: 'RemotePeers';
  interface?: string;
  peerType?: 'eBGP' | 'iBGP';
  communities?: { values?: string[] };
  asPathPrefix?: number[];
  priority?: number;
  action: 'Accept' | 'Reject';
  operations?: Array<{
    addCommunity?: { value: string };
    prependASPath?: { prefix: number[] };
    setPriority?: { value: number };
  }>;
}

export interface BGPFilterSpec {
  exportV4?: BGPFilterRule[];
  importV4?: BGPFilterRule[];
  exportV6?: BGPFilterRule[];
  importV6?: BGPFilterRule[];
}

/** FelixConfiguration has ~150 fields; the ones our Felix reads are typed, the rest pass through. */
export interface FelixConfigurationSpec {
  [field: string]: unknown;
  logSeverityScreen?: string;
  defaultEndpointToHostAction?: 'Drop' | 'Return' | 'Accept';
  iptablesFilterDenyAction?: 'Drop' | 'Reject';
  failsafeInboundHostPorts?: Array<{ protocol?: string; port: number; net?: string }>;
  failsafeOutboundHostPorts?: Array<{ protocol?: string; port: number; net?: string }>;
  interfacePrefix?: string;
  interfaceExclude?: string;
  healthEnabled?: boolean;
  healthHost?: string;
  healthPort?: number;
  prometheusMetricsEnabled?: boolean;
  prometheusMetricsPort?: number;
  iptablesRefreshInterval?: string;
  routeRefreshInterval?: string;
  nftablesMode?: 'Enabled' | 'Disabled' | 'Auto';
  vxlanEnabled?: boolean;
  vxlanPort?: number;
  vxlanVNI?: number;
  logPrefix?: string;
  disableConntrackInvalidCheck?: boolean;
  natOutgoingAddress?: string;
}

export interface ClusterInformationSpec {
  clusterGUID?: string;
  clusterType?: string;
  calicoVersion?: string;
  datastoreReady?: boolean;
  variant?: string;
}

export interface NodeSpec {
  bgp?: {
    asNumber?: number | string;
    ipv4Address?: string;
    ipv6Address?: string;
    ipv4IPIPTunnelAddr?: string;
    routeReflectorClusterID?: string;
  };
  ipv4VXLANTunnelAddr?: string;
  vxlanTunnelMACAddr?: string;
  ipv6VXLANTunnelAddr?: string;
  vxlanTunnelMACAddrV6?: string;
  orchRefs?: Array<{ nodeName?: string; orchestrator: string }>;
  wireguard?: { interfaceIPv4Address?: string; interfaceIPv6Address?: string };
  addresses?: Array<{ address: string; type?: string }>;
}

export interface NodeStatus {
  wireguardPublicKey?: string;
  wireguardPublicKeyV6?: string;
  podCIDRs?: string[];
}

export interface KubeControllersConfigurationSpec {
  logSeverityScreen?: string;
  healthChecks?: 'Enabled' | 'Disabled';
  etcdV3CompactionPeriod?: string;
  prometheusMetricsPort?: number;
  controllers?: {
    node?: {
      reconcilerPeriod?: string;
      syncLabels?: 'Enabled' | 'Disabled';
      hostEndpoint?: { autoCreate?: 'Enabled' | 'Disabled' };
      leakGracePeriod?: string;
    };
    policy?: { reconcilerPeriod?: string };
    workloadEndpoint?: { reconcilerPeriod?: string };
    serviceAccount?: { reconcilerPeriod?: string };
    namespace?: { reconcilerPeriod?: string };
  };
}

// ---------------------------------------------------------------------------
// Kubernetes kinds we accept (converted on write, as Calico's kube-controllers would)

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface K8sLabelSelector {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface K8sNetworkPolicyPort {
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  port?: number | string;
  endPort?: number;
}

export interface K8sNetworkPolicyPeer {
  podSelector?: K8sLabelSelector;
  namespaceSelector?: K8sLabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface K8sNetworkPolicySpec {
  podSelector?: K8sLabelSelector;
  policyTypes?: PolicyType[];
  ingress?: Array<{ from?: K8sNetworkPolicyPeer[]; ports?: K8sNetworkPolicyPort[] }>;
  egress?: Array<{ to?: K8sNetworkPolicyPeer[]; ports?: K8sNetworkPolicyPort[] }>;
}

// ---------------------------------------------------------------------------
// Typed resources

export type NetworkPolicy = Resource<'NetworkPolicy', NetworkPolicySpec>;
export type GlobalNetworkPolicy = Resource<'GlobalNetworkPolicy', GlobalNetworkPolicySpec>;
export type StagedNetworkPolicy = Resource<'StagedNetworkPolicy', StagedNetworkPolicySpec>;
export type StagedGlobalNetworkPolicy = Resource<'StagedGlobalNetworkPolicy', StagedGlobalNetworkPolicySpec>;
export type StagedKubernetesNetworkPolicy = Resource<'StagedKubernetesNetworkPolicy', StagedKubernetesNetworkPolicySpec>;
export type Tier = Resource<'Tier', TierSpec>;
export type Profile = Resource<'Profile', ProfileSpec>;
export type NetworkSet = Resource<'NetworkSet', NetworkSetSpec>;
export type GlobalNetworkSet = Resource<'GlobalNetworkSet', NetworkSetSpec>;
export type WorkloadEndpoint = Resource<'WorkloadEndpoint', WorkloadEndpointSpec>;
export type HostEndpoint = Resource<'HostEndpoint', HostEndpointSpec>;
export type IPPool = Resource<'IPPool', IPPoolSpec>;
export type IPReservation = Resource<'IPReservation', IPReservationSpec>;
export type IPAMConfiguration = Resource<'IPAMConfiguration', IPAMConfigurationSpec>;
export type BGPConfiguration = Resource<'BGPConfiguration', BGPConfigurationSpec>;
export type BGPPeer = Resource<'BGPPeer', BGPPeerSpec>;
export type BGPFilter = Resource<'BGPFilter', BGPFilterSpec>;
export type FelixConfiguration = Resource<'FelixConfiguration', FelixConfigurationSpec>;
export type ClusterInformation = Resource<'ClusterInformation', ClusterInformationSpec>;
export type CalicoNode = Resource<'Node', NodeSpec, NodeStatus>;
export type KubeControllersConfiguration = Resource<'KubeControllersConfiguration', KubeControllersConfigurationSpec>;
export type K8sNetworkPolicy = Resource<'NetworkPolicy', K8sNetworkPolicySpec>;
export type K8sNamespace = Resource<'Namespace', Record<string, never>>;

/** Every v3 kind calicoctl and the datastore accept, in Calico's spelling. */
export const V3_KINDS = [
  'IPPool',
  'IPReservation',
  'IPAMConfiguration',
  'BGPConfiguration',
  'BGPPeer',
  'BGPFilter',
  'FelixConfiguration',
  'ClusterInformation',
  'Node',
  'Tier',
  'GlobalNetworkPolicy',
  'NetworkPolicy',
  'StagedGlobalNetworkPolicy',
  'StagedNetworkPolicy',
  'StagedKubernetesNetworkPolicy',
  'GlobalNetworkSet',
  'NetworkSet',
  'HostEndpoint',
  'WorkloadEndpoint',
  'Profile',
  'KubeControllersConfiguration',
] as const;
export type V3Kind = (typeof V3_KINDS)[number];

/**
 * Internal IPAM kinds (Calico keeps these in crd.projectcalico.org/v1; users never write them directly).
 * They live in the same datastore so that IPAM gets the same compare-and-swap contract.
 */
export const IPAM_KINDS = ['IPAMBlock', 'BlockAffinity', 'IPAMHandle'] as const;
export type IPAMKind = (typeof IPAM_KINDS)[number];

export const NAMESPACED_KINDS: ReadonlySet<string> = new Set([
  'NetworkPolicy',
  'StagedNetworkPolicy',
  'StagedKubernetesNetworkPolicy',
  'NetworkSet',
  'WorkloadEndpoint',
]);

export function isNamespacedKind(kind: string): boolean {
  return NAMESPACED_KINDS.has(kind);
}
