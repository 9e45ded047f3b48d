/**
 * The kernel side of ADD and DEL, two ways to the same end state (ip-script.ts is the spec):
 *   netlink (netlink-dataplane.ts): rtnetlink from this process through the calico_netns addon;
 *   ip (linux-dataplane.ts): `ip -batch` and `nsenter` processes, when the addon was not built or does
 *     not load, or CALICO_CNI_NETLINK=0 is set.
 * Each is imported only when chosen (so the netlink path never loads node:child_process), which also
 * keeps this module, whose helpers both use, out of an import cycle.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { hostSysctls, type PodLinks } from './ip-script.js';
import { loadNetnsAddon } from './netns-addon.js';
import { CNI_ERR, CniError } from './types.js';

/**
 * One ADD's wiring, started before the addresses are known: the veth pair with both ends up.
 * `complete` adds addresses, routes and the host sysctls (throwing any error from the start);
 * `abort` stops whatever is still running, before the caller rolls back.
 */
export interface PodWiring {
  complete(addresses: string[]): Promise<void>;
  abort(): Promise<void>;
}

export interface CniDataplane {
  readonly kind: 'netlink' | 'ip';
  wirePod(links: PodLinks): PodWiring;
  /** Deletes a link in the host netns; true when it existed. */
  deleteHostLink(name: string): Promise<boolean>;
  /** Deletes the pod-side interface (its veth peer goes with it); a missing netns or interface is success. */
  deleteContainerLink(netns: string, ifName: string): Promise<void>;
}

/**
 * The netlink dataplane when the addon loads and CALICO_CNI_NETLINK is not "0", else the ip one.
 * @example const dp = await cniDataplane(process.env); const wiring = dp.wirePod(links);
 */
export async function cniDataplane(env: NodeJS.ProcessEnv): Promise<CniDataplane> {
  if (env.CALICO_CNI_NETLINK !== '0') {
    const addon = loadNetnsAddon();
    if (addon !== undefined) return (await import('./netlink-dataplane.js')).netlinkDataplane(addon);
  }
  return (await import('./linux-dataplane.js')).ipDataplane;
}

/** Whether a link with this name exists in our (the host) netns: a /proc lookup, no process. */
export function hostLinkExists(name: string): boolean {
  return existsSync(`/proc/sys/net/ipv4/conf/${name}`);
}

/** Whether the netns path still names a namespace. */
export function netnsExists(path: string): boolean {
  return path !== '' && existsSync(path);
}

/** Calico's sysctls on the host veth, written to /proc/sys directly: this process lives in the host netns. */
export function writeHostSysctls(hostVeth: string, addresses: string[]): void {
  for (const [file, value] of hostSysctls(hostVeth, addresses)) {
    try {
      writeFileSync(`/proc/sys/${file}`, value);
    } catch (err) {
      throw new CniError(CNI_ERR.INTERNAL, `failed to set ${file.replace(/\//g, '.')}=${value}: ${(err as Error).message}`);
    }
  }
}
