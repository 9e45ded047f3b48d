/**
 * ADD/DEL's kernel work over rtnetlink, from this process: the same requests the `ip` lines of
 * ip-script.ts make, with no process started. The host netns is this process's own; the pod's is
 * reached by a socket the addon opens inside it (CNI_NETNS), which never moves this process.
 */
import { closeSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import { hostLinkExists, netnsExists, writeHostSysctls, type CniDataplane, type PodWiring } from './dataplane.js';
import { GATEWAY_V4, GATEWAY_V6, HOST_VETH_MAC, type PodLinks } from './ip-script.js';
import { RouteSocket, RtnlError, type NetnsAddon } from './netns-addon.js';
import { delLink, getLink, linkIndex, newAddr, newRoute, newVeth, setLinkUp, type Route } from './rtnetlink.js';
import { CNI_ERR, CniError } from './types.js';

const { ENODEV, ENOENT, EINVAL } = constants.errno;
const isV6 = (cidr: string): boolean => cidr.includes(':');

function cniError(what: string, err: unknown): CniError {
  return err instanceof CniError ? err : new CniError(CNI_ERR.INTERNAL, `${what}: ${(err as Error).message}`);
}

/** The interface index of `name` in the socket's netns. */
function indexOf(sock: RouteSocket, name: string): number {
  const [link] = sock.request(getLink(name));
  if (link === undefined) throw new Error(`"ip link show dev ${name}": no answer`);
  return linkIndex(link);
}

/** `ip link del`, where a link already gone is fine. */
function deleteIfPresent(sock: RouteSocket, name: string): void {
  try {
    sock.request(delLink(name));
  } catch (err) {
    if (!(err instanceof RtnlError && err.errno === ENODEV)) throw err;
  }
}

/** The pod side's routes: the link route to 169.254.1.1 and the default via it; for IPv6 the default via the host veth's link-local. */
export function containerRoutes(oif: number, dev: string, addresses: string[]): Route[] {
  const routes: Route[] = [];
  if (addresses.some((a) => !isV6(a))) {
    routes.push({ dst: `${GATEWAY_V4}/32`, oif, dev, scope: 'link' }, { dst: 'default', gateway: GATEWAY_V4, oif, dev, scope: 'universe' });
  }
  if (addresses.some(isV6)) routes.push({ dst: '::/0', gateway: GATEWAY_V6, oif, dev, scope: 'universe' });
  return routes;
}

class NetlinkPodWiring implements PodWiring {
  readonly #links: PodLinks;
  readonly #host: RouteSocket;
  #pod: RouteSocket | undefined;
  #hostIndex = 0;
  #podIndex = 0;
  #failed: CniError | undefined;

  /** Creates the links straight away (synchronously); a failure is reported by complete(). */
  constructor(addon: NetnsAddon, host: RouteSocket, links: PodLinks) {
    this.#links = links;
    this.#host = host;
    try {
      this.#createLinks(addon);
    } catch (err) {
      this.#failed = cniError(`failed to create host veth ${links.hostVeth}`, err);
    }
  }

  #createLinks(addon: NetnsAddon): void {
    const { hostVeth, containerIf, containerMac, netns, mtu } = this.#links;
    if (this.#links.deleteStale) deleteIfPresent(this.#host, hostVeth);
    const nsFd = openSync(netns, 'r');
    try {
      this.#host.request(newVeth({ name: hostVeth, mac: HOST_VETH_MAC, mtu, peerName: containerIf, peerMac: containerMac, peerMtu: mtu, peerNetnsFd: nsFd }));
    } finally {
      closeSync(nsFd);
    }
    this.#hostIndex = indexOf(this.#host, hostVeth);
    this.#pod = RouteSocket.open(addon, netns);
    this.#podIndex = indexOf(this.#pod, containerIf);
    this.#pod.request(setLinkUp(this.#podIndex, containerIf));
  }

  async complete(addresses: string[]): Promise<void> {
    if (this.#failed) throw this.#failed;
    const { hostVeth, containerIf, netns } = this.#links;
    writeHostSysctls(hostVeth, addresses);
    try {
      // `replace`: Felix may have programmed the same route already (Calico tolerates EEXIST).
      for (const a of addresses) this.#host.request(newRoute({ dst: a, oif: this.#hostIndex, dev: hostVeth, scope: 'link', replace: true }));
    } catch (err) {
      throw cniError(`failed to create host veth ${hostVeth}`, err);
    }
    try {
      const pod = this.#pod!;
      for (const a of addresses) pod.request(newAddr(this.#podIndex, containerIf, a));
      for (const r of containerRoutes(this.#podIndex, containerIf, addresses)) pod.request(newRoute(r));
    } catch (err) {
      throw cniError(`failed to configure ${containerIf} in ${netns}`, err);
    } finally {
      this.#pod?.close();
    }
  }

  async abort(): Promise<void> {
    this.#pod?.close();
  }
}

/** The netlink dataplane; its host-netns socket opens on first use. */
export function netlinkDataplane(addon: NetnsAddon): CniDataplane {
  let host: RouteSocket | undefined;
  const hostSocket = (): RouteSocket => (host ??= RouteSocket.open(addon));
  return {
    kind: 'netlink',
    wirePod(links: PodLinks): PodWiring {
      let sock: RouteSocket;
      try {
        sock = hostSocket();
      } catch (err) {
        const failed = cniError(`failed to create host veth ${links.hostVeth}`, err);
        return { complete: () => Promise.reject(failed), abort: async () => undefined };
      }
      return new NetlinkPodWiring(addon, sock, links);
    },
    async deleteHostLink(name: string): Promise<boolean> {
      if (!hostLinkExists(name)) return false;
      try {
        deleteIfPresent(hostSocket(), name);
      } catch (err) {
        if (hostLinkExists(name)) throw cniError(`failed to delete ${name}`, err);
      }
      return true;
    },
    async deleteContainerLink(netns: string, ifName: string): Promise<void> {
      if (!netnsExists(netns)) return;
      let pod: RouteSocket;
      try {
        pod = RouteSocket.open(addon, netns);
      } catch (err) {
        // Gone since the check, or a path that is no netns (any more): nothing of ours left in it.
        const errno = (err as { errno?: number }).errno;
        if (errno === ENOENT || errno === EINVAL) return;
        throw cniError(`failed to delete ${ifName} in ${netns}`, err);
      }
      try {
        deleteIfPresent(pod, ifName);
      } catch (err) {
        throw cniError(`failed to delete ${ifName} in ${netns}`, err);
      } finally {
        pod.close();
      }
    },
  };
}
