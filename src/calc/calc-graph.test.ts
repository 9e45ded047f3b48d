import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Resource } from '../api/types.js';
import { buildCalcGraph } from './calc-graph.js';
import { RecordingCallbacks } from './recording-callbacks.js';
import type { Update } from './types.js';

const API = 'projectcalico.org/v3';

function wep(name: string, node: string, ip: string, labels: Record<string, string>): Update<Resource> {
  return {
    kind: 'WorkloadEndpoint',
    key: `ns1/${name}`,
    value: {
      apiVersion: API,
      kind: 'WorkloadEndpoint',
      metadata: { name, namespace: 'ns1', labels },
      spec: { node, orchestrator: 'k8s', interfaceName: `cali${name}`, ipNetworks: [`${ip}/32`], profiles: ['kns.ns1'] },
    },
  };
}

function gnp(name: string, spec: Record<string, unknown>): Update<Resource> {
  return { kind: 'GlobalNetworkPolicy', key: name, value: { apiVersion: API, kind: 'GlobalNetworkPolicy', metadata: { name }, spec } };
}

const profile: Update<Resource> = {
  kind: 'Profile',
  key: 'kns.ns1',
  value: { apiVersion: API, kind: 'Profile', metadata: { name: 'kns.ns1' }, spec: { ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }] } },
};

/** A graph with 50 local and 500 remote workloads and 20 policies, flushed and in sync. */
function bigGraph() {
  const rec = new RecordingCallbacks();
  const graph = buildCalcGraph('node1', rec);
  graph.onUpdate(profile);
  for (let i = 0; i < 50; i++) graph.onUpdate(wep(`l${i}`, 'node1', `10.65.0.${i + 1}`, { app: `app${i % 10}` }));
  for (let i = 0; i < 500; i++) graph.onUpdate(wep(`r${i}`, 'node2', `10.66.${i >> 8}.${i & 255}`, { app: `app${i % 10}` }));
  for (let i = 0; i < 20; i++) {
    graph.onUpdate(gnp(`p${i}`, { selector: `app == 'app${i % 10}'`, ingress: [{ action: 'Allow', source: { selector: `app == 'app${(i + 1) % 10}'` } }] }));
  }
  graph.onStatusUpdate('in-sync');
  graph.flush();
  rec.counts.clear();
  return { rec, graph };
}

const calls = (rec: RecordingCallbacks): Record<string, number> => Object.fromEntries([...rec.counts].sort());

describe('buildCalcGraph()', () => {
  it('a remote endpoint IP change only changes IP set members', () => {
    const { rec, graph } = bigGraph();
    graph.onUpdate(wep('r7', 'node2', '10.99.0.7', { app: 'app7' }));
    graph.flush();
    // app7 is the source selector of p6 and p16: one set, one removal and one addition.
    assert.deepEqual(calls(rec), { onIPSetMembersAdded: 1, onIPSetMembersRemoved: 1 });
  });

  it('a rule change re-sends only that policy', () => {
    const { rec, graph } = bigGraph();
    graph.onUpdate(gnp('p3', { selector: "app == 'app3'", ingress: [{ action: 'Deny', source: { selector: "app == 'app4'" } }] }));
    graph.flush();
    assert.deepEqual(calls(rec), { onPolicyUpdate: 1 });
  });

  it('a local label change re-resolves only that endpoint', () => {
    const { rec, graph } = bigGraph();
    graph.onUpdate(wep('l3', 'node1', '10.65.0.4', { app: 'app4' }));
    graph.flush();
    // l3 leaves the app3 set and joins the app4 set; only its own tiers change.
    assert.deepEqual(calls(rec), { onIPSetMembersAdded: 1, onIPSetMembersRemoved: 1, onWorkloadEndpointUpdate: 1 });
  });

  it('re-sending an unchanged object emits nothing', () => {
    const { rec, graph } = bigGraph();
    graph.onUpdate(wep('l3', 'node1', '10.65.0.4', { app: 'app3' }));
    graph.onUpdate(gnp('p3', { selector: "app == 'app3'", ingress: [{ action: 'Allow', source: { selector: "app == 'app4'" } }] }));
    graph.onUpdate(profile);
    graph.flush();
    assert.deepEqual(calls(rec), {});
  });

  it('holds endpoints until in sync', () => {
    const rec = new RecordingCallbacks();
    const graph = buildCalcGraph('node1', rec);
    graph.onUpdate(profile);
    graph.onUpdate(wep('l1', 'node1', '10.65.0.1', {}));
    graph.flush();
    assert.equal(rec.workloadEndpoints.size, 0);
    assert.equal(rec.config, undefined);
    graph.onStatusUpdate('in-sync');
    graph.flush();
    assert.equal(rec.workloadEndpoints.size, 1);
    assert.ok(rec.config);
    assert.equal(rec.inSync, true);
  });

  it('treats a policy the model rejects as deleted and reports it', () => {
    const invalid: string[] = [];
    const rec = new RecordingCallbacks();
    const graph = buildCalcGraph('node1', rec, { onInvalid: (kind, key, err) => invalid.push(`${kind} ${key}: ${(err as Error).message}`) });
    graph.onUpdate(profile);
    graph.onUpdate(wep('l1', 'node1', '10.65.0.1', { app: 'web' }));
    graph.onUpdate(gnp('p', { selector: "app == 'web'", ingress: [{ action: 'Allow' }] }));
    graph.onStatusUpdate('in-sync');
    graph.flush();
    assert.ok(rec.policies.has('gnp/p'));
    graph.onUpdate(gnp('p', { selector: "app == 'web'", ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [0] } }] }));
    graph.flush();
    assert.equal(rec.policies.has('gnp/p'), false, 'fails closed: the old rules are gone');
    assert.equal(invalid.length, 1);
    assert.match(invalid[0]!, /^GlobalNetworkPolicy p: .*spec\.ingress\[0\]\.destination\.ports\[0\]/);
  });

  it('reports stats and ClusterInformation', () => {
    const { graph } = bigGraph();
    graph.onUpdate({
      kind: 'ClusterInformation',
      key: 'default',
      value: { apiVersion: API, kind: 'ClusterInformation', metadata: { name: 'default' }, spec: { datastoreReady: false } },
    });
    assert.equal(graph.clusterInformation()?.datastoreReady, false);
    assert.deepEqual(graph.stats(), { activeLocalPolicies: 20, activeIPSets: 10, pendingEvents: 0 });
  });
});
