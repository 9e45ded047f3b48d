/**
 * The lab as a cluster (needs root): pods are networked by the real `calico` plugin process per ADD/DEL,
 * run from each node's netns as a container runtime would, and the lab's calico-kube-controllers
 * garbage-collects addresses whose pod vanished without a DEL.
 * - 4 nodes, 400 ADDs at once (100 per node) racing for one pool: no address twice (results, endpoints,
 *   kernel), `calicoctl ipam check` clean; after 400 DELs every address is free, no endpoint or veth left.
 * - a pod whose endpoint and netns vanish behind the lab's back has its address released after the
 *   leakGracePeriod applied with `calicoctl apply` (5s), and not before; a live pod keeps its address.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { WorkloadEndpoint } from '../../src/api/types.js';
import { allocatedOrdinals, blockCIDR, ordinalToIPString } from '../../src/ipam/block.js';
import type { IPAMBlock } from '../../src/ipam/types.js';
import { runCommand } from '../../src/lab/exec.js';
import type { LabPod } from '../../src/lab/state.js';
import { nodeCommand } from '../helpers/paths.js';
import { sleep, startTestLab, type TestLab } from './_lab.js';

const NODES = 4;
const PER_NODE = 100;

function calicoctl(env: TestLab, args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const [cmd, ...rest] = nodeCommand('src/cli/main');
  const r = spawnSync(cmd!, [...rest, ...args], {
    encoding: 'utf8',
    input: input ?? '',
    env: { ...process.env, DATASTORE_TYPE: 'embedded', CALICO_DATA_DIR: env.dir },
  });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

async function allocatedIPs(env: TestLab): Promise<string[]> {
  const blocks = (await env.ds.list<IPAMBlock>({ kind: 'IPAMBlock' })).items;
  return blocks.flatMap((b) => allocatedOrdinals(b.spec!).map((ord) => ordinalToIPString(blockCIDR(b.spec!), ord)));
}

async function caliLinks(netns: string): Promise<string[]> {
  const r = await runCommand('ip', ['-n', netns, '-o', 'link', 'show']);
  return [...r.stdout.matchAll(/^\d+: (cali[0-9a-f]+)[@:]/gm)].map((m) => m[1]!);
}

/** /32 routes to pods through cali* interfaces in a node netns: address -> interface. */
async function podRoutes(netns: string): Promise<Map<string, string>> {
  const r = await runCommand('ip', ['-n', netns, '-j', 'route', 'show']);
  const routes = JSON.parse(r.stdout) as Array<{ dst: string; dev?: string }>;
  return new Map(routes.filter((x) => x.dev?.startsWith('cali')).map((x) => [x.dst.replace(/\/32$/, ''), x.dev!]));
}

