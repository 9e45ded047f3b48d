/**
 * Structural checks calicoctl gets from strict unmarshalling into Go structs: every field must be known
 * (`unknown field "ipMode"`) and have the right JSON type. Semantic rules live in the per-kind validators.
 */
import { at, fail, isObject, type Errors } from './field-errors.js';

export type Shape =
  | 'string'
  | 'number'
  | 'int'
  | 'bool'
  | 'any'
  /** int or string (ports, protocols, AS numbers, IntOrString). */
  | 'intOrString'
  | { obj: Record<string, Shape>; open?: boolean }
  | { arr: Shape }
  | { map: Shape };

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'number') return Number.isInteger(v) ? 'number' : 'float';
  return typeof v;
}

/** Check `value` against `shape`, naming problems by JSON path. null counts as absent, as in Go's JSON decoding. */
export function checkShape(value: unknown, shape: Shape, path: string, errs: Errors): void {
  if (value === null || value === undefined) return;
  if (typeof shape === 'string') {
    const ok =
      shape === 'any' ||
      (shape === 'string' && typeof value === 'string') ||
      (shape === 'bool' && typeof value === 'boolean') ||
      (shape === 'number' && typeof value === 'number' && Number.isFinite(value)) ||
      (shape === 'int' && typeof value === 'number' && Number.isSafeInteger(value)) ||
      (shape === 'intOrString' && (typeof value === 'string' || (typeof value === 'number' && Number.isSafeInteger(value))));
    if (!ok) {
      const want = shape === 'intOrString' ? 'integer or string' : shape === 'int' ? 'integer' : shape === 'bool' ? 'boolean' : shape;
      fail(errs, path, `expected ${want}, found ${describe(value)}`, value);
    }
    return;
  }
  if ('arr' in shape) {
    if (!Array.isArray(value)) {
      fail(errs, path, `expected list, found ${describe(value)}`, value);
      return;
    }
    value.forEach((item, i) => {
      // A null list entry would decode to a zero-value struct; refuse it rather than store null.
      if (item === null && typeof shape.arr === 'object') fail(errs, at(path, i), 'expected object, found null');
      else checkShape(item, shape.arr, at(path, i), errs);
    });
    return;
  }
  if (!isObject(value)) {
    fail(errs, path, `expected object, found ${describe(value)}`, value);
    return;
  }
  if ('map' in shape) {
    for (const [k, v] of Object.entries(value)) checkShape(v, shape.map, at(path, k), errs);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    const child = shape.obj[k];
    if (child === undefined) {
      if (!shape.open) fail(errs, at(path, k), `unknown field "${k}"`);
      continue;
    }
    checkShape(v, child, at(path, k), errs);
  }
}

// ---------------------------------------------------------------------------
// Shapes of the v3 API (field names as in api/pkg/apis/projectcalico/v3)

const str = 'string' as const;
const int = 'int' as const;
const num = 'number' as const;
const bool = 'bool' as const;
const strs: Shape = { arr: str };
const strMap: Shape = { map: str };

export const OBJECT_META: Shape = {
  obj: {
    name: str,
    generateName: str,
    namespace: str,
    selfLink: str,
    uid: str,
    resourceVersion: str,
    generation: int,
    creationTimestamp: str,
    deletionTimestamp: str,
    deletionGracePeriodSeconds: int,
    labels: strMap,
    annotations: strMap,
    ownerReferences: { arr: 'any' },
    finalizers: strs,
    managedFields: { arr: 'any' },
  },
};

const ICMP: Shape = { obj: { type: int, code: int } };
const ENTITY_RULE: Shape = {
  obj: {
    nets: strs,
    notNets: strs,
    selector: str,
    notSelector: str,
    namespaceSelector: str,
    ports: { arr: 'intOrString' },
    notPorts: { arr: 'intOrString' },
    serviceAccounts: { obj: { names: strs, selector: str } },
    services: { obj: { name: str, namespace: str } },
  },
};
export const RULE: Shape = {
  obj: {
    action: str,
    ipVersion: int,
    protocol: 'intOrString',
    notProtocol: 'intOrString',
    icmp: ICMP,
    notICMP: ICMP,
    source: ENTITY_RULE,
    destination: ENTITY_RULE,
    http: { obj: { methods: strs, paths: { arr: { obj: { exact: str, prefix: str } } } } },
    metadata: { obj: { annotations: strMap } },
  },
};
const RULES: Shape = { arr: RULE };

