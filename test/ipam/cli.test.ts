import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ClusterInformation } from '../../src/api/types.js';
import { checkCommand, configureCommand, ipamCommands, releaseCommand, showCommand } from '../../src/cli/commands/ipam/index.js';
import type { CheckReport } from '../../src/cli/commands/ipam/_report.js';
import { MemoryDatastore } from '../../src/datastore/memory.js';
import { IPAMClient } from '../../src/ipam/ipam-client.js';
import { createNode, createPool, v3 } from './_backends.js';
import { runVerb } from './_cli.js';

/** Two pools; n1 holds 5 addresses of the big pool and borrows one from n2's block in the small one. */
async function cluster(): Promise<{ ds: MemoryDatastore; c: IPAMClient }> {
  const ds = new MemoryDatastore();
  await createPool(ds, 'default-ipv4-ippool', { cidr: '192.168.0.0/16' });
  await createPool(ds, 'small', { cidr: '10.0.0.0/28', blockSize: 28 });
  await createNode(ds, 'n1');
  await createNode(ds, 'n2');
  const c = new IPAMClient(ds);
  await c.autoAssign({ num4: 5, handleId: 'h1', hostname: 'n1', attrs: { pod: 'p1', namespace: 'ns', node: 'n1' } });
  await c.autoAssign({ num4: 2, handleId: 'h2', hostname: 'n2', ipv4Pools: ['small'], attrs: { node: 'n2', type: 'vxlanTunnelAddress' } });
  await c.autoAssign({ num4: 1, handleId: 'h3', hostname: 'n1', ipv4Pools: ['small'], attrs: { pod: 'p3', namespace: 'ns', node: 'n1' } });
  return { ds, c };
}

test('ipamCommands registers the four verbs', () => {
  assert.deepEqual(ipamCommands.map((c) => c.name.join(' ')), ['ipam show', 'ipam check', 'ipam release', 'ipam configure']);
  for (const c of ipamCommands) assert.match(c.usage, /^Usage:\n  calicoctl ipam /);
});

test('ipam show prints pool and block utilisation in a bordered table', async () => {
  const { ds } = await cluster();
  await ds.create(v3('IPReservation', 'r', { reservedCIDRs: ['10.0.0.12/30'] }));
  const r = await runVerb(showCommand, ['--show-blocks'], ds);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, [
    '+----------+-----------------+-----------+------------+--------------+--------------+',
    '| GROUPING | CIDR            | IPS TOTAL | IPS IN USE | IPS RESERVED | IPS FREE     |',
    '+----------+-----------------+-----------+------------+--------------+--------------+',
    '| IP Pool  | 192.168.0.0/16  |     65536 |     5 (0%) |       0 (0%) | 65531 (100%) |',
    '| Block    | 192.168.48.0/26 |        64 |     5 (8%) |       0 (0%) |     59 (92%) |',
    '| IP Pool  | 10.0.0.0/28     |        16 |    3 (19%) |      4 (25%) |      9 (56%) |',
    '| Block    | 10.0.0.0/28     |        16 |    3 (19%) |      4 (25%) |      9 (56%) |',
    '+----------+-----------------+-----------+------------+--------------+--------------+',
    '',
  ].join('\n'));
  const pools = await runVerb(showCommand, [], ds);
  assert.doesNotMatch(pools.stdout, /Block/);
});

test('ipam show --ip reports the owner or that the address is free', async () => {
  const { ds } = await cluster();
  assert.equal((await runVerb(showCommand, ['--ip=10.0.0.2'], ds)).stdout,
    'IP 10.0.0.2 is in use\nHandle ID: h3\nActive Owner Attributes:\n  namespace: ns\n  node: n1\n  pod: p3\n');
  assert.equal((await runVerb(showCommand, ['--ip', '10.0.0.9'], ds)).stdout, '10.0.0.9 is not assigned\n');
  const bad = await runVerb(showCommand, ['--ip=10.0.0.300'], ds);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /invalid IP address specified: 10.0.0.300/);
});

