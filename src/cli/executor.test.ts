import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../api/types.js';
import { MemoryDatastore } from '../datastore/memory.js';
import type { Datastore } from '../datastore/types.js';
import { ConflictError } from '../lib/errors.js';
import { executeDelete, executeWrite, updateWithCAS, type Gathered } from './executor.js';

const NS = { namespace: '', allNamespaces: false };

function pool(name: string, cidr: string, extra: Record<string, unknown> = {}): Resource {
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr, ...extra } };
}

function gathered(...resources: Resource[]): Gathered {
  return { resources, fromArgs: false };
}

test('executeWrite() writes nothing when any resource is invalid', async () => {
  const ds = new MemoryDatastore();
  const r = await executeWrite(ds, gathered(pool('a', '10.0.0.0/24'), pool('b', 'not-a-cidr')), { ...NS, action: 'apply' });
  assert.equal(r.numHandled, 0);
  assert.equal(r.resErrs.length, 1);
  assert.match(r.resErrs[0]?.message ?? '', /IPPool\(b\).*spec\.cidr/);
  assert.equal((await ds.list({ kind: 'IPPool' })).items.length, 0);
});

test('executeWrite() checks each resource against the ones before it in the same request', async () => {
  const ds = new MemoryDatastore();
  const r = await executeWrite(ds, gathered(pool('a', '10.0.0.0/16'), pool('b', '10.0.1.0/24')), { ...NS, action: 'create' });
  assert.equal(r.numHandled, 0);
  assert.match(r.resErrs[0]?.message ?? '', /overlaps/);
});

test('executeWrite() apply creates, then updates keeping identity metadata', async () => {
  const ds = new MemoryDatastore();
  const first = await executeWrite(ds, gathered(pool('a', '10.0.0.0/24')), { ...NS, action: 'apply' });
  assert.equal(first.numHandled, 1);
  const created = first.resources[0] as Resource;
  const second = await executeWrite(ds, gathered(pool('a', '10.0.0.0/24', { natOutgoing: true })), { ...NS, action: 'apply' });
  assert.deepEqual(second.resErrs, []);
  const updated = second.resources[0] as Resource;
  assert.equal(updated.metadata.uid, created.metadata.uid);
  assert.equal((updated.spec as { natOutgoing?: boolean }).natOutgoing, true);
  // The built-in tiers and ClusterInformation were initialised on the way.
  assert.equal((await ds.list({ kind: 'Tier' })).items.length, 3);
  assert.equal((await ds.list({ kind: 'ClusterInformation' })).items.length, 1);
});

/** A datastore whose next `n` updates fail with a conflict, as if another writer got in first. */
function conflicting(base: Datastore, n: number): Datastore & { conflicts: number } {
  const wrapper = Object.create(base) as Datastore & { conflicts: number };
  wrapper.conflicts = 0;
  wrapper.update = async <R extends Resource>(r: R): Promise<R> => {
    if (wrapper.conflicts < n) {
      wrapper.conflicts++;
      throw new ConflictError({ kind: r.kind, name: r.metadata.name });
    }
    return base.update(r);
  };
  wrapper.get = base.get.bind(base);
  return wrapper;
}

test('updateWithCAS() retries once after a conflict, and gives up after a second', async () => {
  const base = new MemoryDatastore();
  await base.create(pool('a', '10.0.0.0/24'));
  const once = conflicting(base, 1);
  const out = await updateWithCAS(once, pool('a', '10.0.0.0/24', { disabled: true }));
  assert.equal(once.conflicts, 1);
  assert.equal((out.spec as { disabled?: boolean }).disabled, true);

  const twice = conflicting(base, 2);
  await assert.rejects(updateWithCAS(twice, pool('a', '10.0.0.0/24')), ConflictError);
});

test('updateWithCAS() refuses a stale resourceVersion given by the user without retrying', async () => {
  const base = new MemoryDatastore();
  const created = await base.create(pool('a', '10.0.0.0/24'));
  await base.update({ ...created, spec: { cidr: '10.0.0.0/24', disabled: true } });
  const stale = { ...pool('a', '10.0.0.0/24'), metadata: { name: 'a', resourceVersion: created.metadata.resourceVersion } };
  await assert.rejects(updateWithCAS(base, stale), /out of date/);
});

test('executeDelete() keeps going after a missing resource and honours skipNotExists', async () => {
  const ds = new MemoryDatastore();
  await ds.create(pool('b', '10.0.0.0/24'));
  const r = await executeDelete(ds, gathered(pool('a', ''), pool('b', '')), NS);
  assert.equal(r.numHandled, 1);
  assert.equal(r.resErrs.length, 1);
  const skipped = await executeDelete(ds, gathered(pool('a', '')), { ...NS, skipNotExists: true });
  assert.equal(skipped.numHandled, 1);
  assert.deepEqual(skipped.resErrs, []);
});
