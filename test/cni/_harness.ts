/**
 * Shared by the CNI tests and bench: throwaway network namespaces with a per-run prefix, an
 * embedded datastore with one pool, and argv for running our plugins and Debian's reference
 * plugins as a runtime does (from inside a "host" netns, via nsenter).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Datastore } from '../../src/datastore/types.js';
import { nodeCommand, repoPath } from '../helpers/paths.js';

export const REFERENCE_CNI_DIR = '/usr/lib/cni';
export const NETWORK = 'k8s-pod-network';

/** `c` + pid base36 + 3 random chars: unique per run, short enough for 15-char link names. */
export function runPrefix(letter = 'c'): string {
  return `${letter}${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`;
}

export function sh(argv: string[], input?: string): string {
  return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', input: input ?? '', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs a command inside a netns. */
export function nsExec(ns: string, argv: string[]): string {
  return sh(['ip', 'netns', 'exec', ns, ...argv]);
}

export function netnsPath(ns: string): string {
  return `/run/netns/${ns}`;
}

/** Netns we created, torn down by `cleanup()` whatever happened. */
export class NetnsSet {
  readonly #names = new Set<string>();
  add(name: string): string {
    sh(['ip', 'netns', 'add', name]);
    this.#names.add(name);
    nsExec(name, ['ip', 'link', 'set', 'lo', 'up']);
    return name;
  }
  del(name: string): void {
    this.#names.delete(name);
    if (existsSync(netnsPath(name))) sh(['ip', 'netns', 'del', name]);
  }
  cleanup(): void {
    for (const n of [...this.#names]) {
      try {
        this.del(n);
      } catch {
        // keep tearing down the rest
      }
    }
  }
}

/**
 * A "host" netns as Calico's proxy-ARP trick needs it: a default route out of some other
 * interface (here a veth whose far end goes nowhere), else the pod's ARP for 169.254.1.1 is never answered.
 */
export function prepareHost(ns: string): void {
  nsExec(ns, ['ip', 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up1']);
  nsExec(ns, ['ip', 'link', 'set', 'up0', 'up']);
  nsExec(ns, ['ip', 'link', 'set', 'up1', 'up']);
  nsExec(ns, ['ip', 'addr', 'add', '192.0.2.1/30', 'dev', 'up0']);
  nsExec(ns, ['ip', 'route', 'add', 'default', 'via', '192.0.2.2', 'dev', 'up0']);
  nsExec(ns, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
}

/** argv running `prog` with the host netns as its network namespace. */
export function inHost(host: string, argv: string[]): string[] {
  return ['nsenter', `--net=${netnsPath(host)}`, ...argv];
}

/** The shipped plugin (package.json `bin`): the bundle in dist/ when built. */
function shippedPlugin(bin: 'calico' | 'calico-ipam'): string {
  return repoPath('dist/src/cni', `${bin}.cjs`);
}

/** Our plugin's argv: the shipped bundle when the tests run compiled, else the source through tsx. */
export function calicoArgv(bin: 'calico' | 'calico-ipam' = 'calico'): string[] {
  const argv = nodeCommand(`src/cni/${bin}`);
  return argv[argv.length - 1]!.endsWith('.js') ? [process.execPath, shippedPlugin(bin)] : argv;
}

/** Same, but prefer dist/ (for the bench: measuring tsx's compile time would be meaningless). */
export function calicoArgvCompiled(bin: 'calico' | 'calico-ipam' = 'calico'): string[] {
  const cjs = shippedPlugin(bin);
  return existsSync(cjs) ? [process.execPath, cjs] : calicoArgv(bin);
}

export interface TestDatastore {
  dataDir: string;
  ds: Datastore;
  close(): Promise<void>;
}

/** A fresh embedded datastore with IPPool `pool1` (`cidr`, /26 blocks) and a Node `node`. */
export async function freshDatastore(node: string, cidr = '10.66.0.0/16', blockSize = 26): Promise<TestDatastore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'calico-cni-'));
  const { openEmbeddedDatastore } = await import('../../src/datastore/embedded.js');
  const ds = await openEmbeddedDatastore({ dataDir });
  await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'pool1' }, spec: { cidr, blockSize, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false } });
  await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: node }, spec: {} });
  return {
    dataDir,
    ds,
    close: async () => {
      await ds.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function calicoConfig(dataDir: string, node: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cniVersion: '1.0.0',
    name: NETWORK,
    type: 'calico',
    nodename: node,
    datastore_type: 'embedded',
    calico_data_dir: dataDir,
    mtu: 1500,
    policy: { type: 'k8s' },
    ipam: { type: 'calico-ipam', assign_ipv4: 'true' },
    ...extra,
  };
}

/** ptp + host-local, the closest reference equivalent of Calico's wiring (veth, /32-ish, host routes). */
export function referenceConfig(dataDir: string, subnet = '10.99.0.0/16'): Record<string, unknown> {
  return {
    cniVersion: '1.0.0',
    name: 'refnet',
    type: 'ptp',
    ipMasq: false,
    mtu: 1500,
    ipam: { type: 'host-local', dataDir: join(dataDir, 'host-local'), ranges: [[{ subnet }]] },
  };
}

export function k8sArgs(namespace: string, pod: string): Record<string, string> {
  return { IgnoreUnknown: '1', K8S_POD_NAMESPACE: namespace, K8S_POD_NAME: pod, K8S_POD_INFRA_CONTAINER_ID: 'x' };
}