test('ipam show --show-borrowed and --show-configuration', async () => {
  const { ds } = await cluster();
  assert.equal((await runVerb(showCommand, ['--show-borrowed'], ds)).stdout, [
    '+----------+----------------+-------------+-------------+------+--------------+',
    '| IP       | BORROWING-NODE | BLOCK       | BLOCK OWNER | TYPE | ALLOCATED-TO |',
    '+----------+----------------+-------------+-------------+------+--------------+',
    '| 10.0.0.2 | n1             | 10.0.0.0/28 | n2          | pod  | ns/p3        |',
    '+----------+----------------+-------------+-------------+------+--------------+',
    '',
  ].join('\n'));
  assert.equal((await runVerb(showCommand, ['--show-configuration'], ds)).stdout, [
    '+--------------------+-------+',
    '| PROPERTY           | VALUE |',
    '+--------------------+-------+',
    '| StrictAffinity     | false |',
    '| AutoAllocateBlocks | true  |',
    '| MaxBlocksPerHost   | 0     |',
    '+--------------------+-------+',
    '',
  ].join('\n'));
});

test('ipam configure sets strict affinity and the block cap', async () => {
  const ds = new MemoryDatastore();
  const r = await runVerb(configureCommand, ['--strictaffinity=true', '--max-blocks-per-host=4'], ds);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Successfully set StrictAffinity to: true\nSuccessfully set MaxBlocksPerHost to: 4\n');
  assert.deepEqual(await new IPAMClient(ds).getIPAMConfig(), { strictAffinity: true, maxBlocksPerHost: 4, autoAllocateBlocks: true });
  // Each bad input names what to fix.
  const cases: Array<[string[], RegExp]> = [
    [['--strictaffinity=maybe'], /invalid value. Use true or false to set strictaffinity/],
    [['--max-blocks-per-host=many'], /invalid value for maxblockhost. Use a valid number/],
    [['--max-blocks-per-host=-1'], /maxBlocksPerHost must be between 0 and 1000000/],
    [[], /at least one configuration option must be specified/],
  ];
  for (const [argv, msg] of cases) {
    const bad = await runVerb(configureCommand, argv, ds);
    assert.equal(bad.code, 1, argv.join(' '));
    assert.match(bad.stderr, msg);
  }
  await assert.rejects(runVerb(configureCommand, ['--bogus'], ds), /unknown option --bogus/);
});

test('ipam check finds leaks, unallocated in-use addresses and addresses outside pools', async () => {
  const { ds } = await cluster();
  await ds.create(v3('WorkloadEndpoint', 'n1-k8s-p1-eth0', { pod: 'p1', node: 'n1', ipNetworks: ['192.168.48.0/32', '192.168.48.1/32', '192.168.48.2/32', '192.168.48.3/32', '192.168.48.4/32'] }, { namespace: 'ns' }));
  await ds.create(v3('WorkloadEndpoint', 'n1-k8s-p9-eth0', { pod: 'p9', node: 'n1', ipNetworks: ['192.168.200.1/32', '172.16.0.1/32'] }, { namespace: 'ns' }));
  const n2 = await ds.get({ kind: 'Node', name: 'n2' });
  await ds.update({ ...n2, spec: { ipv4VXLANTunnelAddr: '10.0.0.0' } });
  const r = await runVerb(checkCommand, ['--show-problem-ips'], ds);
  assert.equal(r.code, 0, r.stderr);
  for (const line of [
    'Found 2 IPAM blocks.',
    'IPAM blocks record 8 allocations.',
    'Found 1 node tunnel IPs.',
    'Found 7 workload IPs.',
    '  10.0.0.1 leaked; attrs Main:h2 Extra:node=n2,type=vxlanTunnelAddress',
    '  10.0.0.2 leaked; attrs Main:h3 Extra:namespace=ns,node=n1,pod=p3',
    'Found 2 IPs that are allocated in IPAM but not actually in use.',
    '  172.16.0.1 in use by Workload(ns/n1-k8s-p9-eth0) is not in any active IP pool.',
    '  192.168.200.1 in use by Workload(ns/n1-k8s-p9-eth0) and in active IPAM pool but has no IPAM allocation.',
    'Found 1 in-use IPs that are not in active IP pools.',
    'Found 1 in-use IPs that are in active IP pools but have no corresponding IPAM allocation.',
    'Found 0 handles with no matching IPs (and 3 handles with matches).',
    'Check complete; found 4 problems.',
  ]) assert.ok(r.stdout.split('\n').includes(line), `missing line: ${line}\n${r.stdout}`);
});