test('kernel lab: 400 concurrent CNI ADDs on 4 nodes, ipam check clean, 400 DELs free everything', { timeout: 15 * 60_000 }, async (t) => {
  const env = await startTestLab(t, { nodes: NODES });
  const { lab } = env;
  const specs = lab.state.nodes.flatMap((n) => Array.from({ length: PER_NODE }, (_, i) => ({ ref: `x/${n.name}-p${i}`, node: n.name, serve: '', labels: { app: `a${i % 5}` } })));

  let t0 = Date.now();
  const settled = await Promise.allSettled(specs.map((s) => lab.createPod(s)));
  const addMs = Date.now() - t0;
  const failed = settled.flatMap((r, i) => (r.status === 'rejected' ? [`${specs[i]!.ref}: ${(r.reason as Error).message}`] : []));
  assert.deepEqual(failed.slice(0, 5), [], `${failed.length} ADDs failed`);
  const pods = settled.map((r) => (r as PromiseFulfilledResult<LabPod>).value);

  // No address handed out twice: plugin results, endpoints and the kernel agree.
  const ips = pods.map((p) => p.ip);
  assert.equal(new Set(ips).size, NODES * PER_NODE, 'every ADD got its own address');
  const weps = (await env.ds.list<WorkloadEndpoint>({ kind: 'WorkloadEndpoint' })).items;
  assert.equal(weps.length, NODES * PER_NODE);
  const wepIPs = weps.flatMap((w) => w.spec!.ipNetworks ?? []).map((c) => c.replace(/\/32$/, ''));
  assert.equal(new Set(wepIPs).size, NODES * PER_NODE, 'no address in two endpoints');
  assert.deepEqual([...wepIPs].sort(), [...ips].sort());
  for (const w of weps) {
    const p = pods.find((x) => x.workloadEndpoint === w.metadata.name)!;
    assert.deepEqual(w.spec!.ipNetworks, [`${p.ip}/32`], w.metadata.name);
    assert.equal(w.spec!.node, p.node);
    assert.deepEqual(w.spec!.profiles, ['kns.x', 'ksa.x.default']);
    assert.equal(w.metadata.labels?.['projectcalico.org/serviceaccount'], 'default');
    assert.equal(w.metadata.labels?.app, p.labels.app);
  }
  const kernelIPs: string[] = [];
  for (const node of lab.state.nodes) {
    const routes = await podRoutes(node.netns);
    const mine = pods.filter((p) => p.node === node.name);
    assert.equal(routes.size, PER_NODE, `${node.name}: one /32 route per pod`);
    for (const p of mine) assert.equal(routes.get(p.ip), p.iface, `${node.name}: route to ${p.ip} via ${p.iface}`);
  }
  await pool(pods, 16, async (p) => {
    const r = await runCommand('ip', ['-n', p.netns, '-j', 'addr', 'show', 'dev', 'eth0']);
    const addrs = (JSON.parse(r.stdout) as Array<{ addr_info: Array<{ family: string; local: string }> }>)[0]!.addr_info.filter((a) => a.family === 'inet').map((a) => a.local);
    assert.deepEqual(addrs, [p.ip], `${p.namespace}/${p.pod} eth0`);
    kernelIPs.push(...addrs);
  });
  assert.equal(new Set(kernelIPs).size, NODES * PER_NODE, 'no address on two pods\' eth0');

  const check = calicoctl(env, ['ipam', 'check']);
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, new RegExp(`IPAM blocks record ${NODES * PER_NODE} allocations\\.`));
  assert.match(check.stdout, /Found 0 IPs that are allocated in IPAM but not actually in use\./);
  assert.match(check.stdout, /Found 0 in-use IPs that are in active IP pools but have no corresponding IPAM allocation\./);
  assert.match(check.stdout, /Check complete; found 0 problems\./);

  t0 = Date.now();
  const deleted = await Promise.allSettled(pods.map((p) => lab.deletePod(`${p.namespace}/${p.pod}`)));
  const delMs = Date.now() - t0;
  const delFailed = deleted.flatMap((r, i) => (r.status === 'rejected' ? [`${pods[i]!.pod}: ${(r.reason as Error).message}`] : []));
  assert.deepEqual(delFailed.slice(0, 5), [], `${delFailed.length} DELs failed`);

  assert.deepEqual(await allocatedIPs(env), [], 'every address is free again');
  assert.equal((await env.ds.list({ kind: 'IPAMHandle' })).items.length, 0, 'no handle left');
  assert.equal((await env.ds.list({ kind: 'WorkloadEndpoint' })).items.length, 0, 'no endpoint left');
  for (const node of lab.state.nodes) {
    assert.deepEqual(await caliLinks(node.netns), [], `${node.name}: no veth left`);
    assert.equal((await podRoutes(node.netns)).size, 0, `${node.name}: no pod route left`);
  }
  const netns = (await runCommand('ip', ['netns', 'list'])).stdout;
  assert.ok(!netns.includes(`${lab.name}-pod-`), 'no pod netns left');
  const show = calicoctl(env, ['ipam', 'show']);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /\|\s+0 \(0%\)\s+\|/, show.stdout);
  t.diagnostic(`${NODES * PER_NODE} ADDs in ${addMs} ms (${lab.addRetries} retried after "try again later"), ${NODES * PER_NODE} DELs in ${delMs} ms`);
});

test('kernel lab: kube-controllers releases the address of a pod that vanished without DEL', { timeout: 3 * 60_000 }, async (t) => {
  const env = await startTestLab(t, { nodes: 1 });
  const { lab } = env;
  const applied = calicoctl(env, ['apply', '-f', '-'], [
    'apiVersion: projectcalico.org/v3',
    'kind: KubeControllersConfiguration',
    'metadata:',
    '  name: default',
    'spec:',
    '  controllers:',
    '    node:',
    '      leakGracePeriod: 5s',
    '',
  ].join('\n'));
  assert.equal(applied.code, 0, applied.stderr);

  const alive = await lab.createPod({ ref: 'x/alive', serve: '' });
  const gone = await lab.createPod({ ref: 'x/gone', serve: '' });
  assert.deepEqual((await allocatedIPs(env)).sort(), [alive.ip, gone.ip].sort());

  // A runtime that crashed: the sandbox and the endpoint disappear, no DEL ever runs.
  await env.ds.delete({ kind: 'WorkloadEndpoint', namespace: 'x', name: gone.workloadEndpoint });
  await runCommand('ip', ['netns', 'del', gone.netns]);
  const t0 = Date.now();
  let releasedAfter: number | undefined;
  while (Date.now() - t0 < 60_000) {
    const ips = await allocatedIPs(env);
    if (!ips.includes(gone.ip)) {
      releasedAfter = Date.now() - t0;
      break;
    }
    await sleep(250);
  }
  assert.ok(releasedAfter !== undefined, `${gone.ip} still allocated after 60 s`);
  // First seen leaked at some pass, released once 5s have passed since: never before the grace period.
  assert.ok(releasedAfter >= 4000, `released after ${releasedAfter} ms, before the 5s grace period`);
  assert.deepEqual(await allocatedIPs(env), [alive.ip], 'the live pod keeps its address');
  const check = calicoctl(env, ['ipam', 'check']);
  assert.match(check.stdout, /Check complete; found 0 problems\./, check.stdout);
  t.diagnostic(`leaked address released ${releasedAfter} ms after the pod vanished (leakGracePeriod 5s, GC interval 1s)`);
});
