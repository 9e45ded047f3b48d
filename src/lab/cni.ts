/**
 * The lab as a container runtime: it runs our `calico` CNI plugin for pod ADD/DEL exactly as kubelet's
 * runtime (libcni) would, as a separate process per call with the CNI_* environment and the network
 * configuration on stdin, executed inside the node's network namespace (the plugin creates the host veth
 * in its own netns, so the caller's netns is the node).
 */
import { randomBytes } from 'node:crypto';
import type { DatastoreConfig } from '../datastore/types.js';
import { invokePlugin, withPrevResult } from '../cni/invoke.js';
import { CniError, type CniResult } from '../cni/types.js';
import { calicoPluginArgv } from './plugin-bin.js';

/** Calico's network name in its Kubernetes manifests (also the prefix of every IPAM handle). */
export const LAB_NETWORK = 'k8s-pod-network';
export const POD_IFNAME = 'eth0';

export interface LabNetConfInputs {
  nodeName: string;
  datastore: DatastoreConfig;
  /** Pod labels, passed as `args.cni.labels` (a runtime with the pod spec at hand does the same). */
  labels?: Record<string, string>;
  /** The pod's service account (`args.cni.serviceAccountName`): label, field and `ksa.<ns>.<sa>` profile. */
  serviceAccountName?: string;
}

/**
 * The network configuration the lab hands the plugin (pure): the node's name, the lab's datastore,
 * Calico IPAM and Kubernetes policy (so the endpoint's profile is `kns.<namespace>`).
 */
export function labNetworkConfig(inp: LabNetConfInputs): Record<string, unknown> {
  const ds = inp.datastore;
  const datastore: Record<string, unknown> = { datastore_type: ds.type };
  if (ds.type === 'embedded' && ds.dataDir) datastore.calico_data_dir = ds.dataDir;
  if (ds.etcdEndpoints) datastore.etcd_endpoints = ds.etcdEndpoints.join(',');
  if (ds.etcdUsername) datastore.etcd_username = ds.etcdUsername;
  if (ds.etcdPassword) datastore.etcd_password = ds.etcdPassword;
  const labels = Object.entries(inp.labels ?? {}).map(([key, value]) => ({ key, value }));
  return {
    cniVersion: '1.0.0',
    name: LAB_NETWORK,
    type: 'calico',
    nodename: inp.nodeName,
    ...datastore,
    // Explicit, so the plugin does not consult this host's /var/lib/calico/mtu.
    mtu: 1500,
    ipam: { type: 'calico-ipam', assign_ipv4: 'true' },
    policy: { type: 'k8s' },
    args: { cni: { labels, ...(inp.serviceAccountName ? { serviceAccountName: inp.serviceAccountName } : {}) } },
  };
}

/** CNI_ARGS as kubelet sets them for a pod (plus `IP=` when an address is requested). */
export function podCniArgs(namespace: string, pod: string, containerId: string, ip?: string): Record<string, string> {
  return {
    IgnoreUnknown: '1',
    K8S_POD_NAMESPACE: namespace,
    K8S_POD_NAME: pod,
    K8S_POD_INFRA_CONTAINER_ID: containerId,
    ...(ip ? { IP: ip } : {}),
  };
}

/** A sandbox container ID as runtimes make them: 64 hex characters. */
export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

/** argv of the `calico` plugin running in `nodeNetns` (the runtime's netns is the node's). */
export async function pluginArgv(nodeNetns: string): Promise<string[]> {
  return ['nsenter', `--net=/run/netns/${nodeNetns}`, ...(await calicoPluginArgv())];
}

export interface PodCniCall {
  nodeNetns: string;
  podNetns: string;
  containerId: string;
  namespace: string;
  pod: string;
  config: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
}

export class LabCniError extends Error {
  readonly cni: CniError;
  constructor(what: string, err: CniError) {
    super(`${what}: CNI plugin error ${err.code}: ${err.message}${err.details ? ` (${err.details})` : ''}`);
    this.name = 'LabCniError';
    this.cni = err;
  }
}

const PLUGIN_TIMEOUT_MS = 120_000;

/** CNI ADD; resolves the plugin's result (the DEL's prevResult later). */
export async function cniAdd(call: PodCniCall, ip?: string): Promise<CniResult> {
  const r = await invokePlugin({
    plugin: await pluginArgv(call.nodeNetns),
    command: 'ADD',
    containerId: call.containerId,
    netns: `/run/netns/${call.podNetns}`,
    ifName: POD_IFNAME,
    args: podCniArgs(call.namespace, call.pod, call.containerId, ip),
    config: call.config,
    env: call.env,
    timeoutMs: PLUGIN_TIMEOUT_MS,
  });
  if (r instanceof CniError) throw new LabCniError(`Cannot create pod "${call.namespace}/${call.pod}"`, r);
  const result = r as CniResult;
  if (!Array.isArray(result.ips) || result.ips.length === 0) {
    throw new Error(`Cannot create pod "${call.namespace}/${call.pod}": the CNI plugin returned no addresses: ${JSON.stringify(r)}`);
  }
  return result;
}

/** CNI DEL with the ADD's result as prevResult (as libcni does from its cache). Idempotent. */
export async function cniDel(call: PodCniCall, prevResult: CniResult | undefined): Promise<void> {
  const r = await invokePlugin({
    plugin: await pluginArgv(call.nodeNetns),
    command: 'DEL',
    containerId: call.containerId,
    netns: `/run/netns/${call.podNetns}`,
    ifName: POD_IFNAME,
    args: podCniArgs(call.namespace, call.pod, call.containerId),
    config: prevResult ? withPrevResult(call.config, prevResult) : call.config,
    env: call.env,
    timeoutMs: PLUGIN_TIMEOUT_MS,
  });
  if (r instanceof CniError) throw new LabCniError(`Cannot delete pod "${call.namespace}/${call.pod}"`, r);
}

/** The pod's IPv4 address (no prefix) from an ADD result. */
export function firstIPv4(result: CniResult): string {
  const v4 = (result.ips ?? []).map((i) => i.address.replace(/\/\d+$/, '')).find((a) => !a.includes(':'));
  if (!v4) throw new Error(`the CNI result has no IPv4 address: ${JSON.stringify(result.ips)}`);
  return v4;
}
