/**
 * CNI CHECK for the calico plugin: the pod still has what ADD reported (prevResult) — the
 * interface with its MAC and addresses, the routes via 169.254.1.1, the host veth with MAC
 * ee:ee:ee:ee:ee:ee, proxy ARP and a /32 route per address — and its WorkloadEndpoint exists.
 */
import { readFileSync } from 'node:fs';
import type { WorkloadEndpoint } from '../api/types.js';
import { openCniDatastore } from './datastore.js';
import { determineNodename } from './host.js';
import { GATEWAY_V4, HOST_VETH_MAC } from './ip-script.js';
import { netnsExists } from './dataplane.js';
import { readContainerState, readHostState } from './linux-dataplane.js';
import { workloadIDs } from './names.js';
import type { NetConf } from './netconf.js';
import { parsePrevResult } from './result.js';
import { CNI_ERR, CniError, type CniEnv } from './types.js';

function fail(msg: string): CniError {
  return new CniError(CNI_ERR.INTERNAL, msg);
}

export async function cmdCheck(conf: NetConf, env: CniEnv, procEnv: NodeJS.ProcessEnv): Promise<void> {
  if (!conf.prevResult) throw new CniError(CNI_ERR.INVALID_NETWORK_CONFIG, 'Required prevResult missing');
  const prev = parsePrevResult(conf.prevResult);
  if (!netnsExists(env.netns)) throw new CniError(CNI_ERR.UNKNOWN_CONTAINER, `network namespace ${env.netns} does not exist`);
  const node = determineNodename(conf, procEnv);
  const ids = workloadIDs(env, conf.name, node);
  const [cont, host] = await Promise.all([readContainerState(env.netns, env.ifName), readHostState(ids.hostVeth)]);
  if (!cont) throw fail(`interface ${env.ifName} not found in ${env.netns}`);
  if (!host) throw fail(`host veth ${ids.hostVeth} not found`);

  const ifaces = prev.interfaces ?? [];
  const mine = ifaces.findIndex((i) => i.name === env.ifName && i.sandbox !== undefined);
  if (mine >= 0 && ifaces[mine]!.mac && ifaces[mine]!.mac!.toLowerCase() !== cont.link.address?.toLowerCase()) {
    throw fail(`interface ${env.ifName} has MAC ${cont.link.address}, prevResult says ${ifaces[mine]!.mac}`);
  }
  if (!cont.link.flags?.includes('UP')) throw fail(`interface ${env.ifName} in ${env.netns} is down`);
  const have = new Set((cont.link.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`));
  const hostRoutes = new Set(host.routes.map((r) => r.dst));
  for (const ip of prev.ips ?? []) {
    if (ip.interface !== undefined && mine >= 0 && ip.interface !== mine) continue;
    if (!have.has(ip.address)) throw fail(`address ${ip.address} not found on ${env.ifName} in ${env.netns}`);
    const bare = ip.address.replace(/\/\d+$/, '');
    if (!hostRoutes.has(bare) && !hostRoutes.has(ip.address)) throw fail(`host route ${ip.address} dev ${ids.hostVeth} missing`);
  }
  if ((prev.ips ?? []).some((ip) => !ip.address.includes(':'))) {
    const link = cont.routes.some((r) => r.dst === GATEWAY_V4 && r.scope === 'link');
    const dflt = cont.routes.some((r) => r.dst === 'default' && r.gateway === GATEWAY_V4);
    if (!link || !dflt) throw fail(`pod routes via ${GATEWAY_V4} missing in ${env.netns}`);
    const proxyArp = readFileSync(`/proc/sys/net/ipv4/conf/${ids.hostVeth}/proxy_arp`, 'utf8').trim();
    if (proxyArp !== '1') throw fail(`proxy_arp is ${proxyArp} on ${ids.hostVeth}, want 1`);
  }
  if (host.link.address?.toLowerCase() !== HOST_VETH_MAC) throw fail(`host veth ${ids.hostVeth} has MAC ${host.link.address}, want ${HOST_VETH_MAC}`);

  const ds = await openCniDatastore(conf, procEnv);
  try {
    let wep: WorkloadEndpoint;
    try {
      wep = await ds.get<WorkloadEndpoint>({ kind: 'WorkloadEndpoint', name: ids.wepName, namespace: ids.namespace });
    } catch (err) {
      if ((err as { code?: string }).code === 'CALICO_ERR_NOT_FOUND') throw fail(`WorkloadEndpoint ${ids.namespace}/${ids.wepName} does not exist`);
      throw err;
    }
    if (wep.spec?.containerID !== env.containerId) {
      throw fail(`WorkloadEndpoint ${ids.namespace}/${ids.wepName} belongs to container ${wep.spec?.containerID}, not ${env.containerId}`);
    }
  } finally {
    await ds.close().catch(() => undefined);
  }
}