const POLICY_FIELDS: Record<string, Shape> = {
  tier: str,
  order: num,
  selector: str,
  types: strs,
  ingress: RULES,
  egress: RULES,
  serviceAccountSelector: str,
  performanceHints: strs,
};
const GLOBAL_POLICY_FIELDS: Record<string, Shape> = {
  ...POLICY_FIELDS,
  namespaceSelector: str,
  doNotTrack: bool,
  preDNAT: bool,
  applyOnForward: bool,
};

const LABEL_SELECTOR: Shape = {
  obj: { matchLabels: strMap, matchExpressions: { arr: { obj: { key: str, operator: str, values: strs } } } },
};
const K8S_PEER: Shape = {
  obj: { podSelector: LABEL_SELECTOR, namespaceSelector: LABEL_SELECTOR, ipBlock: { obj: { cidr: str, except: strs } } },
};
const K8S_PORT: Shape = { obj: { protocol: str, port: 'intOrString', endPort: int } };
export const K8S_NETWORK_POLICY_SPEC: Shape = {
  obj: {
    podSelector: LABEL_SELECTOR,
    policyTypes: strs,
    ingress: { arr: { obj: { from: { arr: K8S_PEER }, ports: { arr: K8S_PORT } } } },
    egress: { arr: { obj: { to: { arr: K8S_PEER }, ports: { arr: K8S_PORT } } } },
  },
};

const SECRET_REF: Shape = { obj: { secretKeyRef: { obj: { name: str, key: str, optional: bool } } } };
const CIDR_BLOCKS: Shape = { arr: { obj: { cidr: str } } };
const FILTER_RULE: Shape = {
  obj: {
    cidr: str,
    matchOperator: str,
    prefixLength: { obj: { min: int, max: int } },
    source: str,
    interface: str,
    peerType: str,
    communities: { obj: { values: strs } },
    asPathPrefix: { arr: 'intOrString' },
    priority: int,
    action: str,
    operations: {
      arr: {
        obj: {
          addCommunity: { obj: { value: str } },
          prependASPath: { obj: { prefix: { arr: 'intOrString' } } },
          setPriority: { obj: { value: int } },
        },
      },
    },
  },
};
const RECONCILER: Shape = { obj: { reconcilerPeriod: str } };

