/**
 * What the calculation graph tells a dataplane driver (Felix's proto messages, as plain data).
 *
 * The calc graph emits these in dependency order (see EventSequencer): IP sets before the policies
 * that reference them, policies and profiles before the endpoints that use them, and removals in
 * reverse. A driver may therefore apply them blindly, batching as it likes.
 */
import { DEFAULT_FAILSAFE_INBOUND_HOST_PORTS, DEFAULT_FAILSAFE_OUTBOUND_HOST_PORTS } from '../api/felix-defaults.js';

/** Kinds of IP set, as Felix names them. `ip-and-port` members look like `10.0.0.1,tcp:8080`. */
export type IPSetType = 'ip' | 'net' | 'ip-and-port';

export interface PortRange {
  first: number;
  last: number;
}

export interface ICMPMatch {
  type: number;
  code?: number;
}

/**
 * One fully resolved rule (Felix's proto.Rule). Every selector has been replaced by the ID of an
 * IP set; nets are inline. All present match criteria must hold (AND); each list is an OR of its members,
 * except `*IPSetIds`, where the address must be in every listed set (one set per selector in the rule).
 */
export interface ParsedRule {
  action: 'allow' | 'deny' | 'pass' | 'log' | 'next-tier';
  ipVersion?: 4 | 6;
  /** Lower-case protocol name (tcp, udp, icmp, icmpv6, sctp, udplite) or number as string. */
  protocol?: string;
  notProtocol?: string;

  srcNets?: string[];
  notSrcNets?: string[];
  srcPorts?: PortRange[];
  notSrcPorts?: PortRange[];
  srcNamedPortIPSetIds?: string[];
  notSrcNamedPortIPSetIds?: string[];
  srcIPSetIds?: string[];
  notSrcIPSetIds?: string[];

  dstNets?: string[];
  notDstNets?: string[];
  dstPorts?: PortRange[];
  notDstPorts?: PortRange[];
  dstNamedPortIPSetIds?: string[];
  notDstNamedPortIPSetIds?: string[];
  dstIPSetIds?: string[];
  notDstIPSetIds?: string[];

  icmp?: ICMPMatch;
  notICMP?: ICMPMatch;

  /** Stable ID used in log prefixes and counters (hash of the rule and its position). */
  ruleId: string;
  /** Log prefix for `log` rules. */
  logPrefix?: string;
}

/** `np`, `gnp`, `knp`, `snp`, `sgnp`, `sknp` plus namespace/name: Felix's chain ID `<kind>/<ns>/<name>`. */
export interface PolicyID {
  kind: 'np' | 'gnp' | 'knp' | 'snp' | 'sgnp' | 'sknp';
  namespace?: string;
  name: string;
  tier: string;
}

export interface PolicyRules {
  inbound: ParsedRule[];
  outbound: ParsedRule[];
  untracked?: boolean;
  preDNAT?: boolean;
  applyOnForward?: boolean;
  staged?: boolean;
}

/**
 * A tier appears in an endpoint's list when at least one of its policies applies to the endpoint in
 * either direction. For a direction whose policy list is empty the tier is skipped entirely (no
 * end-of-tier action), as Felix does. Policies whose key starts `snp/`, `sgnp/` or `sknp/` are staged.
 */
export interface TierInfo {
  name: string;
  /** Policies that apply in this tier, already in order. Keys as `policyKey(id)`. */
  ingressPolicies: string[];
  egressPolicies: string[];
  defaultAction: 'Deny' | 'Pass';
}

export interface WorkloadEndpointInfo {
  /** `<namespace>/<workload name>` for display; key is the WorkloadEndpoint's namespace/name. */
  key: string;
  interfaceName: string;
  mac?: string;
  ipv4Nets: string[];
  ipv6Nets: string[];
  tiers: TierInfo[];
  /** Profile keys, in order. */
  profileIds: string[];
}

