/**
 * The ip path of ADD/DEL (see dataplane.ts), and CHECK's reading of kernel state: feeds the
 * ip-script lines to `ip` (host netns directly, pod netns via `nsenter --net=<path>`), writes the
 * host veth's sysctls straight to /proc/sys (this process already lives in the host netns, so no
 * process is needed), and reads state back with `ip -j`.
 */
import { hostLinkExists, netnsExists, writeHostSysctls, type CniDataplane, type PodWiring } from './dataplane.js';
import { execCapture } from './exec.js';
import { HOST_IP_ARGV, containerAddressLines, containerLinkLines, hostLinkLines, hostRouteLines, type PodLinks } from './ip-script.js';
import { IpBatchSession } from './ip-session.js';
import { CNI_ERR, CniError } from './types.js';

const IP = 'ip';
const NSENTER = 'nsenter';

/**
 * One ADD's wiring, started before the addresses are known (see IpBatchSession): the constructor
 * creates the veth pair and brings both ends up; `complete` adds addresses, routes and the
 * host sysctls; `abort` stops feeding ip and waits for it, before any rollback.
 */
export class IpPodWiring implements PodWiring {
  readonly #links: PodLinks;
  readonly #host: IpBatchSession;
  readonly #pod: IpBatchSession;
  readonly #linked: Promise<void>;

  constructor(links: PodLinks) {
    this.#links = links;
    this.#host = new IpBatchSession(HOST_IP_ARGV, `failed to create host veth ${links.hostVeth}`);
    this.#pod = new IpBatchSession([NSENTER, `--net=${links.netns}`, IP, '-br'], `failed to configure ${links.containerIf} in ${links.netns}`);
    this.#host.send(hostLinkLines(links));
    // Brief `link show` output is `<hostVeth>@if<n> ...`; nothing else in this batch prints.
    this.#linked = this.#host.waitForOutput(`${links.hostVeth}@`).then(() => this.#pod.send(containerLinkLines(links.containerIf)));
    // Observed in complete()/abort(); never an unhandled rejection meanwhile.
    this.#linked.catch(() => undefined);
  }

  async complete(addresses: string[]): Promise<void> {
    await this.#linked;
    writeHostSysctls(this.#links.hostVeth, addresses);
    this.#host.send(hostRouteLines(this.#links.hostVeth, addresses));
    this.#pod.send(containerAddressLines(this.#links.containerIf, addresses));
    // A closing `link show` on each side: its output means every command before it succeeded.
    const { hostVeth, containerIf } = this.#links;
    const [h, p] = await Promise.allSettled([
      this.#host.finishAfter(`link show dev ${hostVeth}`, `${hostVeth}@`),
      this.#pod.finishAfter(`link show dev ${containerIf}`, `${containerIf}@`),
    ]);
    if (h.status === 'rejected') throw h.reason;
    if (p.status === 'rejected') throw p.reason;
  }

  /** Waits for both ip processes to stop; their errors no longer matter. */
  async abort(): Promise<void> {
    await Promise.allSettled([this.#host.finish(), this.#pod.finish()]);
  }
}

/** Deletes a link in the host netns; true when it existed. */
export async function deleteHostLink(name: string): Promise<boolean> {
  if (!hostLinkExists(name)) return false;
  const r = await execCapture([IP, 'link', 'del', name]);
  if (r.code !== 0 && hostLinkExists(name)) throw new CniError(CNI_ERR.INTERNAL, `failed to delete ${name}: ${r.stderr.trim()}`);
  return true;
}

/**
 * Deletes the pod-side interface (its veth peer goes with it). A missing netns or interface is
 * success: DEL must be idempotent.
 */
export async function deleteContainerLink(netns: string, ifName: string): Promise<void> {
  if (!netnsExists(netns)) return;
  const r = await execCapture([NSENTER, `--net=${netns}`, IP, 'link', 'del', ifName]);
  if (r.code === 0) return;
  if (/Cannot find device|does not exist|No such file|Invalid argument/i.test(r.stderr)) return;
  throw new CniError(CNI_ERR.INTERNAL, `failed to delete ${ifName} in ${netns}: ${r.stderr.trim()}`);
}

export const ipDataplane: CniDataplane = {
  kind: 'ip',
  wirePod: (links) => new IpPodWiring(links),
  deleteHostLink,
  deleteContainerLink,
};

export interface LinkState {
  ifname: string;
  address?: string;
  flags?: string[];
  mtu?: number;
}
export interface AddrState extends LinkState {
  addr_info?: Array<{ family: string; local: string; prefixlen: number }>;
}
export interface RouteState {
  dst: string;
  gateway?: string;
  dev?: string;
  scope?: string;
}

/** Runs `ip -j -batch -` and returns one parsed JSON array per command. */
async function readBatch(argv: string[], script: string): Promise<unknown[][] | undefined> {
  const r = await execCapture([...argv, '-j', '-batch', '-'], { stdin: script });
  if (r.code !== 0) return undefined;
  return r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown[]);
}

/**
 * The pod side: the interface with its addresses, and the pod's routes (undefined when the
 * interface is missing). `addr show` carries the link's flags and MAC too; a `link show` before it
 * in the same batch would make iproute2 drop the addresses.
 */
export async function readContainerState(netns: string, ifName: string): Promise<{ link: AddrState; routes: RouteState[] } | undefined> {
  const out = await readBatch([NSENTER, `--net=${netns}`, IP], `addr show dev ${ifName}\nroute show\n`);
  if (!out || out.length < 2 || !out[0]![0]) return undefined;
  return { link: out[0]![0] as AddrState, routes: out[1] as RouteState[] };
}

/**
 * The host side: the veth and the routes through it, IPv4 and IPv6 (undefined when the veth is
 * missing). `route show` lists one family, and a batch line cannot take `-6`: a second batch.
 */
export async function readHostState(hostVeth: string): Promise<{ link: LinkState; routes: RouteState[] } | undefined> {
  if (!hostLinkExists(hostVeth)) return undefined;
  const [out, out6] = await Promise.all([
    readBatch([IP], `addr show dev ${hostVeth}\nroute show dev ${hostVeth}\n`),
    readBatch([IP, '-6'], `route show dev ${hostVeth}\n`),
  ]);
  if (!out || out.length < 2 || !out[0]![0]) return undefined;
  return { link: out[0]![0] as LinkState, routes: [...(out[1] as RouteState[]), ...((out6?.[0] ?? []) as RouteState[])] };
}
