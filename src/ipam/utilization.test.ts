import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignFromBlock, newBlockSpec } from './block.js';
import { parseCIDR } from './ip.js';
import { poolView } from './pools.js';
import type { IPAMBlock } from './types.js';
import { utilization } from './utilization.js';

test('utilization() counts per pool and block, reserved addresses once', () => {
  const p = poolView({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.0.0.0/24', blockSize: 28 } });
  const spec = newBlockSpec(parseCIDR('10.0.0.16/28'), 'host:n', 1);
  assignFromBlock(spec, { num: 4, handleId: 'h' }); // .16-.19
  const orphan = newBlockSpec(parseCIDR('192.168.0.0/30'), null, 1);
  assignFromBlock(orphan, { num: 1, handleId: 'x' });
  const blocks: IPAMBlock[] = [spec, orphan].map((s, i) => ({ apiVersion: 'v1', kind: 'IPAMBlock', metadata: { name: `b${i}` }, spec: s }));
  // .16/30 overlaps the allocated .16-.19; .128/25 is unallocated space.
  const [pool, orphans] = utilization([p], blocks, [parseCIDR('10.0.0.16/30'), parseCIDR('10.0.0.128/25'), parseCIDR('10.0.0.128/26')]);
  assert.equal(pool!.capacity, 256);
  assert.equal(pool!.inUse, 4);
  assert.equal(pool!.reserved, 4 + 128);
  assert.equal(pool!.free, 256 - 4 - 128);
  assert.deepEqual(pool!.blocks, [{ cidr: '10.0.0.16/28', capacity: 16, inUse: 4, reserved: 4, free: 12 }]);
  assert.equal(orphans!.pool, undefined);
  assert.equal(orphans!.inUse, 1);
});
