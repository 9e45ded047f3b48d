import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { embeddedCalicoctl } from './_calicoctl.js';
import { POOLS } from './fixtures.js';

test('calicoctl patch applies merge and JSON patches with validation', async (t) => {
  const ctl = embeddedCalicoctl(t);
  await ctl.run(['apply', '-f', ctl.file('pools.yaml', POOLS)]);

  const merge = await ctl.run(['patch', 'ippool', 'pool-a', '-p', '{"spec":{"disabled":true}}']);
  assert.equal(merge.code, 0, merge.stderr);
  assert.equal(merge.stdout, "Successfully patched 1 'IPPool' resource\n");
  let pool = parse((await ctl.run(['get', 'ippool', 'pool-a', '-o', 'yaml'])).stdout);
  assert.equal(pool.spec.disabled, true);
  assert.equal(pool.spec.natOutgoing, true, 'untouched fields stay');

  const json = await ctl.run(['patch', 'pool', 'pool-a', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/ipipMode","value":"CrossSubnet"}]']);
  assert.equal(json.code, 0, json.stderr);
  pool = parse((await ctl.run(['get', 'ippool', 'pool-a', '-o', 'yaml'])).stdout);
  assert.equal(pool.spec.ipipMode, 'CrossSubnet');

  const strategic = await ctl.run(['patch', 'ippool', 'pool-b', '-t', 'strategic', '-p', '{"spec":{"natOutgoing":true}}']);
  assert.equal(strategic.code, 0, strategic.stderr);
  assert.match(strategic.stderr, /applied as a JSON merge patch/);

  const invalid = await ctl.run(['patch', 'ippool', 'pool-b', '-p', '{"spec":{"vxlanMode":"Sometimes"}}']);
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /^Hit error: updating existing resource: .*spec\.vxlanMode/);
  assert.equal(parse((await ctl.run(['get', 'ippool', 'pool-b', '-o', 'yaml'])).stdout).spec.vxlanMode, 'Never');

  // Several bad fields: one line each, as for apply.
  const twoBad = await ctl.run(['patch', 'ippool', 'pool-b', '-p', '{"spec":{"vxlanMode":"Sometimes","blockSize":40}}']);
  assert.equal(twoBad.code, 1);
  assert.equal(
    twoBad.stderr,
    [
      'Hit error: updating existing resource: error with the following fields of IPPool(pool-b):',
      '-  spec.blockSize: IPv4 block size must be between 20 and 32 (value 40)',
      '-  spec.vxlanMode: must be one of "Never", "Always", "CrossSubnet" (value "Sometimes")',
      '',
    ].join('\n'),
  );

  const missing = await ctl.run(['patch', 'ippool', 'nope', '-p', '{}']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^Hit error: resource does not exist: IPPool\(nope\)/);
});

test('calicoctl label sets, overwrites and removes labels with calicoctl messages', async (t) => {
  const ctl = embeddedCalicoctl(t);
  await ctl.run(['apply', '-f', ctl.file('pools.yaml', POOLS)]);

  const set = await ctl.run(['label', 'ippools', 'pool-a', 'zone=east']);
  assert.equal(set.stdout, 'Successfully set label zone on ippools pool-a\n', set.stderr);
  const clash = await ctl.run(['label', 'ippools', 'pool-a', 'zone=west']);
  assert.equal(clash.code, 1);
  assert.equal(
    clash.stderr,
    "failed to update label of ippools pool-a, key zone is already present. please use '--overwrite' to set a new value.\n",
  );
  const over = await ctl.run(['label', 'ippools', 'pool-a', 'zone=west', '--overwrite']);
  assert.equal(over.stdout, 'Successfully updated label zone on ippools pool-a\n', over.stderr);
  assert.deepEqual(parse((await ctl.run(['get', 'ippool', 'pool-a', '-o', 'yaml'])).stdout).metadata.labels, { zone: 'west' });

  const removed = await ctl.run(['label', 'ippools', 'pool-a', 'zone', '--remove']);
  assert.equal(removed.stdout, 'Successfully removed label zone from ippools pool-a\n', removed.stderr);
  const again = await ctl.run(['label', 'ippools', 'pool-a', 'zone', '--remove']);
  assert.equal(again.code, 1);
  assert.equal(again.stderr, 'cannot remove label of ippools pool-a, key zone does not exist\n');

  const missing = await ctl.run(['label', 'ippool', 'nope', 'a=b']);
  assert.equal(missing.stderr, 'ippool nope not found\n');
  const badValue = await ctl.run(['label', 'ippool', 'pool-b', 'a=not a valid value']);
  assert.equal(badValue.code, 1);
  assert.match(badValue.stderr, /^failed to update ippool pool-b, label not changed: .*metadata\.labels/);
});
