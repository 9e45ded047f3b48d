import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryDatastore } from '../datastore/memory.js';
import { loadAgentSettings } from './felix-config.js';
import { createFelixMetrics } from './metrics.js';

async function withConfig(specs: Record<string, Record<string, unknown>>): Promise<MemoryDatastore> {
  const ds = new MemoryDatastore();
  for (const [name, spec] of Object.entries(specs)) {
    await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name }, spec });
  }
  return ds;
}

test('loadAgentSettings() uses Felix defaults without FelixConfiguration', async () => {
  const s = await loadAgentSettings(new MemoryDatastore(), 'node1', {});
  assert.deepEqual(s, {
    healthEnabled: false, healthHost: 'localhost', healthPort: 9099,
    prometheusMetricsEnabled: false, prometheusMetricsHost: '', prometheusMetricsPort: 9091, ipv6Support: true,
  });
});

test('loadAgentSettings(): node.<name> overrides default, FELIX_* env overrides both', async () => {
  const ds = await withConfig({ default: { healthEnabled: true, healthPort: 9000 }, 'node.node1': { healthPort: 9001, ipv6Support: false } });
  const s = await loadAgentSettings(ds, 'node1', { FELIX_HEALTHHOST: '127.0.0.1' });
  assert.equal(s.healthEnabled, true);
  assert.equal(s.healthPort, 9001);
  assert.equal(s.ipv6Support, false);
  assert.equal(s.healthHost, '127.0.0.1');
  const e = await loadAgentSettings(ds, 'node2', { FELIX_HEALTHPORT: '9100', FELIX_IPTABLESREFRESHINTERVAL: '2' });
  assert.equal(e.healthPort, 9100);
  assert.equal(e.refreshIntervalSeconds, 2);
});

test('loadAgentSettings() names the bad environment variable', async () => {
  await assert.rejects(loadAgentSettings(new MemoryDatastore(), 'n', { FELIX_HEALTHPORT: 'abc' }), /FELIX_HEALTHPORT: must be a port number/);
  await assert.rejects(loadAgentSettings(new MemoryDatastore(), 'n', { FELIX_HEALTHENABLED: 'maybe' }), /FELIX_HEALTHENABLED: must be true or false/);
});

test('createFelixMetrics() exposes Felix metric names', async () => {
  const m = createFelixMetrics();
  m.nftCalls.inc(2);
  m.applyTime.observe(0.004);
  const text = await m.registry.metrics();
  for (const name of [
    'felix_int_dataplane_apply_time_seconds', 'felix_active_local_endpoints', 'felix_active_local_policies',
    'felix_cluster_num_policies', 'felix_cluster_num_workload_endpoints', 'felix_int_dataplane_failures',
    'felix_resyncs_started', 'felix_nft_calls', 'felix_calc_graph_update_time_seconds', 'felix_ipsets_calico',
  ]) assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  assert.match(text, /^felix_nft_calls 2$/m);
});
