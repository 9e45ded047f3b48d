import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { embeddedCalicoctl } from './_calicoctl.js';
import { POOLS } from './fixtures.js';

const POOL_C = `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool-c
spec:
  cidr: 10.30.0.0/16
`;

test('calicoctl create fails on an existing resource unless --skip-exists', async (t) => {
  const ctl = embeddedCalicoctl(t);
  const file = ctl.file('pools.yaml', POOLS);
  assert.equal((await ctl.run(['create', '-f', file])).stdout, "Successfully created 2 'IPPool' resource(s)\n");

  const again = await ctl.run(['create', '-f', file]);
  assert.equal(again.code, 1);
  assert.equal(again.stdout, '');
  assert.equal(
    again.stderr,
    "Failed to create any 'IPPool' resources:\n-  resource already exists: IPPool(pool-a)\n-  resource already exists: IPPool(pool-b)\n",
  );

  const skipped = await ctl.run(['create', '--skip-exists', '-f', file]);
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.equal(skipped.stdout, "Successfully created 2 'IPPool' resource(s)\n");
});

test('calicoctl replace fails on a missing resource and writes nothing', async (t) => {
  const ctl = embeddedCalicoctl(t);
  const r = await ctl.run(['replace', '-f', ctl.file('c.yaml', POOL_C)]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "Failed to replace 'IPPool' resource: resource does not exist: IPPool(pool-c)\n");
  const get = await ctl.run(['get', 'ippool', '-o', 'name']);
  assert.equal(get.stdout, '');

  await ctl.run(['create', '-f', ctl.file('c.yaml', POOL_C)]);
  const replaced = await ctl.run(['replace', '-f', ctl.file('c2.yaml', POOL_C.replace('cidr: 10.30.0.0/16', 'cidr: 10.30.0.0/16\n  disabled: true'))]);
  assert.equal(replaced.stdout, "Successfully replaced 1 'IPPool' resource(s)\n", replaced.stderr);
  assert.equal(parse((await ctl.run(['get', 'ippool', 'pool-c', '-o', 'yaml'])).stdout).spec.disabled, true);
});

