import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryDatastore } from '../datastore/memory.js';
import { checkAgainstDatastore, deleteRefusal } from './datastore-checks.js';
import { applyDefaults } from './defaults.js';
import type { Resource } from './types.js';

function pool(name: string, cidr: string, extra: object = {}): Resource {
  return applyDefaults({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr, ...extra } });
}

function fieldsOf(errs: Array<{ field: string }>): string[] {
  return errs.map((e) => e.field);
}

test('checkAgainstDatastore() refuses a new pool overlapping another', async () => {
  const ds = new MemoryDatastore();
  await ds.create(pool('a', '10.0.0.0/16'));
  assert.deepEqual(fieldsOf(await checkAgainstDatastore(pool('b', '10.0.128.0/17'), ds, 'create')), ['spec.cidr']);
  assert.deepEqual(fieldsOf(await checkAgainstDatastore(pool('b', '10.0.0.0/8'), ds, 'apply')), ['spec.cidr']);
  assert.deepEqual(await checkAgainstDatastore(pool('b', '10.1.0.0/16'), ds, 'create'), []);
  await ds.close();
});

test('checkAgainstDatastore() keeps cidr and blockSize immutable', async () => {
  const ds = new MemoryDatastore();
  await ds.create(pool('a', '10.0.0.0/16'));
  assert.deepEqual(fieldsOf(await checkAgainstDatastore(pool('a', '10.0.0.0/15'), ds, 'replace')), ['spec.cidr']);
  assert.deepEqual(fieldsOf(await checkAgainstDatastore(pool('a', '10.0.0.0/16', { blockSize: 24 }), ds, 'apply')), ['spec.blockSize']);
  // Other fields may change; the pool does not overlap itself.
  assert.deepEqual(await checkAgainstDatastore(pool('a', '10.0.0.0/16', { natOutgoing: true, disabled: true }), ds, 'replace'), []);
  await ds.close();
});

test('checkAgainstDatastore() refuses leaving LoadBalancer use', async () => {
  const ds = new MemoryDatastore();
  await ds.create(pool('lb', '10.9.0.0/16', { allowedUses: ['LoadBalancer'] }));
  assert.deepEqual(fieldsOf(await checkAgainstDatastore(pool('lb', '10.9.0.0/16', { allowedUses: ['Workload'] }), ds, 'replace')), ['spec.allowedUses']);
  await ds.close();
});

test('checkAgainstDatastore() needs the policy tier to exist, except built-in tiers', async () => {
  const ds = new MemoryDatastore();
  const policy = (tier: string): Resource =>
    applyDefaults({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: `${tier}.p` }, spec: { tier } });
  assert.deepEqual(fieldsOf(await checkAgainstDatastore(policy('security'), ds, 'create')), ['spec.tier']);
  assert.deepEqual(await checkAgainstDatastore(policy('default'), ds, 'create'), []);
  assert.deepEqual(await checkAgainstDatastore(policy('kube-admin'), ds, 'create'), []);
  await ds.create(applyDefaults({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'security' }, spec: { order: 100 } }));
  assert.deepEqual(await checkAgainstDatastore(policy('security'), ds, 'replace'), []);
  await ds.close();
});

test('checkAgainstDatastore() treats ClusterInformation as read-only for apply', async () => {
  const ds = new MemoryDatastore();
  const ci: Resource = { apiVersion: 'projectcalico.org/v3', kind: 'ClusterInformation', metadata: { name: 'default' }, spec: {} };
  assert.deepEqual(fieldsOf(await checkAgainstDatastore(ci, ds, 'apply')), ['kind']);
  await ds.close();
});

test('deleteRefusal() keeps built-in tiers and tiers that still hold policies', async () => {
  const ds = new MemoryDatastore();
  const tier = (name: string): Resource => applyDefaults({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name }, spec: {} });
  await ds.create(tier('busy'));
  await ds.create(tier('idle'));
  await ds.create(
    applyDefaults({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'busy.p', namespace: 'ns1' }, spec: { tier: 'busy', selector: 'all()' } }),
  );
  assert.equal(await deleteRefusal({ kind: 'Tier', name: 'default' }, ds), 'the built-in tier "default" cannot be deleted');
  assert.match((await deleteRefusal({ kind: 'Tier', name: 'kube-admin' }, ds)) ?? '', /built-in tier "kube-admin"/);
  assert.match((await deleteRefusal({ kind: 'Tier', name: 'busy' }, ds)) ?? '', /tier "busy" is not empty: NetworkPolicy\(ns1\/busy\.p\)/);
  assert.equal(await deleteRefusal({ kind: 'Tier', name: 'idle' }, ds), undefined);
  assert.equal(await deleteRefusal({ kind: 'IPPool', name: 'default' }, ds), undefined);
  await ds.close();
});