async function lock(ds: MemoryDatastore, ready: boolean): Promise<void> {
  try {
    const ci = await ds.get<ClusterInformation>({ kind: 'ClusterInformation', name: 'default' });
    await ds.update({ ...ci, spec: { ...ci.spec, datastoreReady: ready } });
  } catch {
    await ds.create(v3('ClusterInformation', 'default', { clusterGUID: 'guid-1', clusterType: 'typha,kdd', datastoreReady: ready }));
  }
}

test('ipam check -o and release --from-report release exactly the reported leaks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipam-report-'));
  try {
    const { ds, c } = await cluster();
    await ds.create(v3('WorkloadEndpoint', 'w1', { pod: 'p1', node: 'n1', ipNetworks: ['192.168.48.0', '192.168.48.1', '192.168.48.2', '192.168.48.3', '192.168.48.4'] }, { namespace: 'ns' }));
    await ds.create(v3('IPAMHandle', 'orphan', { handleID: 'orphan', block: {}, deleted: false }));
    await lock(ds, true);
    const report = join(dir, 'report.json');
    assert.equal((await runVerb(checkCommand, ['-o', report], ds)).code, 0);
    const parsed = JSON.parse(readFileSync(report, 'utf8')) as CheckReport;
    assert.equal(parsed.clusterGUID, 'guid-1');
    assert.equal(parsed.datastoreLocked, false);
    assert.deepEqual(Object.values(parsed.allocations).flat().filter((a) => !a.inUse).map((a) => a.ip), ['10.0.0.0', '10.0.0.1', '10.0.0.2']);
    assert.deepEqual(parsed.leakedHandles?.map((h) => h.ID), ['orphan']);

    // Not locked: refused unless forced.
    const refused = await runVerb(releaseCommand, [`--from-report=${report}`], ds);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /data store is not locked. Either lock the data store, or re-run with --force/);
    // Another cluster's report is refused even with --force.
    const other = join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ ...parsed, clusterGUID: 'guid-2' }));
    assert.match((await runVerb(releaseCommand, ['--from-report', other, '--force'], ds)).stderr, /mismatched cluster GUID. Refusing to release/);

    // 10.0.0.2 is re-allocated after the report: its sequence number no longer matches, so it stays.
    await c.releaseIPs([{ ip: '10.0.0.2' }]);
    await c.assignIP({ ip: '10.0.0.2', handleId: 'new-owner', hostname: 'n1' });
    const ok = await runVerb(releaseCommand, [`--from-report=${report}`, '--force'], ds);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, [
      'WARNING: Data store is not locked. Ignoring due to --force option',
      'Releasing 3 old IPs...',
      'Released 2 IPs successfully',
      '1 addresses marked as leaked in the report had already been cleaned up.',
      'Deleting 1 handles...',
      "Key: '.' = Deleted OK; 'x' = skip, handle missing/changed.",
      '.',
      'Released 1 handles; 0 skipped; 0 errors.',
      'You may now unlock the data store.',
      '',
    ].join('\n'));
    assert.equal((await c.getAssignmentAttributes('10.0.0.2'))?.handleId, 'new-owner');
    assert.equal(await c.getAssignmentAttributes('10.0.0.0'), undefined);
    assert.equal(await c.store.getHandle('orphan'), undefined);

    // A stale report (cluster information changed since) is refused.
    await lock(ds, false);
    assert.match((await runVerb(releaseCommand, [`--from-report=${report}`], ds)).stderr, /the provided reports are all stale/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ipam release --ip frees one address', async () => {
  const { ds, c } = await cluster();
  const ok = await runVerb(releaseCommand, ['--ip=10.0.0.2'], ds);
  assert.deepEqual([ok.code, ok.stdout], [0, 'Successfully released IP address 10.0.0.2\n']);
  assert.equal(await c.getAssignmentAttributes('10.0.0.2'), undefined);
  const again = await runVerb(releaseCommand, ['--ip=10.0.0.2'], ds);
  assert.deepEqual([again.code, again.stderr], [1, 'IP address 10.0.0.2 is not assigned\n']);
  await assert.rejects(runVerb(releaseCommand, [], ds), /one of --ip or --from-report is required/);
});
