/**
 * Many allocators in separate OS processes ("nodes") race for one pool with no lock between
 * them: only compare-and-swap keeps addresses unique.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkCommand } from '../../src/cli/commands/ipam/check.js';
import type { IPAMBlock } from '../../src/ipam/types.js';
import { type Backend, createNode, createPool, embeddedBackend, etcdBackend, startEtcd, v3, type EtcdServer } from './_backends.js';
import { runVerb } from './_cli.js';
import { startNodes } from './_nodes.js';

let etcd: EtcdServer;
before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
});

async function race(backend: Backend, opts: { nodes: number; perNode: number; serialize: boolean; pool: Record<string, unknown> }): Promise<void> {
  const o = await backend.open();
  const hosts = Array.from({ length: opts.nodes }, (_, i) => `node-${i + 1}`);
  const nodes = await startNodes(hosts, o.env, { count: opts.perNode, concurrency: opts.perNode, serialize: opts.serialize }).catch(async (err) => {
    await o.close();
    throw err;
  });
  try {
    await createPool(o.ds, 'race', opts.pool);
    for (const h of hosts) await createNode(o.ds, h);
    const reports = await Promise.all(nodes.map((n) => n.assign()));
    const errors = reports.flatMap((r) => r.errors);
    assert.deepEqual(errors, [], 'every allocation succeeds');
    const ips = reports.flatMap((r) => r.assigned.map((a) => a.ip));
    assert.equal(ips.length, opts.nodes * opts.perNode);
    assert.equal(new Set(ips).size, ips.length, 'no address handed out twice');

    // Give every allocation its endpoint, as the CNI plugin would: then ipam check must be clean.
    for (const [i, r] of reports.entries()) {
      for (const a of r.assigned) {
        const pod = a.handleId.slice(a.handleId.indexOf('.') + 1).replace(/-(\d+)$/, '-pod-$1');
        await o.ds.create(v3('WorkloadEndpoint', `${hosts[i]}-k8s-${pod}-eth0`, { pod, node: hosts[i], ipNetworks: [`${a.ip}/32`] }, { namespace: 'default' }));
      }
    }
    const check = await runVerb(checkCommand, [], o.ds);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, new RegExp(`IPAM blocks record ${ips.length} allocations\\.`));
    assert.match(check.stdout, /Found 0 IPs that are allocated in IPAM but not actually in use\./);
    assert.match(check.stdout, /Found 0 handles with no matching IPs/);
    assert.match(check.stdout, /Check complete; found 0 problems\./);

    // Every block's bookkeeping is consistent: allocated + free = size, no ordinal in both.
    const blocks = (await o.ds.list<IPAMBlock>({ kind: 'IPAMBlock' })).items;
    for (const b of blocks) {
      const s = b.spec!;
      const allocated = s.allocations.flatMap((a, ord) => (a === null ? [] : [ord]));
      assert.equal(allocated.length + s.unallocated.length, s.allocations.length, s.cidr);
      assert.ok(allocated.every((ord) => !s.unallocated.includes(ord)), s.cidr);
      assert.equal(new Set(s.unallocated).size, s.unallocated.length, s.cidr);
    }

    const released = await Promise.all(nodes.map((n) => n.release()));
    assert.deepEqual(released.flatMap((r) => r.errors), []);
    assert.equal(released.reduce((n, r) => n + r.released, 0), ips.length);
    const after = (await o.ds.list<IPAMBlock>({ kind: 'IPAMBlock' })).items;
    assert.ok(after.every((b) => b.spec!.unallocated.length === b.spec!.allocations.length), 'all free after release');
    assert.equal((await o.ds.list({ kind: 'IPAMHandle' })).items.length, 0);
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await o.close();
  }
}

test('embedded: 4 node processes x 50 concurrent allocations, no host lock, tight pool', { timeout: 180_000 }, async () => {
  // 256 addresses in 16 blocks of 16 for 200 pods: nodes collide claiming blocks and end up borrowing.
  await race(embeddedBackend, { nodes: 4, perNode: 50, serialize: false, pool: { cidr: '10.10.0.0/24', blockSize: 28 } });
});

test('embedded: 4 node processes x 50 concurrent allocations with the per-host queue', { timeout: 180_000 }, async () => {
  await race(embeddedBackend, { nodes: 4, perNode: 50, serialize: true, pool: { cidr: '10.10.0.0/24', blockSize: 28 } });
});

test('etcd: 4 node processes x 25 concurrent allocations, no host lock', { timeout: 180_000 }, async () => {
  await race(etcdBackend(() => etcd), { nodes: 4, perNode: 25, serialize: false, pool: { cidr: '10.20.0.0/25', blockSize: 28 } });
});
