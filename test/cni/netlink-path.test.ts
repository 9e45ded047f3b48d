/**
 * The calico plugin's two ways of programming a pod (src/cni/dataplane.ts): rtnetlink through the
 * calico_netns addon (the default) and `ip`/`nsenter` (CALICO_CNI_NETLINK=0, or no addon). The same
 * pod is added both ways, each in its own "host" netns with its own datastore, and the kernel state
 * both leave (links, addresses, routes, sysctls, in the host and the pod netns) must be identical, for
 * IPv4, dual-stack and IPv6 pods; CHECK and DEL must work on both. A preloaded probe records whether
 * the plugin loaded node:child_process: never on the netlink path, always on the ip one. Needs root.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { invokePlugin, withPrevResult } from '../../src/cni/invoke.js';
import { loadNetnsAddon, RouteSocket } from '../../src/cni/netns-addon.js';
import { getLink } from '../../src/cni/rtnetlink.js';
import { CniError, type CniResult } from '../../src/cni/types.js';
import {
  NetnsSet, REFERENCE_CNI_DIR, calicoArgv, calicoConfig, freshDatastore, inHost, k8sArgs, netnsPath, nsExec, prepareHost, runPrefix, type TestDatastore,
} from './_harness.js';

type Path = 'netlink' | 'ip';
const PATHS: Path[] = ['netlink', 'ip'];
const NODE = 'nl-node';
const prefix = runPrefix('n');
const nets = new NetnsSet();
const hosts = {} as Record<Path, string>;
const stores = {} as Record<Path, TestDatastore>;
let probeDir: string;
let probe: string;
let seq = 0;
/** Only the shipped bundle's module loading means anything; under tsx the loader itself spawns. */
const bundled = calicoArgv('calico').at(-1)!.endsWith('.cjs');

before(async () => {
  probeDir = mkdtempSync(join(tmpdir(), 'cni-netlink-'));
  probe = join(probeDir, 'probe.cjs');
  // Preloaded into the plugin (NODE_OPTIONS): at exit, whether node:child_process was ever loaded.
  writeFileSync(probe, `process.on('exit', () => require('node:fs').writeFileSync(process.env.CNI_TEST_PROBE_OUT, JSON.stringify({ childProcess: process.moduleLoadList.includes('NativeModule child_process') })));\n`);
  for (const p of PATHS) {
    hosts[p] = nets.add(`${prefix}${p[0]}`);
    prepareHost(hosts[p]);
    stores[p] = await freshDatastore(NODE, '10.66.0.0/16');
    await stores[p].ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'pool6' }, spec: { cidr: 'fd00:66::/48', blockSize: 122, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false } });
  }
});
after(async () => {
  nets.cleanup();
  for (const p of PATHS) await stores[p]?.close();
  if (probeDir) rmSync(probeDir, { recursive: true, force: true });
});

interface Call {
  result: CniResult | Record<string, unknown> | CniError;
  childProcess: boolean;
}

async function call(path: Path, command: 'ADD' | 'CHECK' | 'DEL', pod: { ns: string; name: string; containerId: string }, config: Record<string, unknown>): Promise<Call> {
  const out = join(probeDir, `probe-${seq++}.json`);
  const result = await invokePlugin({
    plugin: inHost(hosts[path], calicoArgv('calico')),
    command,
    containerId: pod.containerId,
    netns: pod.ns.startsWith('/') ? pod.ns : netnsPath(pod.ns),
    ifName: 'eth0',
    args: k8sArgs('cmp', pod.name),
    config,
    cniPath: [REFERENCE_CNI_DIR],
    env: { CALICO_CNI_NETLINK: path === 'ip' ? '0' : '1', NODE_OPTIONS: `--require ${probe}`, CNI_TEST_PROBE_OUT: out },
  });
  return { result, childProcess: (JSON.parse(readFileSync(out, 'utf8')) as { childProcess: boolean }).childProcess };
}

function ok<T>(r: T | CniError): T {
  if (r instanceof CniError) assert.fail(`plugin failed: code ${r.code}: ${r.message} ${r.details ?? ''}`);
  return r;
}

