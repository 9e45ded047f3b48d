import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { embeddedCalicoctl } from './_calicoctl.js';
import { GNP, POLICIES, POOLS } from './fixtures.js';

test('calicoctl apply then get -o yaml returns the pools with Calico defaults filled in', async (t) => {
  const ctl = embeddedCalicoctl(t);
  const applied = await ctl.run(['apply', '-f', ctl.file('pools.yaml', POOLS)]);
  assert.equal(applied.stderr, '');
  assert.equal(applied.stdout, "Successfully applied 2 'IPPool' resource(s)\n");
  assert.equal(applied.code, 0);

  const one = await ctl.run(['get', 'ippool', 'pool-a', '-o', 'yaml']);
  assert.equal(one.code, 0, one.stderr);
  const pool = parse(one.stdout);
  assert.equal(pool.kind, 'IPPool');
  assert.equal(pool.metadata.name, 'pool-a');
  assert.match(pool.metadata.resourceVersion, /^\d+$/);
  assert.ok(pool.metadata.uid);
  assert.ok(pool.metadata.creationTimestamp);
  assert.deepEqual(
    { ...pool.spec },
    {
      cidr: '10.10.0.0/16',
      natOutgoing: true,
      blockSize: 26,
      ipipMode: 'Never',
      vxlanMode: 'Never',
      nodeSelector: 'all()',
      allowedUses: ['Workload', 'Tunnel'],
      assignmentMode: 'Automatic',
    },
  );
  // calicoctl's YAML sorts keys (it marshals through JSON maps).
  assert.ok(one.stdout.startsWith('apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n'), one.stdout);

  const list = await ctl.run(['get', 'ippools', '-o', 'yaml']);
  const listed = parse(list.stdout);
  assert.equal(listed.kind, 'IPPoolList');
  assert.deepEqual(
    listed.items.map((p: { metadata: { name: string } }) => p.metadata.name),
    ['pool-a', 'pool-b'],
  );
  assert.match(listed.metadata.resourceVersion, /^\d+$/);
});

test('calicoctl get -o json prints one resource bare, a listing as a <Kind>List, several names as an array', async (t) => {
  const ctl = embeddedCalicoctl(t);
  await ctl.run(['apply', '-f', ctl.file('pools.yaml', POOLS)]);
  const one = await ctl.run(['get', 'ippool', 'pool-b', '-o', 'json']);
  const pool = JSON.parse(one.stdout);
  assert.deepEqual(Object.keys(pool).slice(0, 3), ['kind', 'apiVersion', 'metadata']);
  assert.equal(pool.spec.ipipMode, 'Always');
  assert.equal(pool.spec.blockSize, 26);

  const list = JSON.parse((await ctl.run(['get', 'ippool', '-o', 'json'])).stdout);
  assert.equal(list.kind, 'IPPoolList');
  assert.equal(list.items.length, 2);

  const two = JSON.parse((await ctl.run(['get', 'ippool', 'pool-a', 'pool-b', '-o', 'json'])).stdout);
  assert.ok(Array.isArray(two));
  assert.deepEqual(
    two.map((p: { metadata: { name: string } }) => p.metadata.name),
    ['pool-a', 'pool-b'],
  );
});

