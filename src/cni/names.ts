/**
 * Calico's names for one pod attachment: WorkloadEndpoint name, host-side veth, IPAM handles.
 * Pure.
 */
import { sha1Hex } from '../lib/sha1.js';
import { CNI_ERR, CniError, type CniEnv } from './types.js';

/** Felix's default FELIX_INTERFACEPREFIX. */
export const DEFAULT_INTERFACE_PREFIX = 'cali';

export interface WorkloadIDs {
  /** `k8s` when the runtime passed K8S_POD_NAMESPACE/K8S_POD_NAME, else `cni`. */
  orchestrator: 'k8s' | 'cni';
  namespace: string;
  /** Pod name (k8s) or the container ID (plain CNI). */
  workload: string;
  /** The container-side interface (CNI_IFNAME). */
  endpoint: string;
  containerId: string;
  node: string;
  wepName: string;
  hostVeth: string;
  /** `<network>.<containerID>`. */
  handleId: string;
  /** Pre-3.x handle `<namespace>.<pod>`, still released on DEL. */
  legacyHandleId?: string;
}

/** `-` doubled, as Calico escapes each segment of a WorkloadEndpoint name. */
function escapeSegment(s: string): string {
  return s.replace(/-/g, '--');
}

/**
 * `<node>-<orchestrator>-<workload>-<endpoint>` with dashes doubled inside each segment.
 * @example workloadEndpointName('node-1', 'k8s', 'web-0', 'eth0') === 'node--1-k8s-web--0-eth0'
 */
export function workloadEndpointName(node: string, orchestrator: string, workload: string, endpoint: string): string {
  return [node, orchestrator, workload, endpoint].map(escapeSegment).join('-');
}

/**
 * Host-side veth: prefix + first 11 hex chars of SHA-1("<namespace>.<pod>") (k8s), or prefix +
 * the first 11 characters of the container ID (plain CNI), so 15 characters at most.
 * @example hostVethName('default', 'web-0') // 'cali' + 11 hex
 */
export function hostVethName(namespace: string, pod: string, prefix = DEFAULT_INTERFACE_PREFIX): string {
  return prefix + sha1Hex(`${namespace}.${pod}`).slice(0, 11);
}

/** Everything DEL/ADD/CHECK need to name this attachment. */
export function workloadIDs(env: CniEnv, network: string, node: string, interfacePrefix = DEFAULT_INTERFACE_PREFIX): WorkloadIDs {
  const ns = env.args.K8S_POD_NAMESPACE;
  const pod = env.args.K8S_POD_NAME;
  const base = { endpoint: env.ifName, containerId: env.containerId, node, handleId: `${network}.${env.containerId}` };
  if (ns && pod) {
    return {
      ...base,
      orchestrator: 'k8s',
      namespace: ns,
      workload: pod,
      wepName: workloadEndpointName(node, 'k8s', pod, env.ifName),
      hostVeth: hostVethName(ns, pod, interfacePrefix),
      legacyHandleId: `${ns}.${pod}`,
    };
  }
  if (ns || pod) {
    throw new CniError(CNI_ERR.INVALID_ENV, 'CNI_ARGS: K8S_POD_NAMESPACE and K8S_POD_NAME must be given together');
  }
  return {
    ...base,
    orchestrator: 'cni',
    namespace: 'default',
    workload: env.containerId,
    wepName: workloadEndpointName(node, 'cni', env.containerId, env.ifName),
    hostVeth: interfacePrefix + env.containerId.slice(0, 11),
  };
}

/** A random locally administered unicast MAC, as the kernel picks for a new veth. */
export function randomMac(bytes: Uint8Array): string {
  const b = Array.from(bytes.slice(0, 6));
  b[0] = (b[0]! & 0xfe) | 0x02;
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}
