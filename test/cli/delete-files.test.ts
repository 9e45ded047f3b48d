import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { embeddedCalicoctl } from './_calicoctl.js';
import { GNP, POLICIES, POOLS } from './fixtures.js';

test('calicoctl delete by name and by file, with --skip-not-exists', async (t) => {
  const ctl = embeddedCalicoctl(t);
  const pools = ctl.file('pools.yaml', POOLS);
  await ctl.run(['apply', '-f', pools]);

  const byName = await ctl.run(['delete', 'ippool', 'pool-a']);
  assert.equal(byName.code, 0, byName.stderr);
  assert.equal(byName.stdout, "Successfully deleted 1 'IPPool' resource(s)\n");

  // pool-a is gone, pool-b is deleted: one success, one failure, both reported.
  const byFile = await ctl.run(['delete', '-f', pools]);
  assert.equal(byFile.code, 1);
  assert.equal(byFile.stdout, "Successfully deleted 1 'IPPool' resource(s)\n");
  assert.match(byFile.stderr, /^Failed to delete 'IPPool' resource: resource does not exist: IPPool\(pool-a\)/);
  assert.equal((await ctl.run(['get', 'ippools', '-o', 'name'])).stdout, '');

  const skipped = await ctl.run(['delete', '-s', 'ippool', 'pool-a', 'pool-b']);
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.equal(skipped.stdout, "Successfully deleted 2 'IPPool' resource(s)\n");

  await ctl.run(['apply', '-f', ctl.file('pol.yaml', POLICIES)]);
  const ns = await ctl.run(['delete', 'policy', 'allow-dns', '-n', 'prod']);
  assert.equal(ns.stdout, "Successfully deleted 1 'NetworkPolicy' resource(s)\n", ns.stderr);
  assert.equal((await ctl.run(['get', 'np', '-A', '-o', 'name'])).stdout, 'networkpolicy.projectcalico.org/deny-all\n');
});

test('calicoctl -f reads a directory (recursively with -R) and stdin', async (t) => {
  const ctl = embeddedCalicoctl(t);
  const dir = join(ctl.dir, 'manifests');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, '10-pools.yaml'), POOLS);
  writeFileSync(join(dir, 'README.md'), 'not a manifest');
  writeFileSync(join(dir, 'sub', 'gnp.yml'), GNP);

  const flat = await ctl.run(['apply', '-f', dir]);
  assert.equal(flat.stdout, "Successfully applied 2 'IPPool' resource(s)\n", flat.stderr);
  const deep = await ctl.run(['apply', '-R', '-f', dir]);
  assert.equal(deep.stdout, 'Successfully applied 3 resource(s)\n', deep.stderr);

  const stdin = await ctl.run(['get', '-f', '-', '-o', 'name'], { stdin: GNP });
  assert.equal(stdin.stdout, 'globalnetworkpolicy.projectcalico.org/allow-ping\n', stdin.stderr);

  const json = JSON.stringify({
    apiVersion: 'projectcalico.org/v3',
    kind: 'GlobalNetworkSet',
    metadata: { name: 'dns-servers', labels: { role: 'dns' } },
    spec: { nets: ['192.0.2.53/32', '198.51.100.53/32'] },
  });
  const created = await ctl.run(['create', '-f', '-'], { stdin: json });
  assert.equal(created.stdout, "Successfully created 1 'GlobalNetworkSet' resource(s)\n", created.stderr);
  assert.equal((await ctl.run(['get', 'globalnetworksets', '-o', 'wide'])).stdout, 'NAME          NETS                             \ndns-servers   192.0.2.53/32,198.51.100.53/32   \n\n');

  const empty = await ctl.run(['apply', '-f', ctl.file('empty.yaml', '# nothing\n')]);
  assert.equal(empty.code, 1);
  assert.equal(empty.stderr, `No resources specified in file ${ctl.dir}/empty.yaml\n`);
  const skipEmpty = await ctl.run(['apply', '--skip-empty', '-f', ctl.file('empty.yaml', '# nothing\n')]);
  assert.equal(skipEmpty.code, 0);
  assert.equal(skipEmpty.stdout, 'No resources specified\n');
});

test('calicoctl delete refuses built-in tiers and tiers that still hold policies', async (t) => {
  const ctl = embeddedCalicoctl(t);
  const tiered = `apiVersion: projectcalico.org/v3
kind: Tier
metadata:
  name: security
spec:
  order: 100
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: security.block-metadata
spec:
  tier: security
  selector: all()
  egress:
    - action: Deny
      destination:
        nets: [169.254.169.254/32]
`;
  const file = ctl.file('tiered.yaml', tiered);
  assert.equal((await ctl.run(['apply', '-f', file])).code, 0);

  const builtin = await ctl.run(['delete', 'tier', 'default']);
  assert.equal(builtin.code, 1);
  assert.equal(
    builtin.stderr,
    `Failed to delete 'Tier' resource: operation delete is not supported on Tier(default): the built-in tier "default" cannot be deleted\n\n`,
  );

  const busy = await ctl.run(['delete', 'tier', 'security']);
  assert.equal(busy.code, 1);
  assert.match(busy.stderr, /Tier\(security\): tier "security" is not empty: GlobalNetworkPolicy\(security\.block-metadata\)/);
  assert.match((await ctl.run(['get', 'tiers', '-o', 'name'])).stdout, /tier\.projectcalico\.org\/security\n/);

  // Once its policies are gone the tier can go.
  assert.equal((await ctl.run(['delete', 'gnp', 'security.block-metadata'])).code, 0);
  const empty = await ctl.run(['delete', 'tier', 'security']);
  assert.equal(empty.stdout, "Successfully deleted 1 'Tier' resource(s)\n", empty.stderr);
});
