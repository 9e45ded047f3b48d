import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import type { Datastore } from '../../src/datastore/types.js';
import { IPAMGarbageCollector } from '../../src/ipam/gc.js';
import { IPAMClient } from '../../src/ipam/ipam-client.js';
import { FakeClock } from '../../src/ipam/types.js';
import { nodeCommand } from '../helpers/paths.js';
import { type Backend, createNode, createPool, embeddedBackend, memoryBackend, v3 } from './_backends.js';

const MIN = 60_000;

async function wep(ds: Datastore, ns: string, pod: string, node: string, ips: string[]): Promise<void> {
  await ds.create(v3('WorkloadEndpoint', `${node}-k8s-${pod}-eth0`, { pod, node, orchestrator: 'k8s', ipNetworks: ips.map((i) => `${i}/32`) }, { namespace: ns }));
}

async function pod(c: IPAMClient, ds: Datastore, name: string, node: string, opts: { wep?: boolean; num?: number } = {}): Promise<string[]> {
  const r = await c.autoAssign({ num4: opts.num ?? 1, handleId: `k8s-pod-network.${name}`, hostname: node, attrs: { pod: name, namespace: 'ns', node } });
  const ips = r.ipv4.map((a) => a.ip);
  if (opts.wep !== false) await wep(ds, 'ns', name, node, ips);
  return ips;
}

function scenarios(backend: Backend): void {
  const it = (name: string, fn: (ds: Datastore, c: IPAMClient, clock: FakeClock) => Promise<void>): void => {
    test(`${backend.name}: ${name}`, async () => {
      const o = await backend.open();
      const clock = new FakeClock();
      try {
        await createPool(o.ds, 'p', { cidr: '10.0.0.0/24', blockSize: 28 });
        await createNode(o.ds, 'n1');
        await createNode(o.ds, 'n2');
        await fn(o.ds, new IPAMClient(o.ds, { clock }), clock);
      } finally {
        await o.close();
      }
    });
  };

  it('a leak is released only after the grace period; live allocations never', async (ds, c, clock) => {
    const live = await pod(c, ds, 'live', 'n1');
    const tunnel = await c.autoAssign({ num4: 1, handleId: 'ipip-tunnel-addr-n1', hostname: 'n1', attrs: { type: 'ipipTunnelAddress', node: 'n1' } });
    const noAttrs = await c.autoAssign({ num4: 1, handleId: 'manual', hostname: 'n1' });
    const leaked = await pod(c, ds, 'gone', 'n1', { wep: false });
    const gc = new IPAMGarbageCollector(ds, { clock });
    assert.equal(await gc.leakGracePeriodMs(), 15 * MIN);
    let r = await gc.runPass();
    assert.deepEqual([r.candidates, r.released], [1, []]);
    clock.advance(14 * MIN);
    r = await gc.runPass();
    assert.deepEqual([r.candidates, r.released], [1, []]);
    clock.advance(1 * MIN);
    r = await gc.runPass();
    assert.deepEqual(r.released, leaked);
    assert.equal(r.candidates, 0);
    for (const ip of [...live, tunnel.ipv4[0]!.ip, noAttrs.ipv4[0]!.ip]) assert.ok(await c.getAssignmentAttributes(ip), `${ip} kept`);
    assert.equal(await c.getAssignmentAttributes(leaked[0]!), undefined);
    assert.deepEqual(await c.ipsByHandle('k8s-pod-network.gone'), []);
  });

  it('a suspect that gets its endpoint before the grace period ends is forgotten', async (ds, c, clock) => {
    const ips = await pod(c, ds, 'slow', 'n1', { wep: false });
    const gc = new IPAMGarbageCollector(ds, { clock, leakGracePeriodMs: 5 * MIN });
    assert.equal((await gc.runPass()).candidates, 1);
    clock.advance(2 * MIN);
    await wep(ds, 'ns', 'slow', 'n1', ips); // the CNI plugin wrote the endpoint late
    assert.equal((await gc.runPass()).candidates, 0);
    clock.advance(10 * MIN);
    assert.deepEqual((await gc.runPass()).released, []);
    assert.ok(await c.getAssignmentAttributes(ips[0]!));
  });

  it('an address re-allocated between passes starts a fresh grace period', async (ds, c, clock) => {
    const [ip] = await pod(c, ds, 'a', 'n1', { wep: false });
    const gc = new IPAMGarbageCollector(ds, { clock, leakGracePeriodMs: 5 * MIN });
    await gc.runPass();
    clock.advance(4 * MIN);
    await c.releaseByHandle('k8s-pod-network.a');
    await c.assignIP({ ip: ip!, handleId: 'k8s-pod-network.b', hostname: 'n1', attrs: { pod: 'b', namespace: 'ns', node: 'n1' } });
    clock.advance(2 * MIN); // 6 minutes after the first suspect, 2 after the new allocation
    assert.deepEqual((await gc.runPass()).released, []);
    clock.advance(4 * MIN); // 4 minutes after the new allocation was first seen
    assert.deepEqual((await gc.runPass()).released, []);
    clock.advance(1 * MIN);
    assert.deepEqual((await gc.runPass()).released, [ip]);
  });

  it('a handle is released only when all of its addresses are leaks', async (ds, c, clock) => {
    const ips = await pod(c, ds, 'multi', 'n1', { wep: false, num: 2 });
    await wep(ds, 'ns', 'multi', 'n1', [ips[0]!]); // only one address is in use
    const gc = new IPAMGarbageCollector(ds, { clock, leakGracePeriodMs: MIN });
    await gc.runPass();
    clock.advance(2 * MIN);
    const r = await gc.runPass();
    assert.deepEqual(r.released, []);
    assert.equal(r.candidates, 1);
    assert.equal((await c.ipsByHandle('k8s-pod-network.multi')).length, 2);
  });

  it('leakGracePeriod comes from KubeControllersConfiguration; 0 turns leak GC off', async (ds, c, clock) => {
    await pod(c, ds, 'gone', 'n1', { wep: false });
    await ds.create(v3('KubeControllersConfiguration', 'default', { controllers: { node: { leakGracePeriod: '0s' } } }));
    const gc = new IPAMGarbageCollector(ds, { clock });
    assert.equal(await gc.leakGracePeriodMs(), 0);
    clock.advance(60 * MIN);
    assert.deepEqual(await gc.runPass(), { candidates: 0, released: [], affinitiesReleased: [], inUse: 1 });
    const kcc = await ds.get({ kind: 'KubeControllersConfiguration', name: 'default' });
    await ds.update({ ...kcc, spec: { controllers: { node: { leakGracePeriod: '2m' } } } });
    assert.equal(await gc.leakGracePeriodMs(), 2 * MIN);
    await ds.update({ ...(await ds.get({ kind: 'KubeControllersConfiguration', name: 'default' })), spec: { controllers: { node: { leakGracePeriod: 'soon' } } } });
    await assert.rejects(gc.leakGracePeriodMs(), /KubeControllersConfiguration "default" has an invalid spec.controllers.node.leakGracePeriod "soon"/);
  });

  it('a deleted node loses its allocations and affinities at once', async (ds, c, clock) => {
    await pod(c, ds, 'on-n2', 'n2');
    const borrowerBlockIPs = await pod(c, ds, 'on-n1', 'n1');
    await ds.delete({ kind: 'Node', name: 'n2' });
    const gc = new IPAMGarbageCollector(ds, { clock });
    const r = await gc.runPass();
    assert.equal(r.released.length, 1);
    assert.equal(r.affinitiesReleased.length, 1);
    assert.deepEqual((await c.store.listAffinities()).map((a) => a.spec!.node), ['n1']);
    assert.ok(await c.getAssignmentAttributes(borrowerBlockIPs[0]!));
  });

  it('empty blocks lose their affinity after two empty passes, but a node keeps one', async (ds, c, clock) => {
    await pod(c, ds, 'big', 'n1', { num: 40 }); // three /28 blocks on n1
    assert.equal((await c.store.listAffinities('n1')).length, 3);
    await c.releaseByHandle('k8s-pod-network.big');
    await ds.delete({ kind: 'WorkloadEndpoint', name: 'n1-k8s-big-eth0', namespace: 'ns' });
    const gc = new IPAMGarbageCollector(ds, { clock });
    assert.deepEqual((await gc.runPass()).affinitiesReleased, []);
    assert.equal((await gc.runPass()).affinitiesReleased.length, 2);
    assert.equal((await c.store.listAffinities('n1')).length, 1);
    assert.deepEqual((await gc.runPass()).affinitiesReleased, []);
    assert.equal((await c.store.listBlocks()).length, 1);
  });
}

