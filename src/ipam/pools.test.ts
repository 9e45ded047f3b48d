import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IPPool, IPReservation } from '../api/types.js';
import { formatCIDR, parseCIDR } from './ip.js';
import { blockSubnets, hostSeed, orderForHost, poolView, reservedCIDRs, reservedOrdinals, selectPools } from './pools.js';

function pool(name: string, spec: Partial<NonNullable<IPPool['spec']>> & { cidr: string }): IPPool {
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec };
}

test('poolView() applies Calico defaults', () => {
  const v4 = poolView(pool('p4', { cidr: '10.0.0.0/16' }));
  assert.equal(v4.blockSize, 26);
  assert.deepEqual(v4.allowedUses, ['Workload', 'Tunnel']);
  assert.equal(v4.assignmentMode, 'Automatic');
  assert.equal(v4.nodeSelector, 'all()');
  assert.equal(poolView(pool('p6', { cidr: 'fd00::/64' })).blockSize, 122);
  assert.throws(() => poolView(pool('bad', { cidr: '10.0.0/8' })), /IPPool "bad" has an invalid spec.cidr/);
});

test('selectPools() filters by family, disabled, allowedUses, assignmentMode and selectors', () => {
  const pools = [
    pool('v6', { cidr: 'fd00::/64' }),
    pool('off', { cidr: '10.1.0.0/16', disabled: true }),
    pool('tunnel', { cidr: '10.2.0.0/16', allowedUses: ['Tunnel'] }),
    pool('manual', { cidr: '10.3.0.0/16', assignmentMode: 'Manual' }),
    pool('rack1', { cidr: '10.4.0.0/16', nodeSelector: 'rack == "r1"' }),
    pool('team-a', { cidr: '10.5.0.0/16', namespaceSelector: 'team == "a"' }),
    pool('any', { cidr: '10.6.0.0/16' }),
  ].map(poolView);
  const names = (q: Parameters<typeof selectPools>[1]) => selectPools(pools, q).map((p) => p.name);
  assert.deepEqual(names({ family: 4, use: 'Workload', nodeLabels: {} }), ['team-a', 'any']);
  assert.deepEqual(names({ family: 4, use: 'Workload', nodeLabels: { rack: 'r1' }, namespaceLabels: { team: 'b' } }), ['rack1', 'any']);
  assert.deepEqual(names({ family: 4, use: 'Workload', nodeLabels: {}, namespaceLabels: { team: 'a' } }), ['team-a', 'any']);
  assert.deepEqual(names({ family: 4, use: 'Tunnel', nodeLabels: {} }), ['tunnel', 'team-a', 'any']);
  assert.deepEqual(names({ family: 6, use: 'Workload', nodeLabels: {} }), ['v6']);
});

test('selectPools() honours requested pools by name or CIDR, bypassing selectors', () => {
  const pools = [pool('manual', { cidr: '10.3.0.0/16', assignmentMode: 'Manual', nodeSelector: 'x == "y"' }), pool('off', { cidr: '10.1.0.0/16', disabled: true })].map(poolView);
  assert.deepEqual(selectPools(pools, { family: 4, use: 'Workload', nodeLabels: {}, requested: ['10.3.0.0/16'] }).map((p) => p.name), ['manual']);
  assert.deepEqual(selectPools(pools, { family: 4, use: 'Workload', nodeLabels: {}, requested: ['manual'] }).map((p) => p.name), ['manual']);
  assert.throws(() => selectPools(pools, { family: 4, use: 'Workload', nodeLabels: {}, requested: ['off'] }), /the given pool \(off\) does not exist, or is not enabled/);
  assert.throws(() => selectPools(pools, { family: 4, use: 'Workload', nodeLabels: {}, requested: ['10.9.0.0/16'] }), /does not exist/);
  assert.throws(() => selectPools(pools, { family: 6, use: 'Workload', nodeLabels: {}, requested: ['manual'] }), /is not an IPv6 pool/);
});

test('blockSubnets() visits every block once from a host-seeded start', () => {
  const p = poolView(pool('p', { cidr: '10.0.0.0/24', blockSize: 26 }));
  const a = [...blockSubnets(p, 'node-a')].map(formatCIDR);
  assert.equal(a.length, 4);
  assert.deepEqual([...a].sort(), ['10.0.0.0/26', '10.0.0.128/26', '10.0.0.192/26', '10.0.0.64/26']);
  // Deterministic per host.
  assert.deepEqual([...blockSubnets(p, 'node-a')].map(formatCIDR), a);
  assert.equal(hostSeed('node-a'), hostSeed('node-a'));
  // Different hosts start in different places (for these names).
  const starts = new Set(['n1', 'n2', 'n3', 'n4', 'n5', 'n6'].map((h) => formatCIDR(blockSubnets(p, h).next().value!)));
  assert.ok(starts.size > 1);
});

test('reservedOrdinals() marks addresses covered by IPReservations', () => {
  const res: IPReservation[] = [{ apiVersion: 'projectcalico.org/v3', kind: 'IPReservation', metadata: { name: 'r' }, spec: { reservedCIDRs: ['10.0.0.0/30', '10.0.0.9'] } }];
  const cidrs = reservedCIDRs(res);
  const isRes = reservedOrdinals(parseCIDR('10.0.0.0/28'), cidrs);
  assert.deepEqual([...Array(16).keys()].filter(isRes), [0, 1, 2, 3, 9]);
  assert.equal(reservedOrdinals(parseCIDR('10.0.1.0/28'), cidrs)(0), false);
  assert.throws(() => reservedCIDRs([{ ...res[0]!, spec: { reservedCIDRs: ['nope'] } }]), /IPReservation "r" has an invalid spec.reservedCIDRs\[0\] "nope"/);
});

test('orderForHost() orders existing blocks as blockSubnets() would visit them', () => {
  const p = poolView(pool('p', { cidr: '10.0.0.0/24', blockSize: 28 }));
  const visit = [...blockSubnets(p, 'node-x')].map(formatCIDR);
  const existing = ['10.0.0.0/28', '10.0.0.48/28', '10.0.0.160/28', '10.0.0.240/28', '10.9.0.0/28'].map((c) => ({ cidr: parseCIDR(c) }));
  const got = orderForHost(p, 'node-x', existing).map((b) => formatCIDR(b.cidr));
  assert.deepEqual(got, visit.filter((c) => got.includes(c)));
  assert.equal(got.length, 4, 'blocks outside the pool are dropped');
  // IPv6: no walk over 2^58 subnets.
  const p6 = poolView(pool('p6', { cidr: 'fd00::/64' }));
  assert.equal(orderForHost(p6, 'n', [{ cidr: parseCIDR('fd00::40/122') }]).length, 1);
});