test('calicoctl get prints ps, wide, name and custom-columns tables like calicoctl', async (t) => {
  const ctl = embeddedCalicoctl(t);
  await ctl.run(['apply', '-f', ctl.file('pools.yaml', POOLS)]);

  const ps = await ctl.run(['get', 'ippools']);
  assert.equal(ps.code, 0, ps.stderr);
  assert.equal(
    ps.stdout,
    'NAME     CIDR           SELECTOR   \n' +
      'pool-a   10.10.0.0/16   all()      \n' +
      'pool-b   10.20.0.0/16   all()      \n' +
      '\n',
  );

  const wide = await ctl.run(['get', 'ippools', '-o', 'wide']);
  const lines = wide.stdout.split('\n');
  assert.deepEqual(lines[0]?.trim().split(/\s+/), [
    'NAME',
    'CIDR',
    'NAT',
    'IPIPMODE',
    'VXLANMODE',
    'DISABLED',
    'DISABLEBGPEXPORT',
    'SELECTOR',
    'ASSIGNMENTMODE',
  ]);
  assert.deepEqual(lines[1]?.trim().split(/\s+/), ['pool-a', '10.10.0.0/16', 'true', 'Never', 'Never', 'false', 'false', 'all()', 'Automatic']);
  assert.deepEqual(lines[2]?.trim().split(/\s+/), ['pool-b', '10.20.0.0/16', 'false', 'Always', 'Never', 'false', 'false', 'all()', 'Automatic']);

  const names = await ctl.run(['get', 'ippools', '-o', 'name']);
  assert.equal(names.stdout, 'ippool.projectcalico.org/pool-a\nippool.projectcalico.org/pool-b\n');

  const custom = await ctl.run(['get', 'ippools', '-o', 'custom-columns=NAME,NAT']);
  assert.equal(custom.stdout, 'NAME     NAT     \npool-a   true    \npool-b   false   \n\n');

  const bad = await ctl.run(['get', 'ippools', '-o', 'xml']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, "unrecognized output format 'xml'\n");
});

test('calicoctl get of namespaced kinds defaults to namespace "default"; -A adds NAMESPACE', async (t) => {
  const ctl = embeddedCalicoctl(t);
  const applied = await ctl.run(['apply', '-f', ctl.file('pol.yaml', POLICIES)]);
  assert.equal(applied.stdout, "Successfully applied 2 'NetworkPolicy' resource(s)\n", applied.stderr);

  const dflt = await ctl.run(['get', 'networkpolicy']);
  assert.equal(dflt.stdout, 'NAME       TIER      \ndeny-all   default   \n\n');

  const all = await ctl.run(['get', 'policy', '-A', '-o', 'wide']);
  assert.equal(
    all.stdout,
    'NAMESPACE   NAME        TIER      ORDER   SELECTOR       \n' +
      'default     deny-all    default   <nil>   all()          \n' +
      'prod        allow-dns   default   100     app == "web"   \n' +
      '\n',
  );

  const prod = JSON.parse((await ctl.run(['get', 'np', 'allow-dns', '-n', 'prod', '-o', 'json'])).stdout);
  assert.equal(prod.metadata.namespace, 'prod');
  assert.deepEqual(prod.spec.types, ['Egress']);
  assert.equal(prod.spec.tier, 'default');

  const single = await ctl.run(['get', 'np', 'allow-dns', '-A']);
  assert.equal(single.code, 1);
  assert.match(single.stderr, /cannot use --all-namespace flag for getting a single resource/);

  const wrongNs = await ctl.run(['get', 'ippool', '-n', 'prod']);
  assert.equal(wrongNs.code, 1);
  assert.match(wrongNs.stderr, /IPPool is not namespaced/);
});

test('calicoctl accepts every alias for a kind and rejects unknown kinds', async (t) => {
  const ctl = embeddedCalicoctl(t);
  await ctl.run(['apply', '-f', ctl.file('gnp.yaml', GNP)]);
  for (const alias of ['globalnetworkpolicy', 'GlobalNetworkPolicies', 'gnp', 'gnps']) {
    const r = await ctl.run(['get', alias, '-o', 'name']);
    assert.equal(r.stdout, 'globalnetworkpolicy.projectcalico.org/allow-ping\n', `alias ${alias}: ${r.stderr}`);
  }
  const tiers = await ctl.run(['get', 'tiers']);
  // Built-in tiers exist after the first write, listed in order.
  assert.equal(
    tiers.stdout,
    'NAME            ORDER   \nkube-admin      1000    \ndefault         1e+06   \nkube-baseline   1e+07   \n\n',
  );
  const unknown = await ctl.run(['get', 'frobnicators']);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, "Failed to get resources: resource type 'frobnicators' is not supported\n");
  const missing = await ctl.run(['get', 'gnp', 'nope']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /resource does not exist: GlobalNetworkPolicy\(nope\)/);
});
