import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  affinityHost, affinityName, assignFromBlock, assignOrdinal, attributeFor, blockName, freeCount, inUseCount, isEmpty,
  newBlockSpec, ordinalToIPString, ordinalsForHandle, releaseFromBlock, sequenceNumberFor,
} from './block.js';
import { parseCIDR } from './ip.js';

const block = (cidr = '10.0.0.0/29') => newBlockSpec(parseCIDR(cidr), 'host:n1', 1000);

test('blockName() and affinityName() follow Calico naming', () => {
  assert.equal(blockName('10.244.1.0/26'), '10-244-1-0-26');
  assert.equal(blockName('fd00::/122'), 'fd00---122');
  assert.equal(affinityName('node1', '10.244.1.0/26'), 'node1-10-244-1-0-26');
  const long = affinityName('n'.repeat(260), '10.0.0.0/26');
  assert.equal(long.length, 253);
  assert.match(long, /-[0-9a-f]{11}$/);
  assert.equal(affinityHost('host:node1'), 'node1');
  assert.equal(affinityHost('virtual:x'), undefined);
  assert.equal(affinityHost(null), undefined);
});

test('newBlockSpec() starts empty with every ordinal queued and the creation time as sequence number', () => {
  const b = block();
  assert.equal(b.allocations.length, 8);
  assert.deepEqual(b.unallocated, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(b.sequenceNumber, 1000);
  assert.ok(isEmpty(b));
});

test('assignFromBlock() takes ordinals from the head and records handle, attrs and sequence number', () => {
  const b = block();
  const ords = assignFromBlock(b, { num: 3, handleId: 'h1', attrs: { pod: 'p', namespace: 'ns' } });
  assert.deepEqual(ords, [0, 1, 2]);
  assert.deepEqual(b.unallocated, [3, 4, 5, 6, 7]);
  assert.equal(inUseCount(b), 3);
  assert.deepEqual(attributeFor(b, 1), { handle_id: 'h1', secondary: { pod: 'p', namespace: 'ns' } });
  assert.equal(sequenceNumberFor(b, 0), 1000);
  assert.equal(b.sequenceNumber, 1001);
  // The same owner shares one attribute entry.
  assignFromBlock(b, { num: 1, handleId: 'h1', attrs: { namespace: 'ns', pod: 'p' } });
  assert.equal(b.attributes.length, 1);
  assert.equal(sequenceNumberFor(b, 3), 1001);
});

test('assignFromBlock() skips reserved ordinals and leaves them queued', () => {
  const b = block();
  const ords = assignFromBlock(b, { num: 3, handleId: 'h', isReserved: (o) => o < 2 });
  assert.deepEqual(ords, [2, 3, 4]);
  assert.deepEqual(b.unallocated, [0, 1, 5, 6, 7]);
  assert.equal(freeCount(b, (o) => o < 2), 3);
  assert.deepEqual(assignFromBlock(b, { num: 10, handleId: 'h', isReserved: () => true }), []);
});

test('releaseFromBlock() puts released ordinals at the tail (FIFO reuse)', () => {
  const b = block();
  assignFromBlock(b, { num: 8, handleId: 'h' });
  const r = releaseFromBlock(b, [{ ordinal: 2 }, { ordinal: 0 }]);
  assert.deepEqual(r.released, [2, 0]);
  assert.deepEqual(b.unallocated, [2, 0]);
  assert.deepEqual(r.handles.get('h'), 2);
  assert.deepEqual(assignFromBlock(b, { num: 1, handleId: 'x' }), [2]);
});

test('releaseFromBlock() leaves an ordinal alone when handle or sequence number mismatch', () => {
  const b = block();
  assignFromBlock(b, { num: 2, handleId: 'h1' });
  const seq = sequenceNumberFor(b, 0);
  const r = releaseFromBlock(b, [
    { ordinal: 0, sequenceNumber: seq + 1 }, // stale: the address was re-allocated since
    { ordinal: 1, handleId: 'other' },
    { ordinal: 5 },
  ]);
  assert.deepEqual(r.released, []);
  assert.deepEqual(r.mismatched, [0, 1]);
  assert.deepEqual(r.notAllocated, [5]);
  assert.equal(inUseCount(b), 2);
  assert.deepEqual(releaseFromBlock(b, [{ ordinal: 0, sequenceNumber: seq, handleId: 'h1' }]).released, [0]);
});

test('releaseFromBlock() compacts attributes no ordinal uses', () => {
  const b = block();
  assignFromBlock(b, { num: 1, handleId: 'a' });
  assignFromBlock(b, { num: 1, handleId: 'b' });
  releaseFromBlock(b, [{ ordinal: 0 }]);
  assert.deepEqual(b.attributes, [{ handle_id: 'b' }]);
  assert.equal(attributeFor(b, 1)?.handle_id, 'b');
  assert.deepEqual(ordinalsForHandle(b, 'b'), [1]);
});

test('assignOrdinal() assigns a specific address once', () => {
  const b = block();
  assignOrdinal(b, 5, 'h', { pod: 'p' });
  assert.ok(!b.unallocated.includes(5));
  assert.throws(() => assignOrdinal(b, 5, 'h2'), /Cannot assign 10\.0\.0\.5: address is already assigned in block 10\.0\.0\.0\/29/);
  assert.equal(ordinalToIPString(parseCIDR('10.0.0.0/29'), 5), '10.0.0.5');
});