test('calicoctl apply of a manifest with one invalid resource names the field and writes nothing', async (t) => {
  const ctl = embeddedCalicoctl(t);
  const bad = `${POOLS}---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool-bad
spec:
  cidr: 10.40.0.0/16
  blockSize: 12
`;
  const r = await ctl.run(['apply', '-f', ctl.file('bad.yaml', bad)]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^Failed to apply any 'IPPool' resources: \[/);
  assert.match(r.stderr, /IPPool\(pool-bad\)/);
  assert.match(r.stderr, /spec\.blockSize/);
  const get = await ctl.run(['get', 'ippools', '-o', 'name']);
  assert.equal(get.code, 0, get.stderr);
  assert.equal(get.stdout, '', 'nothing was written');
});

test('calicoctl lists several invalid resources one per line, each named once, and writes nothing', async (t) => {
  const ctl = embeddedCalicoctl(t);
  const badPolicy = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: bad-gnp
spec:
  selector: all()
  ingress:
    - action: Allow
      protocol: ICMP
      icmp:
        type: 300
      destination:
        ports: [80]
`;
  const badPool = `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: bad-pool
spec:
  cidr: 10.300.0.0/16
`;
  // The same invalid pool twice (say, two copies of one file in a directory) is reported once.
  const text = [POOLS, badPolicy, badPool, badPool].join('---\n');
  const r = await ctl.run(['apply', '-f', ctl.file('multi.yaml', text)]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    [
      'Failed to apply any resources:',
      '-  error with the following fields of GlobalNetworkPolicy(bad-gnp):',
      '   -  spec.ingress[0].icmp.type: ICMP type must be between 0 and 254 (value 300)',
      '   -  spec.ingress[0].destination.ports[0]: ports are only valid with protocol TCP, UDP or SCTP (value 80)',
      '-  error with field IPPool(bad-pool): spec.cidr: invalid CIDR (value "10.300.0.0/16")',
      '',
    ].join('\n'),
  );
  assert.equal((await ctl.run(['get', 'ippools', '-o', 'name'])).stdout, '', 'nothing was written');
});

test('calicoctl apply reports a mid-way datastore failure as partial success', async (t) => {
  const ctl = embeddedCalicoctl(t);
  await ctl.run(['apply', '-f', ctl.file('c.yaml', POOL_C)]);
  const stored = parse((await ctl.run(['get', 'ippool', 'pool-c', '-o', 'yaml'])).stdout);
  // Someone else changes pool-c, so the version in our manifest goes stale.
  await ctl.run(['label', 'ippool', 'pool-c', 'owner=other']);
  const stale = `${POOLS}---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool-c
  resourceVersion: "${stored.metadata.resourceVersion}"
spec:
  cidr: 10.30.0.0/16
  natOutgoing: true
`;
  const r = await ctl.run(['apply', '-f', ctl.file('stale.yaml', stale)]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "Partial success: applied the first 2 out of 3 'IPPool' resources:\n");
  assert.match(r.stderr, /^Hit error\(s\): \[update conflict: resource version '\d+' is out of date \(latest: \d+\)/);
  assert.match(r.stderr, /IPPool\(pool-c\)/);
  const names = (await ctl.run(['get', 'ippools', '-o', 'name'])).stdout;
  assert.equal(names, 'ippool.projectcalico.org/pool-a\nippool.projectcalico.org/pool-b\nippool.projectcalico.org/pool-c\n');
  assert.equal(parse((await ctl.run(['get', 'ippool', 'pool-c', '-o', 'yaml'])).stdout).spec.natOutgoing, undefined);
});

test('calicoctl apply updates in place, keeping uid and creationTimestamp and replacing labels', async (t) => {
  const ctl = embeddedCalicoctl(t);
  await ctl.run(['apply', '-f', ctl.file('c.yaml', POOL_C.replace('name: pool-c', 'name: pool-c\n  labels:\n    a: "1"'))]);
  const before = parse((await ctl.run(['get', 'ippool', 'pool-c', '-o', 'yaml'])).stdout);
  const r = await ctl.run(['apply', '-f', ctl.file('c2.yaml', POOL_C.replace('name: pool-c', 'name: pool-c\n  labels:\n    b: "2"'))]);
  assert.equal(r.stdout, "Successfully applied 1 'IPPool' resource(s)\n", r.stderr);
  const after = parse((await ctl.run(['get', 'ippool', 'pool-c', '-o', 'yaml'])).stdout);
  assert.equal(after.metadata.uid, before.metadata.uid);
  assert.equal(after.metadata.creationTimestamp, before.metadata.creationTimestamp);
  assert.notEqual(after.metadata.resourceVersion, before.metadata.resourceVersion);
  assert.deepEqual(after.metadata.labels, { b: '2' });
});

test('calicoctl reports unreadable input as "Failed to execute command" and usage errors as "Invalid option"', async (t) => {
  const ctl = embeddedCalicoctl(t);
  const missing = await ctl.run(['apply', '-f', `${ctl.dir}/nope.yaml`]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, `Failed to execute command: open ${ctl.dir}/nope.yaml: no such file or directory\n`);

  const garbled = await ctl.run(['apply', '-f', ctl.file('g.yaml', 'kind: [unclosed\n')]);
  assert.equal(garbled.code, 1);
  assert.match(garbled.stderr, /^Failed to execute command: /);

  const usage = await ctl.run(['apply']);
  assert.equal(usage.code, 1);
  assert.equal(usage.stderr, "Invalid option: 'calicoctl apply'. Use flag '--help' to read about a specific subcommand.\n");

  const help = await ctl.run(['apply', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage:\n  calicoctl apply --filename=<FILENAME>/);

  const unknown = await ctl.run(['frob']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^unknown command: "frob"\n/);

  const ci = await ctl.run([
    'apply',
    '-f',
    ctl.file('ci.yaml', 'apiVersion: projectcalico.org/v3\nkind: ClusterInformation\nmetadata:\n  name: default\nspec: {}\n'),
  ]);
  assert.equal(ci.code, 1);
  assert.equal(
    ci.stderr,
    "Failed to apply 'ClusterInformation' resource: [operation apply is not supported on ClusterInformation: resource is readonly]\n",
  );
});
