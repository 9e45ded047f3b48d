import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shardTableName, workloadShard } from './table.js';
import { NftablesDataplane } from './driver.js';
import { formatTable } from './format.js';
import { RecordingNftRunner } from './nft-runner.js';
import { RecordingIpRunner, RouteManager } from '../routes/route-manager.js';

function driver() {
  const runner = new RecordingNftRunner();
  const ip = new RecordingIpRunner();
  const applied: number[] = [];
  const dp = new NftablesDataplane({ runner, routes: new RouteManager(ip), families: ['ip'], autoApply: false, observer: { onApplied: (s) => applied.push(s) } });
  return { dp, runner, ip, applied };
}

test('NftablesDataplane writes nothing before in-sync, then a full replace, then increments', async () => {
  const { dp, runner, ip, applied } = driver();
  dp.onProfileUpdate('kns.x', { inbound: [{ action: 'allow', ruleId: 'a' }], outbound: [{ action: 'allow', ruleId: 'b' }] });
  dp.onWorkloadEndpointUpdate({ key: 'x/a', interfaceName: 'cali0123456789a', ipv4Nets: ['10.65.0.2/32'], ipv6Nets: [], tiers: [], profileIds: ['kns.x'] });
  dp.onRouteUpdate({ dst: '10.65.0.2/32', type: 'local-workload', interfaceName: 'cali0123456789a' });
  await dp.flush();
  assert.equal(runner.scripts.length, 0);
  dp.onInSync();
  await dp.flush();
  assert.equal(runner.scripts.length, 1);
  assert.match(runner.scripts[0]!, /^table ip calico\ndelete table ip calico/);
  assert.deepEqual(ip.batches, [['route replace 10.65.0.2/32 dev cali0123456789a scope link proto 80']]);
  assert.equal(applied.length, 1);

  dp.onIPSetAdded('s:x', 'net');
  dp.onIPSetMembersAdded('s:x', ['10.65.0.2/32']);
  dp.onPolicyUpdate('np/x/p', { kind: 'np', namespace: 'x', name: 'p', tier: 'default' }, { inbound: [{ action: 'allow', srcIPSetIds: ['s:x'], ruleId: 'r' }], outbound: [] });
  dp.onWorkloadEndpointUpdate({
    key: 'x/a', interfaceName: 'cali0123456789a', ipv4Nets: ['10.65.0.2/32'], ipv6Nets: [], profileIds: ['kns.x'],
    tiers: [{ name: 'default', ingressPolicies: ['np/x/p'], egressPolicies: [], defaultAction: 'Deny' }],
  });
  await dp.flush();
  assert.equal(runner.scripts.length, 2);
  // Workload chains, and the policies and IP sets they use, live in the interface's shard table.
  const shard = shardTableName(workloadShard('cali0123456789a'));
  assert.ok(runner.scripts[1]!.includes(`add set ip ${shard} cali40s-x {`));
  assert.ok(runner.scripts[1]!.includes(`add rule ip ${shard} cali-pi-np/x/p ip saddr @cali40s-x`));
  assert.ok(runner.scripts[1]!.includes(`add rule ip ${shard} cali-tw-cali0123456789a meta mark & 0x30000 == 0x0 jump cali-pi-np/x/p`));
  assert.equal(dp.activeLocalEndpoints, 1);
  assert.equal(dp.activeLocalPolicies, 1);

  dp.onWorkloadEndpointRemoved('x/a');
  dp.onRouteRemoved('10.65.0.2/32');
  await dp.flush();
  assert.ok(runner.scripts[2]!.includes(`delete element ip ${shard} cali-to-wl-dispatch { "cali0123456789a" }`));
  assert.ok(runner.scripts[2]!.includes(`delete chain ip ${shard} cali-tw-cali0123456789a`));
  assert.deepEqual(ip.batches.at(-1), ['route del 10.65.0.2/32 proto 80']);
});

test('RouteManager retries a route whose interface was missing', async () => {
  const ip = new RecordingIpRunner();
  const rm = new RouteManager(ip);
  ip.failing.add('10.65.0.9/32');
  rm.setRoute('10.65.0.9', 'cali1');
  await rm.apply();
  assert.equal(rm.pending, 1);
  ip.failing.clear();
  await rm.apply();
  assert.equal(rm.pending, 0);
  assert.equal(ip.batches.length, 2);
  // Resync deletes proto-80 routes nobody wants.
  ip.routes = [{ dst: '10.65.0.9/32', dev: 'cali1' }, { dst: '10.65.7.7/32', dev: 'cali7' }];
  await rm.resync();
  assert.deepEqual(ip.batches.at(-1), ['route del 10.65.7.7/32 proto 80']);
});

