/**
 * The calico plugin driven exactly as a container runtime drives it (CNI_* env, config on stdin,
 * result JSON back, CHECK with prevResult, DEL twice), beside Debian's reference ptp + host-local
 * put through the same sequence; kernel state is read back from real network namespaces and
 * datastore state from the embedded datastore. Needs root.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { WorkloadEndpoint } from '../../src/api/types.js';
import type { IPAMBlock } from '../../src/ipam/types.js';
import { invokePlugin, withPrevResult } from '../../src/cni/invoke.js';
import { CniError, type CniResult } from '../../src/cni/types.js';
import {
  NETWORK, NetnsSet, REFERENCE_CNI_DIR, calicoArgv, calicoConfig, freshDatastore, inHost, k8sArgs, netnsPath, nsExec,
  prepareHost, referenceConfig, runPrefix, sh, type TestDatastore,
} from './_harness.js';

const NODE = 'cni-node-1';
const prefix = runPrefix('c');
const nets = new NetnsSet();
let host: string;
let store: TestDatastore;
let podSeq = 0;

before(async () => {
  host = nets.add(`${prefix}h`);
  prepareHost(host);
  store = await freshDatastore(NODE);
});
after(async () => {
  nets.cleanup();
  await store?.close();
});

const ours = (): string[] => inHost(host, calicoArgv('calico'));
const ptp = (): string[] => inHost(host, [`${REFERENCE_CNI_DIR}/ptp`]);

interface Pod {
  ns: string;
  name: string;
  namespace: string;
  containerId: string;
}

function newPod(namespace = 'default'): Pod {
  const i = podSeq++;
  return { ns: nets.add(`${prefix}p${i}`), name: `web-${i}`, namespace, containerId: randomUUID().replace(/-/g, '') };
}

function call(plugin: string[], command: 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'STATUS' | 'GC', pod: Pod | undefined, config: Record<string, unknown>, extraArgs: Record<string, string> = {}) {
  return invokePlugin({
    plugin,
    command,
    ...(pod ? { containerId: pod.containerId, netns: netnsPath(pod.ns), ifName: 'eth0', args: { ...k8sArgs(pod.namespace, pod.name), ...extraArgs } } : {}),
    config,
    cniPath: [REFERENCE_CNI_DIR],
  });
}

function ok<T>(r: T | CniError): T {
  if (r instanceof CniError) assert.fail(`plugin failed: code ${r.code}: ${r.message} ${r.details ?? ''}`);
  return r;
}

function vethName(pod: Pod): string {
  return `cali${createHash('sha1').update(`${pod.namespace}.${pod.name}`).digest('hex').slice(0, 11)}`;
}

function hostLinkJSON(name: string): Array<{ address: string; flags: string[] }> {
  try {
    return JSON.parse(nsExec(host, ['ip', '-j', 'link', 'show', 'dev', name])) as Array<{ address: string; flags: string[] }>;
  } catch {
    return [];
  }
}

async function allocations(): Promise<number> {
  const blocks = (await store.ds.list<IPAMBlock>({ kind: 'IPAMBlock' })).items;
  return blocks.reduce((n, b) => n + b.spec!.allocations.filter((a) => a !== null).length, 0);
}

async function wep(pod: Pod): Promise<WorkloadEndpoint | undefined> {
  const name = `${NODE.replace(/-/g, '--')}-k8s-${pod.name.replace(/-/g, '--')}-eth0`;
  try {
    return await store.ds.get<WorkloadEndpoint>({ kind: 'WorkloadEndpoint', name, namespace: pod.namespace });
  } catch {
    return undefined;
  }
}

test('VERSION: both plugins report 0.3.0 through 1.1.0', async () => {
  for (const bin of ['calico', 'calico-ipam'] as const) {
    const r = ok(await invokePlugin({ plugin: calicoArgv(bin), command: 'VERSION', config: { cniVersion: '1.0.0' } })) as Record<string, unknown>;
    assert.deepEqual(r, { cniVersion: '1.0.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] }, bin);
  }
});

test('ADD, CHECK, DEL, DEL: calico beside reference ptp + host-local', async () => {
  const conf = calicoConfig(store.dataDir, NODE, { args: { cni: { labels: [{ key: 'app', value: 'web' }] } } });
  const pod = newPod('shop');
  const before = await allocations();

  const result = ok(await call(ours(), 'ADD', pod, conf)) as CniResult;
  const veth = vethName(pod);
  assert.equal(result.cniVersion, '1.0.0');
  assert.equal(result.interfaces?.length, 2);
  assert.deepEqual(result.interfaces![0], { name: veth, mac: 'ee:ee:ee:ee:ee:ee' });
  assert.equal(result.interfaces![1]!.name, 'eth0');
  assert.equal(result.interfaces![1]!.sandbox, netnsPath(pod.ns));
  assert.equal(result.ips?.length, 1);
  const address = result.ips![0]!.address;
  assert.match(address, /^10\.66\.\d+\.\d+\/32$/);
  assert.equal(result.ips![0]!.interface, 1);
  assert.equal(result.ips![0]!.version, undefined, '1.0.0 results carry no per-IP version');
  const ip = address.replace('/32', '');

  // Kernel: host veth named like Calico's, MAC ee:..., up, proxy ARP on, /32 route; pod side addressed and routed via 169.254.1.1.
  const link = hostLinkJSON(veth);
  assert.equal(link.length, 1, `host veth ${veth} exists`);
  assert.equal(link[0]!.address, 'ee:ee:ee:ee:ee:ee');
  assert.ok(link[0]!.flags.includes('UP'));
  const sysctl = (k: string): string => nsExec(host, ['sysctl', '-n', k]).trim();
  assert.equal(sysctl(`net.ipv4.conf.${veth}.proxy_arp`), '1');
  assert.equal(sysctl(`net.ipv4.neigh.${veth}.proxy_delay`), '0');
  assert.equal(sysctl(`net.ipv4.conf.${veth}.forwarding`), '1');
  assert.equal(sysctl(`net.ipv4.conf.${veth}.route_localnet`), '1');
  assert.match(nsExec(host, ['ip', 'route', 'show', 'dev', veth]), new RegExp(`^${ip.replace(/\./g, '\\.')} scope link`, 'm'));
  const podAddr = JSON.parse(nsExec(pod.ns, ['ip', '-j', 'addr', 'show', 'dev', 'eth0'])) as Array<{ address: string; addr_info: Array<{ local: string; prefixlen: number; family: string }> }>;
  assert.deepEqual(podAddr[0]!.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`), [address]);
  assert.equal(podAddr[0]!.address, result.interfaces![1]!.mac);
  const podRoutes = nsExec(pod.ns, ['ip', 'route']);
  assert.match(podRoutes, /^default via 169\.254\.1\.1 dev eth0/m);
  assert.match(podRoutes, /^169\.254\.1\.1 dev eth0 scope link/m);

  // Datastore: the WorkloadEndpoint and the allocation under handle <network>.<containerID>.
  const w = await wep(pod);
  assert.ok(w, 'WorkloadEndpoint created');
  assert.deepEqual(w.spec?.ipNetworks, [address]);
  assert.equal(w.spec?.interfaceName, veth);
  assert.equal(w.spec?.containerID, pod.containerId);
  assert.equal(w.spec?.mac, result.interfaces![1]!.mac);
  assert.equal(w.spec?.orchestrator, 'k8s');
  assert.equal(w.spec?.pod, pod.name);
  assert.equal(w.spec?.node, NODE);
  assert.equal(w.spec?.endpoint, 'eth0');
  assert.deepEqual(w.spec?.profiles, ['kns.shop']);
  assert.equal(w.metadata.labels?.app, 'web');
  assert.equal(w.metadata.labels?.['projectcalico.org/namespace'], 'shop');
  assert.equal(w.metadata.labels?.['projectcalico.org/orchestrator'], 'k8s');
  assert.equal(await allocations(), before + 1);
  const handle = await store.ds.get({ kind: 'IPAMHandle', name: `${NETWORK}.${pod.containerId}` });
  assert.ok(handle);

  ok(await call(ours(), 'CHECK', pod, withPrevResult(conf, result)));
  // CHECK notices when the pod lost its address.
  nsExec(pod.ns, ['ip', 'addr', 'del', address, 'dev', 'eth0']);
  const broken = await call(ours(), 'CHECK', pod, withPrevResult(conf, result));
  assert.ok(broken instanceof CniError);
  assert.match(broken.message, /not found on eth0/);
  nsExec(pod.ns, ['ip', 'addr', 'add', address, 'dev', 'eth0']);

  ok(await call(ours(), 'DEL', pod, withPrevResult(conf, result)));
  ok(await call(ours(), 'DEL', pod, withPrevResult(conf, result)));
  assert.equal(hostLinkJSON(veth).length, 0, 'host veth gone');
  assert.doesNotMatch(nsExec(pod.ns, ['ip', '-br', 'link']), /eth0/);
  assert.equal(await wep(pod), undefined, 'WorkloadEndpoint deleted');
  assert.equal(await allocations(), before, 'address released');
  await assert.rejects(store.ds.get({ kind: 'IPAMHandle', name: `${NETWORK}.${pod.containerId}` }));

  // Reference plugins, same sequence.
  const refConf = referenceConfig(store.dataDir);
  const refPod = newPod();
  const ref = ok(await call(ptp(), 'ADD', refPod, refConf)) as CniResult;
  assert.match(ref.ips![0]!.address, /^10\.99\./);
  ok(await call(ptp(), 'CHECK', refPod, withPrevResult(refConf, ref)));
  ok(await call(ptp(), 'DEL', refPod, withPrevResult(refConf, ref)));
  ok(await call(ptp(), 'DEL', refPod, withPrevResult(refConf, ref)));
  assert.doesNotMatch(nsExec(refPod.ns, ['ip', '-br', 'link']), /eth0/);
});

test('two pods on one node reach each other through 169.254.1.1 (proxy ARP)', async () => {
  const conf = calicoConfig(store.dataDir, NODE);
  const a = newPod();
  const b = newPod();
  const ra = ok(await call(ours(), 'ADD', a, conf)) as CniResult;
  const rb = ok(await call(ours(), 'ADD', b, conf)) as CniResult;
  try {
    const ipB = rb.ips![0]!.address.replace('/32', '');
    const out = nsExec(a.ns, ['ping', '-c', '2', '-W', '2', '-i', '0.2', ipB]);
    assert.match(out, / 0% packet loss/);
    assert.match(nsExec(a.ns, ['ip', 'neigh', 'show', '169.254.1.1']), /ee:ee:ee:ee:ee:ee/);
  } finally {
    ok(await call(ours(), 'DEL', a, withPrevResult(conf, ra)));
    ok(await call(ours(), 'DEL', b, withPrevResult(conf, rb)));
  }
});

test('older cniVersions: 0.3.1 and 0.4.0 results carry the per-IP version', async () => {
  for (const v of ['0.3.1', '0.4.0']) {
    const conf = calicoConfig(store.dataDir, NODE, { cniVersion: v });
    const pod = newPod();
    const r = ok(await call(ours(), 'ADD', pod, conf)) as CniResult;
    assert.equal(r.cniVersion, v);
    assert.equal(r.ips![0]!.version, '4');
    if (v === '0.4.0') ok(await call(ours(), 'CHECK', pod, withPrevResult(conf, r)));
    ok(await call(ours(), 'DEL', pod, conf));
  }
});

test('a repeated ADD for the same container keeps its address; a new sandbox of the pod takes the endpoint over', async () => {
  const conf = calicoConfig(store.dataDir, NODE);
  const pod = newPod();
  const before = await allocations();
  const first = ok(await call(ours(), 'ADD', pod, conf)) as CniResult;
  const again = ok(await call(ours(), 'ADD', pod, conf)) as CniResult;
  assert.equal(again.ips![0]!.address, first.ips![0]!.address, 'same address on retry');
  assert.equal(await allocations(), before + 1, 'no second allocation');
  ok(await call(ours(), 'CHECK', pod, withPrevResult(conf, again)));

  // The runtime replaces the sandbox: new container ID, new netns, same pod name.
  const sandbox2: Pod = { ...pod, ns: nets.add(`${prefix}s${podSeq++}`), containerId: randomUUID().replace(/-/g, '') };
  nets.del(pod.ns);
  const second = ok(await call(ours(), 'ADD', sandbox2, conf)) as CniResult;
  assert.equal((await wep(pod))?.spec?.containerID, sandbox2.containerId);
  // The old sandbox's late DEL must not remove the new one's endpoint or address.
  ok(await call(ours(), 'DEL', pod, conf));
  assert.equal((await wep(pod))?.spec?.containerID, sandbox2.containerId, 'endpoint kept');
  assert.equal(hostLinkJSON(vethName(pod)).length, 1, 'new sandbox veth kept');
  assert.equal(await allocations(), before + 1);
  ok(await call(ours(), 'CHECK', sandbox2, withPrevResult(conf, second)));
  ok(await call(ours(), 'DEL', sandbox2, conf));
  assert.equal(await wep(pod), undefined);
  assert.equal(await allocations(), before);
});

test('a requested address (CNI_ARGS IP=) is assigned through AssignIP', async () => {
  const conf = calicoConfig(store.dataDir, NODE);
  const pod = newPod();
  const r = ok(await call(ours(), 'ADD', pod, conf, { IP: '10.66.200.7' })) as CniResult;
  assert.equal(r.ips![0]!.address, '10.66.200.7/32');
  // A second pod asking for the same address fails and leaves nothing behind.
  const other = newPod();
  const before = await allocations();
  const clash = await call(ours(), 'ADD', other, conf, { IP: '10.66.200.7' });
  assert.ok(clash instanceof CniError, 'second claim of one address fails');
  assert.equal(hostLinkJSON(vethName(other)).length, 0, 'no veth left');
  assert.equal(await wep(other), undefined);
  assert.equal(await allocations(), before);
  ok(await call(ours(), 'DEL', pod, conf));
});

test('an ADD failing after IPAM and wiring began leaves nothing behind', async () => {
  const conf = calicoConfig(store.dataDir, NODE);
  const pod = newPod();
  // eth0 already taken in the pod netns: creating the veth pair fails.
  nsExec(pod.ns, ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'x0']);
  const before = await allocations();
  const r = await call(ours(), 'ADD', pod, conf);
  assert.ok(r instanceof CniError);
  assert.equal(r.code, 999);
  assert.match(r.message, /failed to create host veth/);
  assert.equal(hostLinkJSON(vethName(pod)).length, 0);
  assert.equal(await wep(pod), undefined);
  assert.equal(await allocations(), before);
  assert.equal((await store.ds.list({ kind: 'IPAMHandle' })).items.filter((h) => h.metadata.name.endsWith(pod.containerId)).length, 0);
});

test('errors are CNI error JSON with the spec codes', async () => {
  const pod = newPod();
  const conf = calicoConfig(store.dataDir, NODE);
  const cases: Array<{ why: string; run: () => Promise<unknown>; code: number; msg: RegExp }> = [
    { why: 'unsupported cniVersion', run: () => call(ours(), 'ADD', pod, { ...conf, cniVersion: '0.2.0' }), code: 1, msg: /incompatible CNI versions/ },
    { why: 'no CNI_CONTAINERID', run: () => invokePlugin({ plugin: ours(), command: 'ADD', netns: netnsPath(pod.ns), ifName: 'eth0', config: conf }), code: 4, msg: /CNI_CONTAINERID/ },
    { why: 'stdin is not JSON', run: () => invokePlugin({ plugin: ['sh', '-c', `echo '{' | CNI_COMMAND=ADD ${ours().map((s) => `'${s}'`).join(' ')}`], command: 'ADD', containerId: 'x', netns: netnsPath(pod.ns), ifName: 'eth0', config: {} }), code: 6, msg: /failed to load netconf/ },
    { why: 'mtu is a string', run: () => call(ours(), 'ADD', pod, { ...conf, mtu: '1500' }), code: 7, msg: /"mtu"/ },
    { why: 'CHECK without prevResult', run: () => call(ours(), 'CHECK', pod, conf), code: 7, msg: /Required prevResult missing/ },
    { why: 'netns gone', run: () => call(ours(), 'ADD', { ...pod, ns: `${prefix}gone` }, conf), code: 4, msg: /CNI_NETNS/ },
    { why: 'kubernetes datastore', run: () => call(ours(), 'ADD', pod, { ...conf, datastore_type: 'kubernetes' }), code: 7, msg: /datastore_type/ },
    { why: 'STATUS on a 1.0.0 config', run: () => call(ours(), 'STATUS', undefined, conf), code: 1, msg: /STATUS needs cniVersion 1\.1\.0/ },
  ];
  for (const c of cases) {
    const r = await c.run();
    assert.ok(r instanceof CniError, c.why);
    assert.equal(r.code, c.code, `${c.why}: ${r.message}`);
    assert.match(r.message, c.msg, c.why);
  }
});

test('datastoreReady=false: ADD is "try again later" (11), STATUS "not available" (50)', async () => {
  const conf = calicoConfig(store.dataDir, NODE, { cniVersion: '1.1.0' });
  ok(await call(ours(), 'STATUS', undefined, conf));
  const ci = await store.ds.create<WorkloadEndpoint | import('../../src/api/types.js').ClusterInformation>({ apiVersion: 'projectcalico.org/v3', kind: 'ClusterInformation', metadata: { name: 'default' }, spec: { datastoreReady: false } });
  try {
    const pod = newPod();
    const before = await allocations();
    const r = await call(ours(), 'ADD', pod, conf);
    assert.ok(r instanceof CniError);
    assert.equal(r.code, 11);
    assert.equal(hostLinkJSON(vethName(pod)).length, 0, 'the early veth was rolled back');
    assert.equal(await allocations(), before);
    const s = await call(ours(), 'STATUS', undefined, conf);
    assert.ok(s instanceof CniError);
    assert.equal(s.code, 50);
  } finally {
    await store.ds.delete({ kind: 'ClusterInformation', name: 'default' }, { resourceVersion: ci.metadata.resourceVersion! });
  }
});

test('GC (1.1.0) releases what is not in cni.dev/valid-attachments, keeps the rest', async () => {
  const conf = calicoConfig(store.dataDir, NODE, { cniVersion: '1.1.0' });
  const keep = newPod();
  const lose = newPod();
  ok(await call(ours(), 'ADD', keep, conf));
  ok(await call(ours(), 'ADD', lose, conf));
  nets.del(lose.ns); // the runtime lost this sandbox without a DEL
  const before = await allocations();
  ok(await call(ours(), 'GC', undefined, { ...conf, 'cni.dev/valid-attachments': [{ containerID: keep.containerId, ifname: 'eth0' }] }));
  assert.equal(await allocations(), before - 1);
  assert.equal(await wep(lose), undefined);
  assert.ok(await wep(keep));
  ok(await call(ours(), 'DEL', keep, conf));
});

test('calico-ipam on its own: ADD prints {ips}, DEL releases by handle', async () => {
  const conf = { ...calicoConfig(store.dataDir, NODE), type: 'calico-ipam' };
  const pod = newPod();
  const plugin = calicoArgv('calico-ipam');
  const before = await allocations();
  const r = ok(await invokePlugin({ plugin, command: 'ADD', containerId: pod.containerId, netns: netnsPath(pod.ns), ifName: 'eth0', args: k8sArgs('default', pod.name), config: conf })) as CniResult;
  assert.match(r.ips![0]!.address, /^10\.66\.\d+\.\d+\/32$/);
  assert.equal(await allocations(), before + 1);
  ok(await invokePlugin({ plugin, command: 'DEL', containerId: pod.containerId, ifName: 'eth0', args: k8sArgs('default', pod.name), config: conf }));
  assert.equal(await allocations(), before);
});

test('20 ADDs at once on one pool: distinct addresses, all released by DEL', { timeout: 240_000 }, async () => {
  const conf = calicoConfig(store.dataDir, NODE);
  const pods = Array.from({ length: 20 }, () => newPod('race'));
  const before = await allocations();
  const results = await Promise.all(pods.map((p) => call(ours(), 'ADD', p, conf)));
  const ips = results.map((r) => (ok(r) as CniResult).ips![0]!.address);
  assert.equal(new Set(ips).size, ips.length, `no duplicates: ${ips.join(' ')}`);
  assert.equal(await allocations(), before + 20);
  await Promise.all(pods.map((p) => call(ours(), 'DEL', p, conf).then(ok)));
  assert.equal(await allocations(), before);
  assert.equal((await store.ds.list({ kind: 'WorkloadEndpoint', namespace: 'race' })).items.length, 0);
  for (const p of pods) nets.del(p.ns);
});

test('host links are gone after the suite', () => {
  // Sanity of our own cleanup: only the placeholder uplink may remain in the host netns.
  const links = sh(['ip', '-n', host, '-br', 'link']).split('\n').filter((l) => l.startsWith('cali'));
  assert.deepEqual(links, []);
});
