/**
 * Kernel side of ADD/DEL/CHECK: runs the ip-script batches (host netns directly, pod netns via
 * `nsenter --net=<path>`), writes the host veth's sysctls straight to /proc/sys (this process
 * already lives in the host netns, so no process is needed), and reads state back for CHECK.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { execCapture } from './exec.js';
import { containerAddScript, describeBatchError, hostAddScript, hostSysctls, type PodWiring } from './ip-script.js';
import { CNI_ERR, CniError } from './types.js';

const IP = 'ip';
const NSENTER = 'nsenter';

/** Whether a link with this name exists in our (the host) netns: a /proc lookup, no process. */
export function hostLinkExists(name: string): boolean {
  return existsSync(`/proc/sys/net/ipv4/conf/${name}`);
}

/** Whether the netns path still names a namespace. */
export function netnsExists(path: string): boolean {
  return path !== '' && existsSync(path);
}

async function runBatch(argv: string[], script: string, what: string): Promise<void> {
  const r = await execCapture([...argv, '-batch', '-'], { stdin: script });
  if (r.code !== 0) throw new CniError(CNI_ERR.INTERNAL, `${what}: ${describeBatchError(script, r.stderr)}`);
}

/** Creates the veth pair, sets up both ends, host routes and sysctls. Throws CniError. */
export async function wirePod(w: PodWiring): Promise<void> {
  await runBatch([IP], hostAddScript(w), `failed to create host veth ${w.hostVeth}`);
  for (const [file, value] of hostSysctls(w.hostVeth, w.addresses)) {
    try {
      writeFileSync(`/proc/sys/${file}`, value);
    } catch (err) {
      throw new CniError(CNI_ERR.INTERNAL, `failed to set ${file.replace(/\//g, '.')}=${value}: ${(err as Error).message}`);
    }
  }
  await runBatch([NSENTER, `--net=${w.netns}`, IP], containerAddScript(w), `failed to configure ${w.containerIf} in ${w.netns}`);
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

/** The host side: the veth and the routes through it (undefined when the veth is missing). */
export async function readHostState(hostVeth: string): Promise<{ link: LinkState; routes: RouteState[] } | undefined> {
  if (!hostLinkExists(hostVeth)) return undefined;
  const out = await readBatch([IP], `addr show dev ${hostVeth}\nroute show dev ${hostVeth}\n`);
  if (!out || out.length < 2 || !out[0]![0]) return undefined;
  return { link: out[0]![0] as LinkState, routes: out[1] as RouteState[] };
}
