/**
 * The calico plugin over a real etcd (datastore_type etcdv3, etcd_endpoints), and with a
 * delegated IPAM plugin (host-local executed from CNI_PATH, as the spec prescribes). Needs root.
 * etcd listens on the test's own loopback; the plugin runs in the "host" netns, which has its own
 * loopback, so two socat processes relay the port through a Unix socket in between.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { WorkloadEndpoint } from '../../src/api/types.js';
import { openEtcdDatastore } from '../../src/datastore/etcd.js';
import type { Datastore } from '../../src/datastore/types.js';
import { invokePlugin, withPrevResult } from '../../src/cni/invoke.js';
import { CniError, type CniResult } from '../../src/cni/types.js';
import type { IPAMBlock } from '../../src/ipam/types.js';
import { startEtcd, type EtcdServer } from '../helpers/etcd.js';
import {
  NetnsSet, REFERENCE_CNI_DIR, calicoArgv, calicoConfig, freshDatastore, inHost, k8sArgs, netnsPath, nsExec, prepareHost, runPrefix, type TestDatastore,
} from './_harness.js';

const NODE = 'etcd-node';
const prefix = runPrefix('e');
const nets = new NetnsSet();
let host: string;
let etcd: EtcdServer;
let ds: Datastore;
let store: TestDatastore;
const relays: ChildProcess[] = [];
let relayDir: string;

/** 127.0.0.1:<port> inside `ns` -> unix socket -> 127.0.0.1:<port> here. */
async function relay(ns: string, port: number): Promise<void> {
  relayDir = mkdtempSync(join(tmpdir(), 'cni-etcd-relay-'));
  const sock = join(relayDir, 'etcd.sock');
  relays.push(spawn('socat', [`UNIX-LISTEN:${sock},fork`, `TCP:127.0.0.1:${port}`], { stdio: 'ignore' }));
  relays.push(spawn('ip', ['netns', 'exec', ns, 'socat', `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, `UNIX-CONNECT:${sock}`], { stdio: 'ignore' }));
  for (let i = 0; i < 100; i++) {
    try {
      nsExec(ns, ['nc', '-z', '127.0.0.1', String(port)]);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('etcd relay did not come up');
}

before(async () => {
  host = nets.add(`${prefix}h`);
  prepareHost(host);
  etcd = await startEtcd();
  ds = await openEtcdDatastore({ endpoints: etcd.endpoints });
  await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'pool1' }, spec: { cidr: '10.69.0.0/16', blockSize: 26, ipipMode: 'Never', vxlanMode: 'Never' } });
  await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: NODE }, spec: {} });
  store = await freshDatastore(NODE, '10.70.0.0/16');
  await relay(host, Number(new URL(etcd.endpoints[0]!).port));
});
after(async () => {
  for (const r of relays) if (r.pid !== undefined && r.exitCode === null) process.kill(r.pid, 'SIGKILL');
  if (relayDir) rmSync(relayDir, { recursive: true, force: true });
  nets.cleanup();
  await ds?.close();
  await etcd?.stop();
  await store?.close();
});

function ok<T>(r: T | CniError): T {
  if (r instanceof CniError) assert.fail(`plugin failed: code ${r.code}: ${r.message} ${r.details ?? ''}`);
  return r;
}

test('etcdv3: ADD writes the WorkloadEndpoint and allocation to etcd; CHECK; DEL removes both', async () => {
  const pod = nets.add(`${prefix}p1`);
  const config = {
    cniVersion: '1.0.0', name: 'k8s-pod-network', type: 'calico', nodename: NODE, datastore_type: 'etcdv3',
    etcd_endpoints: etcd.endpoints.join(','), policy: { type: 'k8s' }, ipam: { type: 'calico-ipam' },
  };
  const o = { plugin: inHost(host, calicoArgv('calico')), containerId: randomUUID().replace(/-/g, ''), netns: netnsPath(pod), ifName: 'eth0', args: k8sArgs('default', 'etcd-pod'), config };
  const r = ok(await invokePlugin({ ...o, command: 'ADD' })) as CniResult;
  assert.match(r.ips![0]!.address, /^10\.69\./);
  const wep = await ds.get<WorkloadEndpoint>({ kind: 'WorkloadEndpoint', namespace: 'default', name: `${NODE.replace(/-/g, '--')}-k8s-etcd--pod-eth0` });
  assert.deepEqual(wep.spec?.ipNetworks, [r.ips![0]!.address]);
  ok(await invokePlugin({ ...o, command: 'CHECK', config: withPrevResult(config, r) }));
  ok(await invokePlugin({ ...o, command: 'DEL' }));
  ok(await invokePlugin({ ...o, command: 'DEL' }));
  assert.equal((await ds.list({ kind: 'WorkloadEndpoint' })).items.length, 0);
  const blocks = (await ds.list<IPAMBlock>({ kind: 'IPAMBlock' })).items;
  assert.equal(blocks.reduce((n, b) => n + b.spec!.allocations.filter((a) => a !== null).length, 0), 0);
});

test('etcdv3 endpoint that does not answer: ADD fails with "try again later" (11) and leaves no veth', async () => {
  const pod = nets.add(`${prefix}p2`);
  const config = { ...calicoConfig(store.dataDir, NODE), datastore_type: 'etcdv3', etcd_endpoints: 'http://127.0.0.1:1' };
  const r = await invokePlugin({ plugin: inHost(host, calicoArgv('calico')), command: 'ADD', containerId: 'c2', netns: netnsPath(pod), ifName: 'eth0', args: k8sArgs('default', 'nowhere'), config, timeoutMs: 120_000 });
  assert.ok(r instanceof CniError);
  assert.equal(r.code, 11, r.message);
  assert.equal(nsExec(host, ['ip', '-br', 'link']).split('\n').filter((l) => l.startsWith('cali')).length, 0);
});

test('delegated IPAM: calico with host-local from CNI_PATH wires the pod and DEL returns the lease', async () => {
  const pod = nets.add(`${prefix}p3`);
  const config = calicoConfig(store.dataDir, NODE, { ipam: { type: 'host-local', dataDir: `${store.dataDir}/hl`, ranges: [[{ subnet: '10.98.0.0/24' }]] } });
  const o = { plugin: inHost(host, calicoArgv('calico')), containerId: randomUUID().replace(/-/g, ''), netns: netnsPath(pod), ifName: 'eth0', args: k8sArgs('default', 'hl-pod'), config, cniPath: [REFERENCE_CNI_DIR] };
  const r = ok(await invokePlugin({ ...o, command: 'ADD' })) as CniResult;
  assert.match(r.ips![0]!.address, /^10\.98\.0\.\d+\/32$/);
  assert.match(nsExec(pod, ['ip', '-br', 'addr', 'show', 'dev', 'eth0']), new RegExp(r.ips![0]!.address.replace(/\./g, '\\.')));
  ok(await invokePlugin({ ...o, command: 'DEL' }));
  // host-local keeps one file per lease (plus its bookkeeping files); the lease is gone after DEL.
  const leases = nsExec(host, ['ls', `${store.dataDir}/hl/k8s-pod-network`]).split('\n').filter((f) => /^10\./.test(f));
  assert.deepEqual(leases, []);
});
