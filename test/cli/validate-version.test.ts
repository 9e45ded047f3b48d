import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { openEmbeddedDatastore } from '../../src/datastore/embedded.js';
import { embeddedCalicoctl, runCalicoctl } from './_calicoctl.js';
import { POLICIES, POOLS } from './fixtures.js';

test('calicoctl validate checks offline and reports invalid resources', async (t) => {
  const ctl = embeddedCalicoctl(t);
  const ok = await ctl.run(['validate', '-f', ctl.file('pools.yaml', POOLS)]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, "Successfully validated 2 'IPPool' resource(s)\n");

  const bad = POLICIES.replace('protocol: UDP', 'protocol: ICMP');
  const r = await ctl.run(['validate', '-f', ctl.file('bad.yaml', bad)]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "Partial success: validated the first 1 out of 2 'NetworkPolicy' resources:\n");
  assert.match(r.stderr, /^hit error\(s\): \[.*NetworkPolicy\(prod\/allow-dns\).*spec\.egress\[0\]/);

  // Validation never touches the datastore, even one that cannot be opened.
  const offline = await runCalicoctl({ PATH: process.env['PATH'], DATASTORE_TYPE: 'etcdv3' }, ['validate', '-f', ctl.file('p.yaml', POOLS)]);
  assert.equal(offline.code, 0, offline.stderr);
});

test('calicoctl version prints client and cluster versions', async (t) => {
  const ctl = embeddedCalicoctl(t);
  const client = await ctl.run(['version', '--client']);
  assert.equal(client.code, 0, client.stderr);
  assert.match(client.stdout, /^Client Version: {4}v\d+\.\d+\.\d+\nGit commit: {8}\S+\n$/);

  const none = await ctl.run(['version']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^Unable to retrieve Cluster Version or Type: resource does not exist: ClusterInformation\(default\)/);

  // Any write initialises the datastore as calicoctl does, creating ClusterInformation "default".
  await ctl.run(['apply', '-f', ctl.file('pools.yaml', POOLS)]);
  const full = await ctl.run(['version']);
  assert.equal(full.code, 0, full.stderr);
  assert.match(full.stdout, /\nCluster Version: {3}unknown\nCluster Type: {6}unknown\n$/);
  const info = await ctl.run(['get', 'clusterinformation', 'default', '-o', 'wide']);
  assert.match(info.stdout, /^NAME +CLUSTERGUID +CLUSTERTYPE +CALICOVERSION +DATASTOREREADY +\ndefault +[0-9a-f]{32} +true +\n\n$/);
});

test('calicoctl refuses a cluster of another Calico version unless --allow-version-mismatch', async (t) => {
  const ctl = embeddedCalicoctl(t);
  await ctl.run(['apply', '-f', ctl.file('pools.yaml', POOLS)]);
  // calico-node owns ClusterInformation; play its part directly on the datastore.
  const ds = await openEmbeddedDatastore({ dataDir: join(ctl.dir, 'data') });
  try {
    const ci = await ds.get({ kind: 'ClusterInformation', name: 'default' });
    await ds.update({ ...ci, spec: { ...(ci.spec as object), calicoVersion: 'v9.9.9', clusterType: 'lab,bgp' } });
  } finally {
    await ds.close();
  }

  const refused = await ctl.run(['get', 'ippools']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^Failed to get resources: Version mismatch\.\nClient Version: {3}v\d+\.\d+\.\d+\nCluster Version: {2}9\.9\.9\nUse --allow-version-mismatch to override\.\n/);

  const allowed = await ctl.run(['--allow-version-mismatch', 'get', 'ippools', '-o', 'name']);
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.equal(allowed.stdout, 'ippool.projectcalico.org/pool-a\nippool.projectcalico.org/pool-b\n');
  const allowedLocal = await ctl.run(['delete', 'ippool', 'pool-a', '--allow-version-mismatch']);
  assert.equal(allowedLocal.code, 0, allowedLocal.stderr);

  // version never refuses: showing the mismatch is its job.
  const version = await ctl.run(['version']);
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /\nCluster Version: {3}v9\.9\.9\nCluster Type: {6}lab,bgp\n$/);
});
