/**
 * Calico-style pod network wiring, reusable by the lab and the CNI plugin:
 * a veth pair with the host side `cali…` in the node's netns (MAC ee:ee:ee:ee:ee:ee, proxy ARP on, proxy
 * delay 0) and `eth0` in the pod's netns, the pod's /32 addresses, a pod default route via 169.254.1.1
 * (answered by proxy ARP), and a /32 host route to the pod on the node.
 *
 * Proxy ARP only answers when the node has a route to the target through another interface, so the node
 * netns needs a default route (the lab gives every node one).
 */
import { deleteNetns, ipBatch, netnsExists, nsSysctl, runCommand } from './exec.js';

export const HOST_VETH_MAC = 'ee:ee:ee:ee:ee:ee';
export const POD_GATEWAY = '169.254.1.1';

export interface PodWiring {
  nodeNetns: string;
  podNetns: string;
  hostIface: string;
  podIface?: string;
  /** Addresses with prefix, e.g. `10.65.0.10/32`. IPv4 only for now. */
  ips: string[];
}

/** Create the pod netns (if needed) and wire it to the node. */
export async function wirePod(w: PodWiring): Promise<void> {
  const podIf = w.podIface ?? 'eth0';
  if (!(await netnsExists(w.podNetns))) await runCommand('ip', ['netns', 'add', w.podNetns]);
  await ipBatch(w.podNetns, ['link set lo up']);
  await runCommand('ip', ['link', 'add', w.hostIface, 'netns', w.nodeNetns, 'type', 'veth', 'peer', 'name', podIf, 'netns', w.podNetns]);
  await ipBatch(w.nodeNetns, [`link set ${w.hostIface} address ${HOST_VETH_MAC}`, `link set ${w.hostIface} up`]);
  await nsSysctl(w.nodeNetns, [`net.ipv4.conf.${w.hostIface}.proxy_arp=1`, `net.ipv4.neigh.${w.hostIface}.proxy_delay=0`, `net.ipv4.conf.${w.hostIface}.forwarding=1`]);
  await ipBatch(w.podNetns, [
    ...w.ips.map((ip) => `addr add ${ip} dev ${podIf}`),
    `link set ${podIf} up`,
    `route add ${POD_GATEWAY} dev ${podIf} scope link`,
    `route add default via ${POD_GATEWAY} dev ${podIf}`,
  ]);
  await ipBatch(w.nodeNetns, w.ips.map((ip) => `route replace ${ip.includes('/') ? ip : `${ip}/32`} dev ${w.hostIface} scope link`));
}

/** Remove the veth (which removes its routes) and the pod netns. */
export async function unwirePod(w: Pick<PodWiring, 'nodeNetns' | 'podNetns' | 'hostIface'>): Promise<void> {
  await runCommand('ip', ['-n', w.nodeNetns, 'link', 'del', w.hostIface], { check: false });
  await deleteNetns(w.podNetns);
}
