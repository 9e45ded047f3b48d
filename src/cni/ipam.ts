/**
 * Getting and giving back the pod's addresses. With `ipam.type: calico-ipam` the calico plugin calls
 * the IPAM library in-process (the same code the calico-ipam binary runs, over the datastore handle
 * it already holds), which saves starting a second Node process and opening the datastore twice
 * on every ADD; any other IPAM type is executed from CNI_PATH as the spec says.
 */
import type { Datastore } from '../datastore/types.js';
import type { IPAMClient } from '../ipam/ipam-client.js';
import type { NetConf } from './netconf.js';
import type { WorkloadIDs } from './names.js';
import { toVersion } from './result.js';
import { CNI_ERR, CniError, type CniEnv, type CniResult } from './types.js';

export const CALICO_IPAM = 'calico-ipam';
export const ANNOTATION_IP_ADDRS = 'cni.projectcalico.org/ipAddrs';
export const ANNOTATION_IPV4_POOLS = 'cni.projectcalico.org/ipv4pools';
export const ANNOTATION_IPV6_POOLS = 'cni.projectcalico.org/ipv6pools';

export async function newIPAMClient(ds: Datastore): Promise<IPAMClient> {
  const { IPAMClient } = await import('../ipam/ipam-client.js');
  // One request per process: the per-host batching queue would only add latency.
  return new IPAMClient(ds, { serializePerHost: false });
}

function jsonList(text: string, what: string): string[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new CniError(CNI_ERR.INVALID_NETWORK_CONFIG, `failed to parse ${what} as a JSON list of strings: ${text}`);
  }
  return v as string[];
}

/**
 * Addresses the pod asks for: CNI_ARGS `IP=a[,b]`, the `ips` runtime capability, or the
 * `cni.projectcalico.org/ipAddrs` annotation (at most one per family).
 */
export function requestedIPs(conf: NetConf, env: CniEnv): string[] {
  let out: string[] = [];
  if (env.args.IP) out = env.args.IP.split(',').map((s) => s.trim()).filter((s) => s !== '');
  else if (Array.isArray(conf.runtimeConfig.ips) && conf.runtimeConfig.ips.length > 0) out = (conf.runtimeConfig.ips as unknown[]).map(String);
  else if (conf.annotations[ANNOTATION_IP_ADDRS]) out = jsonList(conf.annotations[ANNOTATION_IP_ADDRS], `annotation ${ANNOTATION_IP_ADDRS}`);
  out = out.map((s) => s.replace(/\/\d+$/, ''));
  const v4 = out.filter((s) => !s.includes(':'));
  const v6 = out.filter((s) => s.includes(':'));
  if (v4.length > 1 || v6.length > 1) {
    throw new CniError(CNI_ERR.INVALID_NETWORK_CONFIG, `cannot have more than one IPv4 and one IPv6 address requested (got ${out.join(', ')})`);
  }
  return out;
}

/**
 * Calico IPAM in-process: the requested addresses via AssignIP, else AutoAssign from the pools
 * (annotation overrides the config's `ipv4_pools`). Returns `/32` / `/128` CIDRs. All or nothing.
 */
