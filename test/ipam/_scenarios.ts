/** IPAM behaviour scenarios, run against every datastore backend. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IPAMBlock, BlockAffinity, IPAMHandle } from '../../src/ipam/types.js';
import { FakeClock } from '../../src/ipam/types.js';
import { IPAMClient } from '../../src/ipam/ipam-client.js';
import { type Backend, createNode, createPool, v3 } from './_backends.js';

async function blocks(c: IPAMClient): Promise<Map<string, IPAMBlock>> {
  return new Map((await c.store.listBlocks()).map((b) => [b.spec!.cidr, b]));
}

async function rejectsWith(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: { code?: string; message?: string }) => {
    assert.equal(err.code, code, err.message);
    assert.match(err.message ?? '', message);
    return true;
  });
}

export function ipamScenarios(backend: Backend): void {
  const it = (name: string, fn: (c: IPAMClient, o: Awaited<ReturnType<Backend['open']>>) => Promise<void>, clock?: FakeClock): void => {
    test(`${backend.name}: ${name}`, async () => {
      const o = await backend.open();
      try {
        await fn(new IPAMClient(o.ds, clock ? { clock } : {}), o);
      } finally {
        await o.close();
      }
    });
  };

  it('autoAssign() claims a block for the host and hands out addresses in order', async (c, o) => {
    await createPool(o.ds, 'p', { cidr: '10.0.0.0/24' });
    const r = await c.autoAssign({ num4: 3, handleId: 'k8s-pod-network.c1', hostname: 'n1', attrs: { pod: 'a', namespace: 'ns', node: 'n1' } });
    assert.equal(r.ipv4.length, 3);
    const [b] = [...(await blocks(c)).values()];
    assert.equal(b!.spec!.affinity, 'host:n1');
    assert.equal(b!.metadata.name, b!.spec!.cidr.replace(/[./]/g, '-'));
    const base = b!.spec!.cidr.split('/')[0]!.split('.').map(Number);
    assert.deepEqual(r.ipv4.map((a) => a.ip), [0, 1, 2].map((i) => `${base[0]}.${base[1]}.${base[2]}.${base[3]! + i}`));
    assert.ok(r.ipv4.every((a) => a.cidr.endsWith('/26')));
    const affs = (await o.ds.list<BlockAffinity>({ kind: 'BlockAffinity' })).items;
    assert.deepEqual(affs.map((a) => [a.metadata.name, a.spec!.state, a.spec!.node]), [[`n1-${b!.metadata.name}`, 'confirmed', 'n1']]);
    const handle = await o.ds.get<IPAMHandle>({ kind: 'IPAMHandle', name: 'k8s-pod-network.c1' });
    assert.deepEqual(handle.spec!.block, { [b!.spec!.cidr]: 3 });
    assert.deepEqual((await c.getAssignmentAttributes(r.ipv4[1]!.ip))?.attrs, { pod: 'a', namespace: 'ns', node: 'n1' });
    // A second request on the same host uses the same block; a released address is reused last (FIFO).
    await c.releaseIPs([{ ip: r.ipv4[0]!.ip }]);
    const r2 = await c.autoAssign({ num4: 1, handleId: 'h2', hostname: 'n1' });
    assert.equal(r2.ipv4[0]!.ip, `${base[0]}.${base[1]}.${base[2]}.${base[3]! + 3}`);
    assert.deepEqual(await c.ipsByHandle('k8s-pod-network.c1'), r.ipv4.slice(1).map((a) => a.ip));
  });

  it('autoAssign() borrows from another host\'s block unless strictAffinity is set', async (c, o) => {
    await createPool(o.ds, 'p', { cidr: '10.0.0.0/28', blockSize: 28 });
    await c.autoAssign({ num4: 10, handleId: 'a', hostname: 'n1' });
    await c.setIPAMConfig({ strictAffinity: true });
    await rejectsWith(c.autoAssign({ num4: 2, handleId: 'b', hostname: 'n2' }), 'CALICO_ERR_IPAM_POOL_EXHAUSTED', /without borrowing \(strictAffinity is true\)/);
    assert.deepEqual(await c.ipsByHandle('b'), []);
    await c.setIPAMConfig({ strictAffinity: false });
    const r = await c.autoAssign({ num4: 2, handleId: 'b', hostname: 'n2', attrs: { node: 'n2' } });
    assert.deepEqual(r.ipv4.map((a) => a.ip), ['10.0.0.10', '10.0.0.11']);
    const b = (await blocks(c)).get('10.0.0.0/28')!;
    assert.equal(b.spec!.affinity, 'host:n1', 'borrowing does not move the affinity');
    // Exhaust the pool: all or nothing.
    await rejectsWith(c.autoAssign({ num4: 5, handleId: 'c', hostname: 'n2' }), 'CALICO_ERR_IPAM_POOL_EXHAUSTED', /only 4 free address\(es\) available/);
    assert.deepEqual(await c.ipsByHandle('c'), []);
    assert.equal((await blocks(c)).get('10.0.0.0/28')!.spec!.unallocated.length, 4);
  });

  it('maxBlocksPerHost caps affine blocks and fails with ErrBlockLimit without borrowing', async (c, o) => {
    await createPool(o.ds, 'p', { cidr: '10.0.0.0/24', blockSize: 28 });
    await c.autoAssign({ num4: 1, handleId: 'other', hostname: 'n2' }); // n2's block has 15 free to borrow
    await c.setIPAMConfig({ strictAffinity: true, maxBlocksPerHost: 2 });
    await c.setIPAMConfig({ strictAffinity: false });
    await rejectsWith(c.autoAssign({ num4: 40, handleId: 'big', hostname: 'n1' }), 'CALICO_ERR_IPAM_BLOCK_LIMIT', /maximum of 2 affine blocks/);
    assert.deepEqual(await c.ipsByHandle('big'), []);
    const r = await c.autoAssign({ num4: 32, handleId: 'fits', hostname: 'n1' });
    assert.equal(r.ipv4.length, 32);
    assert.equal((await c.store.listAffinities('n1')).length, 2);
    // Per-request cap lower than the global one.
    await rejectsWith(c.autoAssign({ num4: 1, handleId: 'x', hostname: 'n3', maxBlocksPerHost: 0 }).then(() => c.autoAssign({ num4: 20, handleId: 'y', hostname: 'n3', maxBlocksPerHost: 1 })),
      'CALICO_ERR_IPAM_BLOCK_LIMIT', /maximum of 1 affine blocks/);
  });

  it('maxBlocksPerHost 0 means 20 blocks', async (c, o) => {
    await createPool(o.ds, 'p', { cidr: '10.0.0.0/22', blockSize: 30 });
    await c.setIPAMConfig({ strictAffinity: true });
    await c.autoAssign({ num4: 80, handleId: 'h', hostname: 'n1' });
    await rejectsWith(c.autoAssign({ num4: 1, handleId: 'h2', hostname: 'n1' }), 'CALICO_ERR_IPAM_BLOCK_LIMIT', /maximum of 20 affine blocks/);
  });

  it('IPReservations are never handed out; fully reserved blocks are skipped', async (c, o) => {
    await createPool(o.ds, 'p', { cidr: '10.0.0.0/27', blockSize: 28 });
    await o.ds.create(v3('IPReservation', 'r', { reservedCIDRs: ['10.0.0.0/28', '10.0.0.16/30'] }));
    const r = await c.autoAssign({ num4: 12, handleId: 'h', hostname: 'n1' });
    assert.deepEqual(r.ipv4.map((a) => a.ip).sort(), Array.from({ length: 12 }, (_, i) => `10.0.0.${20 + i}`).sort());
    assert.deepEqual([...(await blocks(c)).keys()], ['10.0.0.16/28']);
    await rejectsWith(c.autoAssign({ num4: 1, handleId: 'h2', hostname: 'n1' }), 'CALICO_ERR_IPAM_POOL_EXHAUSTED', /Cannot assign 1 IPv4/);
  });

  it('requested pools, nodeSelector and namespaceSelector pick the pool', async (c, o) => {
    await createPool(o.ds, 'manual', { cidr: '10.1.0.0/24', assignmentMode: 'Manual' });
    await createPool(o.ds, 'rack1', { cidr: '10.2.0.0/24', nodeSelector: 'rack == "r1"' });
    await createPool(o.ds, 'team-a', { cidr: '10.3.0.0/24', namespaceSelector: 'team == "a"' });
    await createPool(o.ds, 'off', { cidr: '10.4.0.0/24', disabled: true });
    await createNode(o.ds, 'n1', { rack: 'r1' });
    await createNode(o.ds, 'n2', {});
    await o.ds.create(v3('Profile', 'kns.prod', { labelsToApply: { 'pcns.team': 'b', 'pcns.projectcalico.org/name': 'prod' } }));
    await o.ds.create(v3('Profile', 'kns.dev', { labelsToApply: { 'pcns.team': 'a' } }));
    const ip = async (args: Partial<Parameters<IPAMClient['autoAssign']>[0]>) =>
      (await c.autoAssign({ num4: 1, handleId: `h${Math.random()}`, hostname: 'n1', ...args })).ipv4[0]!.ip;
    assert.match(await ip({ hostname: 'n1', namespace: 'prod' }), /^10\.2\./);
    assert.match(await ip({ hostname: 'n2', namespace: 'dev' }), /^10\.3\./);
    await rejectsWith(ip({ hostname: 'n2', namespace: 'prod' }), 'CALICO_ERR_IPAM_POOL_EXHAUSTED', /no configured Calico pools for node n2/);
    assert.match(await ip({ hostname: 'n2', namespace: 'prod', ipv4Pools: ['manual'] }), /^10\.1\./);
    assert.match(await ip({ hostname: 'n2', ipv4Pools: ['10.1.0.0/24'] }), /^10\.1\./);
    assert.match(await ip({ hostname: 'n2', namespaceLabels: { team: 'a' } }), /^10\.3\./);
    await rejectsWith(ip({ ipv4Pools: ['off'] }), 'CALICO_ERR_NOT_FOUND', /the given pool \(off\) does not exist, or is not enabled/);
  });

  it('assignIP() assigns a requested address once', async (c, o) => {
    await createPool(o.ds, 'p', { cidr: '10.0.0.0/24' });
    const a = await c.assignIP({ ip: '10.0.0.70', handleId: 'fixed', hostname: 'n1', attrs: { pod: 'x' } });
    assert.deepEqual(a, { ip: '10.0.0.70', cidr: '10.0.0.70/26', family: 4 });
    await rejectsWith(c.assignIP({ ip: '10.0.0.70', handleId: 'again', hostname: 'n2' }), 'CALICO_ERR_ALREADY_EXISTS', /already assigned/);
    await rejectsWith(c.assignIP({ ip: '192.168.1.1', handleId: 'out', hostname: 'n1' }), 'CALICO_ERR_VALIDATION', /not in any configured IP pool/);
    assert.equal((await blocks(c)).get('10.0.0.64/26')!.spec!.affinity, 'host:n1');
    // Another host can still get a specific address in n1's block.
    await c.assignIP({ ip: '10.0.0.71', handleId: 'b', hostname: 'n2' });
    assert.equal((await c.getAssignmentAttributes('10.0.0.71'))?.handleId, 'b');
  });

  it('releaseIPs() with a stale sequence number or another handle releases nothing', async (c, o) => {
    await createPool(o.ds, 'p', { cidr: '10.0.0.0/24' });
    const [first] = (await c.autoAssign({ num4: 1, handleId: 'h1', hostname: 'n1' })).ipv4;
    const seq1 = (await c.getAssignmentAttributes(first!.ip))!.sequenceNumber;
    // Release and re-allocate the same address to someone else (the block has one free address left at the head).
    await c.releaseIPs([{ ip: first!.ip, handleId: 'h1', sequenceNumber: seq1 }]);
    assert.equal(await c.getAssignmentAttributes(first!.ip), undefined);
    await c.assignIP({ ip: first!.ip, handleId: 'h2', hostname: 'n1' });
    const seq2 = (await c.getAssignmentAttributes(first!.ip))!.sequenceNumber;
    assert.notEqual(seq2, seq1);
    const stale = await c.releaseIPs([{ ip: first!.ip, sequenceNumber: seq1 }]);
    assert.deepEqual(stale, { released: [], notAllocated: [], mismatched: [first!.ip] });
    const wrongHandle = await c.releaseIPs([{ ip: first!.ip, handleId: 'h1' }]);
    assert.deepEqual(wrongHandle.mismatched, [first!.ip]);
    assert.equal((await c.getAssignmentAttributes(first!.ip))?.handleId, 'h2');
    assert.deepEqual((await c.releaseIPs([{ ip: '10.0.0.200' }, { ip: '172.16.0.1' }])).notAllocated.sort(), ['10.0.0.200', '172.16.0.1']);
    assert.deepEqual((await c.releaseIPs([{ ip: first!.ip, handleId: 'h2', sequenceNumber: seq2 }])).released, [first!.ip]);
  });

  it('releaseByHandle() frees a handle\'s addresses across blocks and deletes the handle', async (c, o) => {
    await createPool(o.ds, 'p', { cidr: '10.0.0.0/24', blockSize: 28 });
    const r = await c.autoAssign({ num4: 20, handleId: 'Multi.Handle', hostname: 'n1' });
    assert.equal(r.ipv4.length, 20);
    assert.equal((await blocks(c)).size, 2);
    const h = await o.ds.get<IPAMHandle>({ kind: 'IPAMHandle', name: 'multi.handle' });
    assert.equal(h.spec!.handleID, 'Multi.Handle');
    assert.deepEqual(Object.values(h.spec!.block).sort(), [16, 4]);
    assert.deepEqual((await c.releaseByHandle('Multi.Handle')).sort(), r.ipv4.map((a) => a.ip).sort());
    assert.equal((await o.ds.list({ kind: 'IPAMHandle' })).items.length, 0);
    assert.deepEqual([...(await blocks(c)).values()].map((b) => b.spec!.allocations.filter((x) => x !== null).length), [0, 0]);
    assert.deepEqual(await c.releaseByHandle('Multi.Handle'), []);
  });

  const clock = new FakeClock();
  it('an empty block claimed over a minute ago is reclaimed by another host', async (c, o) => {
    await createPool(o.ds, 'p', { cidr: '10.0.0.0/28', blockSize: 28 });
    await c.setIPAMConfig({ strictAffinity: true });
    await c.autoAssign({ num4: 1, handleId: 'a', hostname: 'n1' });
    await c.releaseByHandle('a');
    // Too young: not reclaimed, and strict affinity forbids borrowing.
    await rejectsWith(c.autoAssign({ num4: 1, handleId: 'b', hostname: 'n2' }), 'CALICO_ERR_IPAM_POOL_EXHAUSTED', /strictAffinity/);
    clock.advance(61_000);
    const r = await c.autoAssign({ num4: 1, handleId: 'b', hostname: 'n2' });
    assert.equal(r.ipv4.length, 1);
    assert.equal((await blocks(c)).get('10.0.0.0/28')!.spec!.affinity, 'host:n2');
    assert.deepEqual((await c.store.listAffinities()).map((a) => a.spec!.node), ['n2']);
  }, clock);

  it('releaseAffinity() deletes an empty block, or keeps a used one without owner', async (c, o) => {
    await createPool(o.ds, 'p', { cidr: '10.0.0.0/24', blockSize: 28 });
    const r = await c.autoAssign({ num4: 17, handleId: 'h', hostname: 'n1' });
    const cidrs = [...(await blocks(c)).keys()];
    assert.equal(cidrs.length, 2);
    // Both blocks hold addresses (16 + 1).
    const full = cidrs[0]!;
    assert.equal(await c.releaseAffinity('n1', full, { mustBeEmpty: true }), false);
    assert.equal((await c.store.getAffinity('n1', full))?.spec!.state, 'confirmed');
    assert.equal(await c.releaseAffinity('n1', full), true);
    assert.equal((await c.store.getBlock(full))!.spec!.affinity, null);
    assert.equal(await c.store.getAffinity('n1', full), undefined);
    // Releasing the last address of an unowned block deletes the block.
    await c.releaseByHandle('h');
    assert.equal(await c.store.getBlock(full), undefined);
    assert.equal(r.ipv4.length, 17);
    assert.equal(await c.releaseHostAffinities('n1', { mustBeEmpty: true }), 1);
    assert.equal((await blocks(c)).size, 0);
  });

  it('IPv6: autoAssign() with num6 uses /122 blocks', async (c, o) => {
    await createPool(o.ds, 'p6', { cidr: 'fd00:10::/120' });
    const r = await c.autoAssign({ num4: 0, num6: 2, handleId: 'h6', hostname: 'n1' });
    assert.equal(r.ipv6.length, 2);
    assert.ok(r.ipv6.every((a) => a.family === 6 && a.cidr.endsWith('/122') && a.ip.startsWith('fd00:10::')));
    assert.equal((await c.releaseByHandle('h6')).length, 2);
  });

  it('IPv6: with autoAllocateBlocks off a host borrows from an existing block of a huge pool', async (c, o) => {
    await createPool(o.ds, 'p6', { cidr: 'fd00:20::/64' });
    const a = await c.autoAssign({ num4: 0, num6: 1, handleId: 'a', hostname: 'n1' });
    await c.setIPAMConfig({ autoAllocateBlocks: false });
    const b = await c.autoAssign({ num4: 0, num6: 1, handleId: 'b', hostname: 'n2' });
    assert.equal(b.ipv6[0]!.cidr.split('/')[1], '122');
    assert.equal((await c.getAssignmentAttributes(b.ipv6[0]!.ip))?.blockCIDR, (await c.getAssignmentAttributes(a.ipv6[0]!.ip))?.blockCIDR);
  });

  it('setIPAMConfig() rejects strictAffinity false with autoAllocateBlocks false', async (c, o) => {
    await o.ds.create(v3('IPAMConfiguration', 'default', { autoAllocateBlocks: false, strictAffinity: true }));
    await rejectsWith(c.setIPAMConfig({ strictAffinity: false }), 'CALICO_ERR_VALIDATION', /autoAllocateBlocks must be true when strictAffinity is false/);
    assert.deepEqual(await c.getIPAMConfig(), { strictAffinity: true, maxBlocksPerHost: 0, autoAllocateBlocks: false });
  });

  it('queued requests for one host share block writes but keep their own handles and attributes', async (c, o) => {
    await createPool(o.ds, 'p', { cidr: '10.0.0.0/24', blockSize: 28 });
    let blockWrites = 0;
    const counting = new Proxy(o.ds, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv);
        if (prop === 'update') return (r: { kind: string }) => { if (r.kind === 'IPAMBlock') blockWrites++; return target.update(r as never); };
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const ipam = new IPAMClient(counting);
    await ipam.autoAssign({ num4: 1, handleId: 'warm', hostname: 'n1' }); // the host now owns a block
    blockWrites = 0;
    const rs = await Promise.all(Array.from({ length: 30 }, (_, i) =>
      ipam.autoAssign({ num4: i % 3 === 0 ? 2 : 1, handleId: `q${i}`, hostname: 'n1', attrs: { pod: `p${i}` } })));
    const ips = rs.flatMap((r) => r.ipv4.map((a) => a.ip));
    assert.equal(ips.length, 40);
    assert.equal(new Set(ips).size, 40);
    assert.ok(blockWrites < 30, `expected batched block writes, got ${blockWrites}`);
    for (const [i, r] of rs.entries()) {
      assert.deepEqual((await ipam.ipsByHandle(`q${i}`)).sort(), r.ipv4.map((a) => a.ip).sort());
      assert.equal((await ipam.getAssignmentAttributes(r.ipv4[0]!.ip))?.attrs['pod'], `p${i}`);
    }
    void c;
  });

  it('two clients racing on one host never hand out an address twice', async (c, o) => {
    await createPool(o.ds, 'p', { cidr: '10.0.0.0/26', blockSize: 28 });
    const other = new IPAMClient(await o.openAnother(), { serializePerHost: false });
    const mine = new IPAMClient(o.ds, { serializePerHost: false });
    const jobs = Array.from({ length: 40 }, (_, i) => (i % 2 ? other : mine).autoAssign({ num4: 1, handleId: `r${i}`, hostname: i % 4 < 2 ? 'n1' : 'n2' }));
    const ips = (await Promise.all(jobs)).map((r) => r.ipv4[0]!.ip);
    assert.equal(new Set(ips).size, 40);
    void c;
  });
}