export interface HostEndpointInfo {
  key: string;
  /** `*` means every interface of the host's network namespace; empty: the interface(s) holding expectedIPs. */
  interfaceName: string;
  expectedIPv4Addrs: string[];
  expectedIPv6Addrs: string[];
  tiers: TierInfo[];
  untrackedTiers: TierInfo[];
  preDNATTiers: TierInfo[];
  forwardTiers: TierInfo[];
  profileIds: string[];
}

export interface RouteInfo {
  /** CIDR of the destination, e.g. `10.65.1.2/32`. */
  dst: string;
  type: 'local-workload' | 'remote-workload' | 'local-block' | 'remote-block';
  /** Host-side interface for local workload routes. */
  interfaceName?: string;
  /** Node IP for remote routes. */
  nextHop?: string;
  nodeName?: string;
}

export interface IPPoolInfo {
  cidr: string;
  natOutgoing: boolean;
  vxlanMode: 'Never' | 'Always' | 'CrossSubnet';
  disabled: boolean;
}

/** The effective Felix configuration the dataplane needs, after merging FelixConfiguration objects. */
export interface DataplaneConfig {
  defaultEndpointToHostAction: 'Drop' | 'Return' | 'Accept';
  denyAction: 'Drop' | 'Reject';
  failsafeInboundHostPorts: Array<{ protocol: string; port: number; net?: string }>;
  failsafeOutboundHostPorts: Array<{ protocol: string; port: number; net?: string }>;
  interfacePrefixes: string[];
  logPrefix: string;
  disableConntrackInvalidCheck: boolean;
  refreshIntervalSeconds: number;
}

/**
 * The narrow interfaces a dataplane driver implements, grouped as Felix groups them.
 * `policyKey(id)` / profile name strings are the keys used between messages.
 */
export interface IPSetCallbacks {
  onIPSetAdded(id: string, type: IPSetType): void;
  onIPSetMembersAdded(id: string, members: string[]): void;
  onIPSetMembersRemoved(id: string, members: string[]): void;
  onIPSetRemoved(id: string): void;
}

export interface RulesCallbacks {
  onPolicyUpdate(key: string, id: PolicyID, rules: PolicyRules): void;
  onPolicyRemoved(key: string): void;
  onProfileUpdate(name: string, rules: PolicyRules): void;
  onProfileRemoved(name: string): void;
}

export interface EndpointCallbacks {
  onWorkloadEndpointUpdate(ep: WorkloadEndpointInfo): void;
  onWorkloadEndpointRemoved(key: string): void;
  onHostEndpointUpdate(ep: HostEndpointInfo): void;
  onHostEndpointRemoved(key: string): void;
}

export interface RouteCallbacks {
  onRouteUpdate(route: RouteInfo): void;
  onRouteRemoved(dst: string): void;
  onIPPoolUpdate(id: string, pool: IPPoolInfo): void;
  onIPPoolRemoved(id: string): void;
}

export interface ConfigCallbacks {
  onConfigUpdate(config: DataplaneConfig): void;
  /** The calc graph has seen the whole datastore once; the driver may now remove what it does not know. */
  onInSync(): void;
}

export type PipelineCallbacks = IPSetCallbacks & RulesCallbacks & EndpointCallbacks & RouteCallbacks & ConfigCallbacks;

/** Felix's code defaults (config_params.go) for the fields the dataplane reads, used until config arrives. */
export function defaultDataplaneConfig(): DataplaneConfig {
  return {
    defaultEndpointToHostAction: 'Drop',
    denyAction: 'Drop',
    failsafeInboundHostPorts: DEFAULT_FAILSAFE_INBOUND_HOST_PORTS.map((p) => ({ ...p })),
    failsafeOutboundHostPorts: DEFAULT_FAILSAFE_OUTBOUND_HOST_PORTS.map((p) => ({ ...p })),
    interfacePrefixes: ['cali'],
    logPrefix: 'calico-packet',
    disableConntrackInvalidCheck: false,
    refreshIntervalSeconds: 180,
  };
}

export function policyKey(id: PolicyID): string {
  return id.namespace ? `${id.kind}/${id.namespace}/${id.name}` : `${id.kind}/${id.name}`;
}