export async function assignCalico(ipam: IPAMClient, conf: NetConf, env: CniEnv, ids: WorkloadIDs, now: number): Promise<string[]> {
  const attrs: Record<string, string> = { node: ids.node, timestamp: new Date(now).toISOString() };
  if (ids.orchestrator === 'k8s') {
    attrs.namespace = ids.namespace;
    attrs.pod = ids.workload;
  }
  const wanted = requestedIPs(conf, env);
  if (wanted.length > 0) {
    const done: string[] = [];
    try {
      for (const ip of wanted) {
        await ipam.assignIP({ ip, handleId: ids.handleId, attrs, hostname: ids.node });
        done.push(ip);
      }
    } catch (err) {
      if (done.length > 0) await ipam.releaseByHandle(ids.handleId).catch(() => undefined);
      throw err;
    }
    return wanted.map((ip) => `${ip}/${ip.includes(':') ? 128 : 32}`);
  }
  const v4Pools = conf.annotations[ANNOTATION_IPV4_POOLS] ? jsonList(conf.annotations[ANNOTATION_IPV4_POOLS], `annotation ${ANNOTATION_IPV4_POOLS}`) : conf.ipam.ipv4_pools;
  const v6Pools = conf.annotations[ANNOTATION_IPV6_POOLS] ? jsonList(conf.annotations[ANNOTATION_IPV6_POOLS], `annotation ${ANNOTATION_IPV6_POOLS}`) : conf.ipam.ipv6_pools;
  const num4 = conf.ipam.assign_ipv4 ? 1 : 0;
  const num6 = conf.ipam.assign_ipv6 ? 1 : 0;
  if (num4 + num6 === 0) throw new CniError(CNI_ERR.INVALID_NETWORK_CONFIG, 'network config: ipam assigns neither IPv4 nor IPv6 (assign_ipv4 and assign_ipv6 are both "false")');
  const r = await ipam.autoAssign({
    num4,
    num6,
    handleId: ids.handleId,
    attrs,
    hostname: ids.node,
    ...(v4Pools.length > 0 ? { ipv4Pools: v4Pools } : {}),
    ...(v6Pools.length > 0 ? { ipv6Pools: v6Pools } : {}),
    ...(ids.orchestrator === 'k8s' ? { namespace: ids.namespace } : {}),
  });
  const got = [...r.ipv4.map((a) => `${a.ip}/32`), ...r.ipv6.map((a) => `${a.ip}/128`)];
  if (r.ipv4.length < num4 || r.ipv6.length < num6) {
    // Dual-stack half-success is a failure in Calico: give back what we got.
    await ipam.releaseByHandle(ids.handleId).catch(() => undefined);
    throw new CniError(CNI_ERR.INTERNAL, `failed to request ${num4} IPv4 and ${num6} IPv6 addresses: got ${got.join(', ') || 'none'}`);
  }
  return got;
}

/** Releases by `<net>.<containerID>` and the legacy `<ns>.<pod>`; nothing there is success. */
export async function releaseCalico(ipam: IPAMClient, ids: WorkloadIDs): Promise<string[]> {
  const out = await ipam.releaseByHandle(ids.handleId);
  if (ids.legacyHandleId) out.push(...(await ipam.releaseByHandle(ids.legacyHandleId)));
  return out;
}

/** Finds an IPAM plugin executable on CNI_PATH. */
export async function findPlugin(type: string, path: string[]): Promise<string> {
  const { accessSync, constants } = await import('node:fs');
  for (const dir of path) {
    const file = `${dir}/${type}`;
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // try the next directory
    }
  }
  throw new CniError(CNI_ERR.INVALID_NETWORK_CONFIG, `failed to find plugin "${type}" in path [${path.join(' ')}]`);
}

/** Runs a delegated IPAM plugin with our environment and config (the spec's delegation). */
export async function execIPAM(conf: NetConf, env: CniEnv, command: 'ADD' | 'DEL' | 'CHECK'): Promise<CniResult | undefined> {
  const plugin = await findPlugin(conf.ipam.type, env.path);
  const { execCapture } = await import('./exec.js');
  const r = await execCapture([plugin], { stdin: JSON.stringify(conf.raw), env: { ...process.env, CNI_COMMAND: command } });
  const text = r.stdout.trim();
  if (r.code !== 0) {
    let e: { code?: number; msg?: string; details?: string } = {};
    try {
      e = JSON.parse(text) as typeof e;
    } catch {
      // not JSON: report stderr below
    }
    throw new CniError(e.code ?? CNI_ERR.INTERNAL, `IPAM plugin ${conf.ipam.type} failed: ${e.msg ?? r.stderr.trim()}`, e.details);
  }
  if (command !== 'ADD') return undefined;
  try {
    return toVersion(JSON.parse(text) as CniResult, '1.0.0');
  } catch {
    throw new CniError(CNI_ERR.DECODE_FAILURE, `IPAM plugin ${conf.ipam.type} printed a result that is not JSON`, text.slice(0, 500));
  }
}
