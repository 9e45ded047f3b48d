/**
 * Structural checks calicoctl gets from strict unmarshalling into Go structs: every field must be known
 * (`unknown field "ipMode"`) and have the right JSON type. Semantic rules live in the per-kind validators.
 */
import { at, fail, isObject, type Errors } from './field-errors.js';
import { CONFIG_SPEC_SHAPES } from './schema-config.js';

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
    const child = shape.obj[k] ?? shape.obj[canonicalKey(shape.obj, k) ?? ''];
    if (child === undefined) {
      if (!shape.open) fail(errs, at(path, k), `unknown field "${k}"`);
      continue;
    }
    checkShape(v, child, at(path, k), errs);
  }
}

/**
 * The declared field a key names: Go's encoding/json (under calicoctl's YAML decoding) prefers an exact match
 * but also accepts a case-insensitive one, so `IPIPMode` fills `ipipMode`.
 */
function canonicalKey(fields: Record<string, Shape>, key: string): string | undefined {
  if (Object.hasOwn(fields, key)) return key;
  const lower = key.toLowerCase();
  return Object.keys(fields).find((f) => f.toLowerCase() === lower);
}

/**
 * A copy of `value` with every key that matches a declared field only case-insensitively renamed to the
 * declared spelling, as decoding into Calico's Go structs does. Unknown keys and map keys are kept as they are.
 * When two spellings of one field are present, the exact one wins.
 */
export function canonicalizeFieldNames(value: unknown, shape: Shape): unknown {
  if (typeof shape === 'string' || value === null || typeof value !== 'object') return value;
  if ('arr' in shape) return Array.isArray(value) ? value.map((v) => canonicalizeFieldNames(v, shape.arr)) : value;
  if (!isObject(value)) return value;
  if ('map' in shape) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, canonicalizeFieldNames(v, shape.map)]));
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const name = canonicalKey(shape.obj, k) ?? k;
    if (name !== k && Object.hasOwn(value, name)) continue;
    const child = shape.obj[name];
    out[name] = child === undefined ? v : canonicalizeFieldNames(v, child);
  }
  return out;
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

/** Spec shapes per kind (configuration kinds live in schema-config.ts). */
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
  ...CONFIG_SPEC_SHAPES,
};

/** Status shapes; status is written by Calico components, so we only type-check it loosely. */
export const STATUS_SHAPES: Record<string, Shape> = {
  Node: { obj: { wireguardPublicKey: str, wireguardPublicKeyV6: str, podCIDRs: strs }, open: true },
};