test('memory: with no Node objects at all, nothing counts as orphaned by a deleted node', async () => {
  const o = await memoryBackend.open();
  try {
    await createPool(o.ds, 'p', { cidr: '10.0.0.0/24' });
    const c = new IPAMClient(o.ds);
    await c.autoAssign({ num4: 1, handleId: 'h', hostname: 'n1', attrs: { node: 'n1' } });
    const r = await new IPAMGarbageCollector(o.ds, { clock: new FakeClock() }).runPass();
    assert.deepEqual([r.released, r.affinitiesReleased, r.inUse], [[], [], 1]);
  } finally {
    await o.close();
  }
});

scenarios(memoryBackend);
scenarios(embeddedBackend);

test('calico-kube-controllers --once runs a GC pass against the configured datastore', async () => {
  const o = await embeddedBackend.open();
  try {
    await createPool(o.ds, 'p', { cidr: '10.0.0.0/24' });
    await createNode(o.ds, 'n1');
    const c = new IPAMClient(o.ds);
    await c.autoAssign({ num4: 2, handleId: 'h-dead', hostname: 'dead-node', attrs: { node: 'dead-node', pod: 'x', namespace: 'ns' } });
    const [cmd, ...args] = nodeCommand('src/kube-controllers/main');
    const child = spawn(cmd!, [...args, '--once'], { env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, stderr);
    assert.match(stderr, /"msg":"IPAM GC pass complete".*"released":2/);
    assert.deepEqual(await c.ipsByHandle('h-dead'), []);
    assert.equal((await c.store.listAffinities()).length, 0);
  } finally {
    await o.close();
  }
});

test('calico-kube-controllers rejects a bad option with usage', async () => {
  const [cmd, ...args] = nodeCommand('src/kube-controllers/main');
  const child = spawn(cmd!, [...args, '--interval=often'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.notEqual(code, 0);
  assert.match(stderr, /cannot parse duration "often" for --interval/);
  assert.match(stderr, /Usage: calico-kube-controllers/);
});
