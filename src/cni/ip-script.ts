/**
 * The `ip -batch` lines that wire a pod the Calico way (pure: text in, text out), and so the spec of
 * that wiring: the netlink path (netlink-dataplane.ts) sends the requests these lines make. The ip
 * path (linux-dataplane.ts) feeds them to two `ip -batch -` processes, one in the host netns and one
 * in the pod's, in two parts each: links first (before the addresses are known), then addresses and routes.
 */

/** The link-local next hop every pod routes through; the host veth answers ARP for it (proxy_arp). */
export const GATEWAY_V4 = '169.254.1.1';
/** Link-local of the host veth once its MAC is ee:ee:ee:ee:ee:ee. */
export const GATEWAY_V6 = 'fe80::ecee:eeff:feee:eeee';
export const HOST_VETH_MAC = 'ee:ee:ee:ee:ee:ee';
/** How the host-side batch runs `ip`: brief output (see hostLinkLines). */
export const HOST_IP_ARGV = ['ip', '-br'];

/** What the pod's wiring needs before its addresses are known. */
export interface PodLinks {
  hostVeth: string;
  containerIf: string;
  containerMac: string;
  /** Path of the pod netns (CNI_NETNS). */
  netns: string;
  mtu: number;
  /** Whether a stale host veth of the same name exists and must go first. */
  deleteStale: boolean;
}

const isV6 = (cidr: string): boolean => cidr.includes(':');

/**
 * Host netns, first part: (stale veth out), the veth pair with its far end created in the pod
 * netns, host end up, then a `link show` whose output tells the caller the link exists. Run it
 * under `ip -br` (HOST_IP_ARGV): iproute2's full `link show` names the peer's netns by opening every
 * file in /run/netns, which costs O(namespaces on the host) on every ADD; brief output does not.
 */
export function hostLinkLines(w: PodLinks): string[] {
  const lines: string[] = [];
  if (w.deleteStale) lines.push(`link del ${w.hostVeth}`);
  lines.push(
    `link add ${w.hostVeth} mtu ${w.mtu} address ${HOST_VETH_MAC} type veth peer name ${w.containerIf} mtu ${w.mtu} address ${w.containerMac} netns ${w.netns}`,
    `link set ${w.hostVeth} up`,
    `link show dev ${w.hostVeth}`,
  );
  return lines;
}

/** Host netns, second part: a /32 (/128) route per pod address. */
export function hostRouteLines(hostVeth: string, addresses: string[]): string[] {
  // `replace`, because Felix may have programmed the same route already (Calico tolerates EEXIST).
  // No `-6`: `ip -batch` rejects option flags on a line; the address gives the family.
  return addresses.map((a) => `route replace ${a} dev ${hostVeth} scope link`);
}

/** Pod netns, first part (once the veth exists): the interface up. */
export function containerLinkLines(containerIf: string): string[] {
  return [`link set ${containerIf} up`];
}

/** Pod netns, second part: the /32 (/128), the link route to 169.254.1.1 and the default via it. */
export function containerAddressLines(containerIf: string, addresses: string[]): string[] {
  const lines: string[] = [];
  for (const a of addresses) lines.push(`addr add ${a} dev ${containerIf}${isV6(a) ? ' nodad' : ''}`);
  if (addresses.some((a) => !isV6(a))) {
    lines.push(`route add ${GATEWAY_V4}/32 dev ${containerIf} scope link`, `route add default via ${GATEWAY_V4} dev ${containerIf}`);
  }
  if (addresses.some(isV6)) lines.push(`route add ::/0 via ${GATEWAY_V6} dev ${containerIf}`);
  return lines;
}

/** Host sysctls Calico sets on the host veth: file under /proc/sys -> value. */
export function hostSysctls(hostVeth: string, addresses: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (addresses.some((a) => !isV6(a))) {
    out.push(
      [`net/ipv4/conf/${hostVeth}/route_localnet`, '1'],
      [`net/ipv4/neigh/${hostVeth}/proxy_delay`, '0'],
      [`net/ipv4/conf/${hostVeth}/proxy_arp`, '1'],
      [`net/ipv4/conf/${hostVeth}/forwarding`, '1'],
    );
  }
  if (addresses.some(isV6)) {
    out.push(
      [`net/ipv6/conf/${hostVeth}/accept_dad`, '0'],
      [`net/ipv6/conf/${hostVeth}/forwarding`, '1'],
      [`net/ipv6/conf/${hostVeth}/accept_ra`, '0'],
    );
  }
  return out;
}

/** `RTNETLINK answers: File exists\nCommand failed -:2` -> the failing script line and the kernel's words. */
export function describeBatchError(script: string, stderr: string): string {
  const m = /Command failed -:(\d+)/.exec(stderr);
  const line = m ? script.split('\n')[Number(m[1]) - 1] : undefined;
  const why = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('Command failed')).join('; ');
  return line ? `"ip ${line}": ${why}` : why || 'ip failed';
}