test('policy edits send only the edited chains, and what is applied always equals a full rendering', async () => {
  const runner = new RecordingNftRunner();
  const dp = new NftablesDataplane({ runner, families: ['ip', 'ip6'], autoApply: false });
  const id = (name: string) => ({ kind: 'np' as const, namespace: 'x', name, tier: 'default' });
  const allow = (port: number) => [{ action: 'allow' as const, protocol: 'tcp', dstPorts: [{ first: port, last: port }], ruleId: `r${port}` }];
  dp.onProfileUpdate('kns.x', { inbound: [], outbound: [] });
  dp.onPolicyUpdate('np/x/a', id('a'), { inbound: allow(80), outbound: [] });
  dp.onPolicyUpdate('np/x/b', id('b'), { inbound: allow(81), outbound: [] });
  dp.onWorkloadEndpointUpdate({
    key: 'x/w', interfaceName: 'cali0123456789a', ipv4Nets: ['10.65.0.2/32'], ipv6Nets: [], profileIds: ['kns.x'],
    tiers: [{ name: 'default', ingressPolicies: ['np/x/a'], egressPolicies: [], defaultAction: 'Deny' }],
  });
  dp.onInSync();
  await dp.flush();
  const check = (): void => {
    const full = dp.render().map(formatTable);
    assert.deepEqual(dp.applied!.map(formatTable), full);
  };
  check();
  const last = (): string[] => runner.scripts.at(-1)!.split('\n').filter(Boolean);

  // A rule edit: just that chain, in the endpoint's shard (it has no IPv6 address, so none in ip6).
  const shard = shardTableName(workloadShard('cali0123456789a'));
  dp.onPolicyUpdate('np/x/a', id('a'), { inbound: allow(8080), outbound: [] });
  await dp.flush();
  assert.deepEqual(last().map((l) => l.split(' ').slice(0, 5).join(' ')), [`flush chain ip ${shard} cali-pi-np/x/a`, `add rule ip ${shard} cali-pi-np/x/a`]);
  check();
  // Emptied but still referenced by the endpoint: the chain stays, empty.
  dp.onPolicyUpdate('np/x/a', id('a'), { inbound: [], outbound: [] });
  await dp.flush();
  assert.deepEqual(last(), [`flush chain ip ${shard} cali-pi-np/x/a`]);
  check();
  dp.onPolicyUpdate('np/x/a', id('a'), { inbound: allow(443), outbound: [] });
  await dp.flush();
  assert.equal(last().length, 2);
  check();
  // A policy no endpoint uses is in no table: editing it writes nothing...
  const written = runner.scripts.length;
  dp.onPolicyUpdate('np/x/b', id('b'), { inbound: [], outbound: allow(53) });
  await dp.flush();
  assert.equal(runner.scripts.length, written);
  check();
  // ...until an endpoint uses it.
  dp.onWorkloadEndpointUpdate({
    key: 'x/w', interfaceName: 'cali0123456789a', ipv4Nets: ['10.65.0.2/32'], ipv6Nets: [], profileIds: ['kns.x'],
    tiers: [{ name: 'default', ingressPolicies: ['np/x/a'], egressPolicies: ['np/x/b'], defaultAction: 'Deny' }],
  });
  await dp.flush();
  assert.ok(runner.scripts.at(-1)!.includes(`add chain ip ${shard} cali-po-np/x/b`));
  check();
  // An edit mixed with another change, and an edit after a failed write, both go through the full diff.
  dp.onPolicyUpdate('np/x/b', id('b'), { inbound: [], outbound: allow(54) });
  dp.onIPPoolUpdate('p', { cidr: '10.65.0.0/16', natOutgoing: true, vxlanMode: 'Never', disabled: false });
  await dp.flush();
  check();
  runner.failNext(1);
  dp.onPolicyUpdate('np/x/b', id('b'), { inbound: [], outbound: allow(55) });
  await dp.flush();
  check();
  // The recovery is a full replace of each table.
  assert.match(runner.scripts.at(-2)!, /^table ip calico\ndelete table ip calico/);
  assert.match(runner.scripts.at(-1)!, /^table ip6 calico\ndelete table ip6 calico/);
});

test('IP set member changes send only those elements; an endpoint re-sent unchanged (a label change) sends nothing', async () => {
  const runner = new RecordingNftRunner();
  const dp = new NftablesDataplane({ runner, families: ['ip', 'ip6'], autoApply: false });
  const ep = {
    key: 'x/w', interfaceName: 'cali0123456789a', ipv4Nets: ['10.65.0.2/32'], ipv6Nets: [], profileIds: ['kns.x'],
    tiers: [{ name: 'default', ingressPolicies: ['np/x/a'], egressPolicies: [], defaultAction: 'Deny' as const }],
  };
  dp.onProfileUpdate('kns.x', { inbound: [], outbound: [] });
  dp.onIPSetAdded('s:a', 'net');
  dp.onIPSetMembersAdded('s:a', ['10.65.0.7/32']);
  dp.onPolicyUpdate('np/x/a', { kind: 'np', namespace: 'x', name: 'a', tier: 'default' }, { inbound: [{ action: 'allow', srcIPSetIds: ['s:a'], ruleId: 'r' }], outbound: [] });
  dp.onWorkloadEndpointUpdate(ep);
  dp.onInSync();
  await dp.flush();
  const written = runner.scripts.length;
  const shard = shardTableName(workloadShard('cali0123456789a'));

  dp.onWorkloadEndpointUpdate({ ...ep });
  dp.onIPSetMembersRemoved('s:a', ['10.65.0.7/32']);
  dp.onIPSetMembersAdded('s:a', ['10.65.0.8/32', '10.65.0.9/32']);
  await dp.flush();
  assert.equal(runner.scripts.length, written + 1);
  assert.deepEqual(runner.scripts.at(-1)!.split('\n').filter(Boolean), [
    `delete element ip ${shard} cali40s-a { 10.65.0.7 }`,
    `add element ip ${shard} cali40s-a { 10.65.0.8, 10.65.0.9 }`,
  ]);
  assert.deepEqual(dp.applied!.map(formatTable), dp.render().map(formatTable));

  // The endpoint alone, unchanged: nothing to write.
  dp.onWorkloadEndpointUpdate({ ...ep, tiers: [...ep.tiers] });
  await dp.flush();
  assert.equal(runner.scripts.length, written + 1);
});
