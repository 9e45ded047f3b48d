import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NftablesDataplane } from './driver.js';
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
  assert.match(runner.scripts[1]!, /add set ip calico cali40s-x \{/);
  assert.match(runner.scripts[1]!, /add rule ip calico cali-pi-np\/x\/p ip saddr @cali40s-x/);
  assert.match(runner.scripts[1]!, /add rule ip calico cali-tw-cali0123456789a meta mark & 0x30000 == 0x0 jump cali-pi-np\/x\/p/);
  assert.equal(dp.activeLocalEndpoints, 1);
  assert.equal(dp.activeLocalPolicies, 1);

  dp.onWorkloadEndpointRemoved('x/a');
  dp.onRouteRemoved('10.65.0.2/32');
  await dp.flush();
  assert.match(runner.scripts[2]!, /delete element ip calico cali-to-wl-dispatch \{ "cali0123456789a" \}/);
  assert.match(runner.scripts[2]!, /delete chain ip calico cali-tw-cali0123456789a/);
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
