/**
 * The pod topology of the Kubernetes NetworkPolicy e2e suite (test/e2e/network/netpol): namespaces
 * x, y, z (labelled `ns: <name>` and `kubernetes.io/metadata.name: <name>`), each with pods a, b, c
 * (labelled `pod: <name>`) that serve TCP/UDP/SCTP on ports 80 and 81 through named container ports
 * `serve-<port>-<proto>`. Shared by the evaluator test and the kernel-lab test, so both check the
 * same truth tables.
 */
import type { Labels, Resource } from '../../src/api/types.js';

export const NAMESPACES = ['x', 'y', 'z'] as const;
export const POD_NAMES = ['a', 'b', 'c'] as const;
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface PodInfo {
  namespace: string;
  pod: string;
  /** `x/a` */
  id: string;
  ip: string;
  /** Host-side interface name (≤15 chars). */
  interfaceName: string;
  node: string;
}

export interface TopologyOptions {
  /** Address of each pod; default 10.65.<ns index>.<10 + pod index> (x/a = 10.65.0.10). */
  ipOf?: (namespace: string, pod: string, nsIndex: number, podIndex: number) => string;
  /** Host-side interface; default `cali<ns><pod>` padded to look like Calico's (`calixa00000000`). */
  interfaceOf?: (namespace: string, pod: string) => string;
  /** Node of each pod; default `node1`. */
  nodeOf?: (namespace: string, pod: string) => string;
}

/** The nine pods with their addresses. */
export function netpolPods(options: TopologyOptions = {}): PodInfo[] {
  const pods: PodInfo[] = [];
  NAMESPACES.forEach((ns, i) =>
    POD_NAMES.forEach((pod, j) => {
      pods.push({
        namespace: ns,
        pod,
        id: `${ns}/${pod}`,
        ip: options.ipOf?.(ns, pod, i, j) ?? `10.65.${i}.${10 + j}`,
        interfaceName: options.interfaceOf?.(ns, pod) ?? `cali${ns}${pod}00000000`,
        node: options.nodeOf?.(ns, pod) ?? 'node1',
      });
    }),
  );
  return pods;
}

/** Label changes a case makes on top of the base topology (upstream "updated namespace/pod" tests). */
export interface LabelOverrides {
  namespaceLabels?: Record<string, Labels>;
  podLabels?: Record<string, Labels>;
}

/** `v1` Namespace objects for x, y, z (the API layer turns them into `kns.<ns>` profiles). */
export function netpolNamespaces(overrides: LabelOverrides = {}): Resource[] {
  return NAMESPACES.map((ns) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: ns,
      labels: { ns, 'kubernetes.io/metadata.name': ns, ...(overrides.namespaceLabels?.[ns] ?? {}) },
    },
  }));
}

/** Calico's WEP name: `<node>-k8s-<pod>-<endpoint>` with `-` doubled inside each segment. */
export function workloadEndpointName(node: string, pod: string, endpoint = 'eth0'): string {
  const esc = (s: string): string => s.replace(/-/g, '--');
  return `${esc(node)}-k8s-${esc(pod)}-${esc(endpoint)}`;
}

/** One WorkloadEndpoint per pod, as the CNI plugin writes it. */
export function netpolWorkloadEndpoints(pods: PodInfo[], overrides: LabelOverrides = {}): Resource[] {
  return pods.map((p) => ({
    apiVersion: 'projectcalico.org/v3',
    kind: 'WorkloadEndpoint',
    metadata: {
      name: workloadEndpointName(p.node, p.pod),
      namespace: p.namespace,
      labels: {
        pod: p.pod,
        ...(overrides.podLabels?.[p.id] ?? {}),
        'projectcalico.org/namespace': p.namespace,
        'projectcalico.org/orchestrator': 'k8s',
        'projectcalico.org/serviceaccount': 'default',
      },
    },
    spec: {
      orchestrator: 'k8s',
      node: p.node,
      pod: p.pod,
      endpoint: 'eth0',
      serviceAccountName: 'default',
      ipNetworks: [`${p.ip}/32`],
      profiles: [`kns.${p.namespace}`],
      interfaceName: p.interfaceName,
      ports: [80, 81].flatMap((port) =>
        (['TCP', 'UDP', 'SCTP'] as const).map((protocol) => ({
          name: `serve-${port}-${protocol.toLowerCase()}`,
          protocol,
          port,
        })),
      ),
    },
  }));
}

/** Namespaces and workload endpoints: everything a case needs besides its policies. */
export function netpolBaseResources(pods: PodInfo[], overrides: LabelOverrides = {}): Resource[] {
  return [...netpolNamespaces(overrides), ...netpolWorkloadEndpoints(pods, overrides)];
}

export type TruthTable = Record<string, boolean>;

interface PeerMatch {
  namespace?: string;
  pod?: string;
}

/**
 * Expected connectivity, built the way upstream's `Reachability` is: start from a default, then
 * override by peer patterns. Self pairs are always true: a pod reaching its own IP stays on `lo` in its
 * own network namespace (upstream ignores loopback for the same reason).
 */
export class Reachability {
  readonly #pods: PodInfo[];
  readonly #table = new Map<string, boolean>();
  constructor(pods: PodInfo[], initial: boolean) {
    this.#pods = pods;
    for (const a of pods) for (const b of pods) this.#table.set(`${a.id}->${b.id}`, initial);
  }
  /** Every pair whose source matches `from` and destination matches `to`. */
  expectPeer(from: PeerMatch, to: PeerMatch, value: boolean): this {
    for (const a of this.#pods.filter((p) => matches(p, from))) {
      for (const b of this.#pods.filter((p) => matches(p, to))) this.#table.set(`${a.id}->${b.id}`, value);
    }
    return this;
  }
  expect(from: string, to: string, value: boolean): this {
    return this.expectPeer(parse(from), parse(to), value);
  }
  expectAllIngress(to: string, value: boolean): this {
    return this.expectPeer({}, parse(to), value);
  }
  expectAllEgress(from: string, value: boolean): this {
    return this.expectPeer(parse(from), {}, value);
  }
  table(): TruthTable {
    const out: TruthTable = {};
    for (const [k, v] of this.#table) {
      const [a, b] = k.split('->');
      out[k] = a === b ? true : v;
    }
    return out;
  }
}

function parse(id: string): PeerMatch {
  const [namespace, pod] = id.split('/');
  return { namespace: namespace!, pod: pod! };
}

function matches(p: PodInfo, m: PeerMatch): boolean {
  return (m.namespace === undefined || p.namespace === m.namespace) && (m.pod === undefined || p.pod === m.pod);
}