const ipJson = (ns: string, args: string[]): Array<Record<string, unknown>> => JSON.parse(nsExec(ns, ['ip', '-j', ...args]) || '[]') as Array<Record<string, unknown>>;

async function dadSettled(namespaces: string[], timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; namespaces.some((ns) => nsExec(ns, ['ip', '-6', 'addr', 'show']).includes('tentative'));) {
    if (Date.now() > deadline) assert.fail('IPv6 addresses still tentative after 10 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Drops what differs between any two namespaces by construction: interface indexes, netns ids, counters, operstate (settles asynchronously). */
function normalize(entries: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return entries.map((e) => {
    const { ifindex: _i, link_index: _l, link_netnsid: _n, operstate: _o, stats64: _s, ...rest } = e;
    return rest;
  });
}

function sysctls(ns: string, ifName: string): string[] {
  const dirs = ['ipv4/conf', 'ipv6/conf', 'ipv4/neigh', 'ipv6/neigh'].map((d) => `/proc/sys/net/${d}/${ifName}`).join(' ');
  // stable_secret cannot be read; the rest are path:value lines.
  return nsExec(ns, ['sh', '-c', `grep -r . ${dirs} 2>/dev/null; true`]).split('\n').filter((l) => l !== '').sort();
}

/** Links, addresses, routes (all tables) and sysctls of the pod's interfaces, on both sides. */
function kernelState(host: string, pod: string, veth: string): Record<string, unknown> {
  return {
    hostLink: normalize(ipJson(host, ['-d', 'link', 'show', 'dev', veth])),
    hostAddrs: normalize(ipJson(host, ['addr', 'show', 'dev', veth])),
    hostRoutes4: ipJson(host, ['-4', 'route', 'show', 'table', 'all', 'dev', veth]),
    hostRoutes6: ipJson(host, ['-6', 'route', 'show', 'table', 'all', 'dev', veth]),
    hostSysctls: sysctls(host, veth),
    podLinks: normalize(ipJson(pod, ['-d', 'link', 'show'])),
    podAddrs: normalize(ipJson(pod, ['addr', 'show'])),
    podRoutes4: ipJson(pod, ['-4', 'route', 'show', 'table', 'all']),
    podRoutes6: ipJson(pod, ['-6', 'route', 'show', 'table', 'all']),
    podSysctls: sysctls(pod, 'eth0'),
  };
}

const CASES = [
  { family: 'IPv4', ips: ['10.66.3.7'] },
  { family: 'dual-stack', ips: ['10.66.3.8', 'fd00:66::8'] },
  { family: 'IPv6', ips: ['fd00:66::9'] },
];

for (const c of CASES) {
  test(`${c.family} pod: netlink and ip (CALICO_CNI_NETLINK=0) leave the same kernel state; CHECK and DEL work on both`, async () => {
    const name = `cmp-${c.family.toLowerCase()}`;
    const config = (p: Path): Record<string, unknown> => calicoConfig(stores[p].dataDir, NODE, {
      ipam: { type: 'calico-ipam', assign_ipv4: String(c.ips.some((ip) => !ip.includes(':'))), assign_ipv6: String(c.ips.some((ip) => ip.includes(':'))) },
      // Same MAC and addresses both ways, so the states compare byte for byte.
      args: { cni: { annotations: { 'cni.projectcalico.org/hwAddr': '02:66:00:00:00:01', 'cni.projectcalico.org/ipAddrs': JSON.stringify(c.ips) } } },
    });
    const pods = {} as Record<Path, { ns: string; name: string; containerId: string }>;
    const results = {} as Record<Path, CniResult>;
    for (const p of PATHS) {
      pods[p] = { ns: nets.add(`${prefix}${p[0]}${seq++}`), name, containerId: randomUUID().replace(/-/g, '') };
      const add = await call(p, 'ADD', pods[p], config(p));
      results[p] = ok(add.result) as CniResult;
      if (bundled) assert.equal(add.childProcess, p === 'ip', `${p} ADD ${p === 'ip' ? 'runs ip' : 'loads no node:child_process'}`);
    }
    const veth = results.netlink.interfaces![0]!.name;
    const sandbox = (r: CniResult): CniResult => ({ ...r, interfaces: r.interfaces!.map(({ sandbox: _s, ...i }) => i) });
    assert.deepEqual(sandbox(results.netlink), sandbox(results.ip), 'same CNI result');
    assert.deepEqual(results.netlink.ips!.map((i) => i.address), c.ips.map((ip) => `${ip}/${ip.includes(':') ? 128 : 32}`));

    // IPv6 DAD of the link-locals (random delay, then a second) ends at its own pace on each side,
    // and its end adds local routes: compare once it is over everywhere.
    await dadSettled(PATHS.flatMap((p) => [hosts[p], pods[p].ns]));
    const states = PATHS.map((p) => kernelState(hosts[p], pods[p].ns, veth));
    assert.deepEqual(states[0], states[1]);
    // And the state is the one Calico wants (the comparison alone would pass if both were wrong).
    const state = states[0] as { hostLink: Array<{ address: string; flags: string[]; mtu: number }>; podRoutes4: Array<{ dst: string; gateway?: string }>; podRoutes6: Array<{ dst: string; gateway?: string }>; hostRoutes4: unknown[]; hostRoutes6: unknown[] };
    assert.equal(state.hostLink[0]!.address, 'ee:ee:ee:ee:ee:ee');
    assert.ok(state.hostLink[0]!.flags.includes('UP'));
    assert.equal(state.hostLink[0]!.mtu, 1500);
    const v4 = c.ips.some((ip) => !ip.includes(':'));
    const v6 = c.ips.some((ip) => ip.includes(':'));
    assert.equal(state.podRoutes4.some((r) => r.dst === 'default' && r.gateway === '169.254.1.1'), v4);
    assert.equal(state.podRoutes6.some((r) => r.dst === 'default' && r.gateway === 'fe80::ecee:eeff:feee:eeee'), v6);
    assert.equal(state.hostRoutes4.length + state.hostRoutes6.length > 0, true);

    for (const p of PATHS) {
      ok((await call(p, 'CHECK', pods[p], withPrevResult(config(p), results[p]))).result);
      const del = await call(p, 'DEL', pods[p], withPrevResult(config(p), results[p]));
      ok(del.result);
      if (bundled && p === 'netlink') assert.equal(del.childProcess, false, 'netlink DEL loads no node:child_process');
      ok((await call(p, 'DEL', pods[p], config(p))).result);
      assert.deepEqual(ipJson(hosts[p], ['link', 'show']).filter((l) => l.ifname === veth), [], `${p}: host veth gone`);
      assert.deepEqual(ipJson(pods[p].ns, ['link', 'show']).map((l) => l.ifname), ['lo'], `${p}: eth0 gone`);
      nets.del(pods[p].ns);
    }
  });
}

test('DEL on the netlink path: a CNI_NETNS that is not a network namespace (any more) is nothing to delete', async () => {
  const notNetns = join(probeDir, 'not-a-netns');
  writeFileSync(notNetns, '');
  const r = await call('netlink', 'DEL', { ns: notNetns, name: 'gone', containerId: randomUUID().replace(/-/g, '') }, calicoConfig(stores.netlink.dataDir, NODE));
  ok(r.result);
});

test('the addon opens a socket in another netns and leaves this thread in its own', () => {
  const addon = loadNetnsAddon();
  assert.ok(addon, 'addon built (npm run build) and loadable');
  const ns = nets.add(`${prefix}t`);
  const mine = readlinkSync('/proc/thread-self/ns/net');
  const sock = RouteSocket.open(addon, netnsPath(ns));
  try {
    assert.equal(readlinkSync('/proc/thread-self/ns/net'), mine);
    // The socket works in the pod's netns: it has lo (index 1) and nothing of the host's.
    assert.equal(sock.request(getLink('lo')).length, 1);
    assert.throws(() => sock.request(getLink('up0')), /RTNETLINK answers: No such device/);
  } finally {
    sock.close();
    nets.del(ns);
  }
  assert.throws(() => RouteSocket.open(addon, '/nonexistent/netns'), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
});