/** Spec shapes per kind. FelixConfiguration is open: we type the fields we know and pass the rest through. */
export const SPEC_SHAPES: Record<string, Shape> = {
  NetworkPolicy: { obj: POLICY_FIELDS },
  GlobalNetworkPolicy: { obj: GLOBAL_POLICY_FIELDS },
  StagedNetworkPolicy: { obj: { ...POLICY_FIELDS, stagedAction: str } },
  StagedGlobalNetworkPolicy: { obj: { ...GLOBAL_POLICY_FIELDS, stagedAction: str } },
  StagedKubernetesNetworkPolicy: {
    obj: { ...(K8S_NETWORK_POLICY_SPEC as { obj: Record<string, Shape> }).obj, stagedAction: str },
  },
  Tier: { obj: { order: num, defaultAction: str } },
  Profile: { obj: { ingress: RULES, egress: RULES, labelsToApply: strMap } },
  NetworkSet: { obj: { nets: strs } },
  GlobalNetworkSet: { obj: { nets: strs } },
  WorkloadEndpoint: {
    obj: {
      orchestrator: str,
      workload: str,
      node: str,
      containerID: str,
      pod: str,
      endpoint: str,
      serviceAccountName: str,
      ipNetworks: strs,
      ipNATs: { arr: { obj: { internalIP: str, externalIP: str } } },
      ipv4Gateway: str,
      ipv6Gateway: str,
      profiles: strs,
      interfaceName: str,
      mac: str,
      ports: { arr: { obj: { name: str, protocol: 'intOrString', port: int, hostPort: int, hostIP: str } } },
      allowSpoofedSourcePrefixes: strs,
      qosControls: 'any',
    },
  },
  HostEndpoint: {
    obj: {
      node: str,
      interfaceName: str,
      expectedIPs: strs,
      profiles: strs,
      ports: { arr: { obj: { name: str, protocol: 'intOrString', port: int } } },
    },
  },
  IPPool: {
    obj: {
      cidr: str,
      blockSize: int,
      ipipMode: str,
      vxlanMode: str,
      natOutgoing: bool,
      disabled: bool,
      disableBGPExport: bool,
      nodeSelector: str,
      namespaceSelector: str,
      allowedUses: strs,
      assignmentMode: str,
      // Deprecated v1-compatibility fields that the v3 struct still carries.
      ipip: { obj: { enabled: bool, mode: str } },
      'nat-outgoing': bool,
    },
  },
  IPReservation: { obj: { reservedCIDRs: strs } },
  IPAMConfiguration: {
    obj: {
      strictAffinity: bool,
      maxBlocksPerHost: int,
      autoAllocateBlocks: bool,
      kubeVirtVMAddressPersistence: str,
      ipCooldownSeconds: int,
    },
  },
  BGPConfiguration: {
    obj: {
      logSeverityScreen: str,
      nodeToNodeMeshEnabled: bool,
      asNumber: 'intOrString',
      listenPort: int,
      bindMode: str,
      nodeMeshPassword: SECRET_REF,
      nodeMeshMaxRestartTime: str,
      serviceClusterIPs: CIDR_BLOCKS,
      serviceExternalIPs: CIDR_BLOCKS,
      serviceLoadBalancerIPs: CIDR_BLOCKS,
      serviceLoadBalancerAggregation: str,
      communities: { arr: { obj: { name: str, value: str } } },
      prefixAdvertisements: { arr: { obj: { cidr: str, communities: strs } } },
      ignoredInterfaces: strs,
      localWorkloadPeeringIPV4: str,
      localWorkloadPeeringIPV6: str,
      programClusterRoutes: str,
      ipv4NormalRoutePriority: int,
      ipv6NormalRoutePriority: int,
    },
  },
  BGPPeer: {
    obj: {
      node: str,
      nodeSelector: str,
      peerIP: str,
      peerSelector: str,
      asNumber: 'intOrString',
      localASNumber: 'intOrString',
      keepOriginalNextHop: bool,
      nextHopMode: str,
      password: SECRET_REF,
      sourceAddress: str,
      maxRestartTime: str,
      keepaliveTime: str,
      numAllowedLocalASNumbers: int,
      ttlSecurity: int,
      reachableBy: str,
      filters: strs,
      localWorkloadSelector: str,
      reversePeering: str,
    },
  },
  BGPFilter: {
    obj: { exportV4: { arr: FILTER_RULE }, importV4: { arr: FILTER_RULE }, exportV6: { arr: FILTER_RULE }, importV6: { arr: FILTER_RULE } },
  },
  FelixConfiguration: {
    open: true,
    obj: {
      logSeverityScreen: str,
      logSeverityFile: str,
      logSeveritySys: str,
      logFilePath: str,
      logPrefix: str,
      defaultEndpointToHostAction: str,
      iptablesFilterAllowAction: str,
      iptablesFilterDenyAction: str,
      iptablesMangleAllowAction: str,
      failsafeInboundHostPorts: { arr: { obj: { protocol: str, port: int, net: str } } },
      failsafeOutboundHostPorts: { arr: { obj: { protocol: str, port: int, net: str } } },
      interfacePrefix: str,
      interfaceExclude: str,
      chainInsertMode: str,
      healthEnabled: bool,
      healthHost: str,
      healthPort: int,
      prometheusMetricsEnabled: bool,
      prometheusMetricsHost: str,
      prometheusMetricsPort: int,
      iptablesRefreshInterval: str,
      routeRefreshInterval: str,
      ipsetsRefreshInterval: str,
      reportingInterval: str,
      reportingTTL: str,
      nftablesMode: str,
      bpfEnabled: bool,
      ipipEnabled: bool,
      ipipMTU: int,
      vxlanEnabled: bool,
      vxlanMTU: int,
      vxlanMTUV6: int,
      vxlanPort: int,
      vxlanVNI: int,
      wireguardEnabled: bool,
      wireguardEnabledV6: bool,
      wireguardListeningPort: int,
      wireguardListeningPortV6: int,
      wireguardInterfaceName: str,
      wireguardInterfaceNameV6: str,
      wireguardMTU: int,
      wireguardMTUV6: int,
      wireguardRoutingRulePriority: int,
      wireguardHostEncryptionEnabled: bool,
      wireguardKeepAlive: str,
      disableConntrackInvalidCheck: bool,
      natOutgoingAddress: str,
      natPortRange: 'intOrString',
      kubeNodePortRanges: { arr: 'intOrString' },
      ipv6Support: bool,
      removeExternalRoutes: bool,
      deviceRouteProtocol: int,
      serviceLoopPrevention: str,
      routeSource: str,
      routeTableRanges: { arr: { obj: { min: int, max: int } } },
      xdpEnabled: bool,
      endpointReportingEnabled: bool,
      allowVXLANPacketsFromWorkloads: bool,
      allowIPIPPacketsFromWorkloads: bool,
      iptablesBackend: str,
      iptablesMarkMask: int,
      nftablesMarkMask: int,
      mtuIfacePattern: str,
      nodeSelector: str,
      ipForwarding: str,
      natOutgoingExclusions: str,
      workloadSourceSpoofing: str,
      awsSrcDstCheck: str,
      programClusterRoutes: str,
      usageReportingEnabled: bool,
    },
  },
  ClusterInformation: {
    obj: { clusterGUID: str, clusterType: str, calicoVersion: str, datastoreReady: bool, variant: str },
  },
  Node: {
    obj: {
      bgp: {
        obj: {
          asNumber: 'intOrString',
          ipv4Address: str,
          ipv6Address: str,
          ipv4IPIPTunnelAddr: str,
          routeReflectorClusterID: str,
        },
      },
      ipv4VXLANTunnelAddr: str,
      vxlanTunnelMACAddr: str,
      ipv6VXLANTunnelAddr: str,
      vxlanTunnelMACAddrV6: str,
      orchRefs: { arr: { obj: { nodeName: str, orchestrator: str } } },
      wireguard: { obj: { interfaceIPv4Address: str, interfaceIPv6Address: str } },
      addresses: { arr: { obj: { address: str, type: str } } },
    },
  },
  KubeControllersConfiguration: {
    obj: {
      logSeverityScreen: str,
      healthChecks: str,
      // Calico's JSON name is `etcdv3CompactionPeriod`; the capitalised spelling is accepted too.
      etcdv3CompactionPeriod: str,
      etcdV3CompactionPeriod: str,
      prometheusMetricsPort: int,
      debugProfilePort: int,
      controllers: {
        obj: {
          node: {
            obj: {
              reconcilerPeriod: str,
              syncLabels: str,
              hostEndpoint: { obj: { autoCreate: str, createDefaultHostEndpoint: str, templates: { arr: 'any' } } },
              leakGracePeriod: str,
            },
          },
          policy: RECONCILER,
          workloadEndpoint: RECONCILER,
          serviceAccount: RECONCILER,
          namespace: RECONCILER,
          loadBalancer: { obj: { assignIPs: str } },
          migration: { obj: { policyNameMigrator: str } },
        },
      },
    },
  },
};

/** Status shapes; status is written by Calico components, so we only type-check it loosely. */
export const STATUS_SHAPES: Record<string, Shape> = {
  Node: { obj: { wireguardPublicKey: str, wireguardPublicKeyV6: str, podCIDRs: strs }, open: true },
};
