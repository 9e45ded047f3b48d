import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Resource } from '../../src/api/types.js';
import { RecordingCallbacks } from '../../src/calc/recording-callbacks.js';
import { startCalcPipeline } from '../../src/calc/pipeline.js';
import { Syncer } from '../../src/calc/syncer.js';
import { FELIX_KINDS, type ResourceUpdate, type SyncStatus } from '../../src/calc/types.js';
import { MemoryDatastore } from '../../src/datastore/memory.js';
import { FlakyDatastore } from './flaky-datastore.js';
import { gnp, netset, nsProfile, wep } from './resources.js';

/** What the syncer has told its consumer, as a key → value map. */
class Sink {
  readonly state = new Map<string, Resource>();
  readonly statuses: SyncStatus[] = [];
  readonly updates: ResourceUpdate[] = [];
  onUpdate(u: ResourceUpdate): void {
    this.updates.push(u);
    const id = `${u.kind}|${u.key}`;
    if (u.value) this.state.set(id, u.value);
    else {
      assert.ok(this.state.has(id), `deletion of ${id}, which was never reported`);
      this.state.delete(id);
    }
  }
  onStatusUpdate(s: SyncStatus): void {
    this.statuses.push(s);
  }
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The datastore's Felix-relevant content, as the sink should hold it. */
async function datastoreState(ds: MemoryDatastore): Promise<Map<string, Resource>> {
  const out = new Map<string, Resource>();
  for (const kind of FELIX_KINDS) {
    for (const item of (await ds.list({ kind })).items) {
      out.set(`${kind}|${item.metadata.namespace ? `${item.metadata.namespace}/` : ''}${item.metadata.name}`, item);
    }
  }
  return out;
}

async function matches(sink: Sink, ds: MemoryDatastore): Promise<boolean> {
  const want = await datastoreState(ds);
  if (want.size !== sink.state.size) return false;
  for (const [id, r] of want) if (sink.state.get(id)?.metadata.resourceVersion !== r.metadata.resourceVersion) return false;
  return true;
}

const value = (u: ResourceUpdate): Resource => u.value!;

describe('Syncer', () => {
  it('lists, reports in-sync, then follows the watch', async () => {
    const ds = new MemoryDatastore();
    await ds.create(value(nsProfile('ns1')));
    await ds.create(value(wep('w1', { ips: ['10.65.0.1'] })));
    await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'BGPConfiguration', metadata: { name: 'default' }, spec: {} });
    const sink = new Sink();
    const syncer = new Syncer(ds, sink);
    syncer.start();
    try {
      await waitFor('in-sync', () => sink.statuses.includes('in-sync'));
      assert.deepEqual(sink.statuses, ['wait-for-datastore', 'in-sync']);
      assert.ok(await matches(sink, ds), 'initial list reported');
      assert.ok(![...sink.state.keys()].some((k) => k.startsWith('BGPConfiguration')), 'kinds Felix does not need are not reported');

      await ds.create(value(gnp('p1', { selector: 'all()' })));
      const w = await ds.get({ kind: 'WorkloadEndpoint', namespace: 'ns1', name: 'w1' });
      w.metadata.labels = { app: 'web' };
      await ds.update(w);
      await ds.delete({ kind: 'Profile', name: 'kns.ns1' });
      await waitFor('watch changes', () => matches(sink, ds));
      assert.equal(sink.state.get('WorkloadEndpoint|ns1/w1')?.metadata.labels?.app, 'web');
      assert.equal(syncer.listCount, 1);
    } finally {
      await syncer.stop();
    }
  });

  it('relists on a relist event: deletions for vanished keys, updates only for changed ones', async () => {
    const ds = new MemoryDatastore();
    await ds.create(value(nsProfile('ns1')));
    await ds.create(value(wep('w1', { ips: ['10.65.0.1'] })));
    await ds.create(value(wep('w2', { ips: ['10.65.0.2'] })));
    await ds.create(value(gnp('p1', { selector: 'all()' })));
    const flaky = new FlakyDatastore(ds);
    const sink = new Sink();
    const syncer = new Syncer(flaky, sink);
    syncer.start();
    try {
      await waitFor('in-sync', () => sink.statuses.includes('in-sync'));
      // Changes the syncer never hears about through the watch.
      flaky.dropEvents = true;
      await ds.delete({ kind: 'WorkloadEndpoint', namespace: 'ns1', name: 'w2' });
      const p1 = await ds.get({ kind: 'GlobalNetworkPolicy', name: 'p1' });
      p1.spec = { selector: "app == 'web'" };
      await ds.update(p1);
      await ds.create(value(netset('ext', ['198.51.100.0/24'])));
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(await matches(sink, ds), false, 'the lost events are not seen yet');
      const before = sink.updates.length;
      flaky.dropEvents = false;
      flaky.relistNow();
      await waitFor('resync', () => syncer.listCount === 2 && sink.statuses.at(-1) === 'in-sync');
      assert.ok(await matches(sink, ds), 'state after relist');
      assert.deepEqual(sink.statuses, ['wait-for-datastore', 'in-sync', 'resync', 'in-sync']);
      const resync = sink.updates.slice(before).map((u) => `${u.value ? 'set' : 'del'} ${u.kind}|${u.key}`).sort();
      assert.deepEqual(resync, ['del WorkloadEndpoint|ns1/w2', 'set GlobalNetworkPolicy|p1', 'set GlobalNetworkSet|ext']);
      // And it follows the new watch afterwards.
      await ds.delete({ kind: 'WorkloadEndpoint', namespace: 'ns1', name: 'w1' });
      await waitFor('watch after relist', () => matches(sink, ds));
    } finally {
      await syncer.stop();
    }
  });

  it('retries a failed list after the retry delay', async () => {
    const ds = new MemoryDatastore();
    await ds.create(value(nsProfile('ns1')));
    const flaky = new FlakyDatastore(ds);
    flaky.failLists = 2;
    const errors: unknown[] = [];
    const sleeps: number[] = [];
    const sink = new Sink();
    const syncer = new Syncer(flaky, sink, {
      retryDelayMs: 250,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      onError: (e) => errors.push(e),
    });
    syncer.start();
    try {
      await waitFor('in-sync', () => sink.statuses.includes('in-sync'));
      assert.equal(errors.length, 2);
      assert.deepEqual(sleeps, [250, 250]);
      assert.ok(await matches(sink, ds));
    } finally {
      await syncer.stop();
    }
  });
});

describe('startCalcPipeline()', () => {
  it('wires datastore → syncer → graph → callbacks', async () => {
    const ds = new MemoryDatastore();
    await ds.create(value(nsProfile('ns1')));
    await ds.create(value(wep('w1', { ips: ['10.65.0.1'], labels: { app: 'web' } })));
    await ds.create(value(wep('w2', { node: 'node2', ips: ['10.65.1.2'], labels: { app: 'db' } })));
    const rec = new RecordingCallbacks();
    const pipeline = startCalcPipeline({ datastore: ds, nodeName: 'node1', callbacks: rec, async: { flushIntervalMs: 1 } });
    try {
      await waitFor('in-sync', () => rec.inSync);
      assert.deepEqual(Object.keys(rec.snapshot().workloadEndpoints), ['ns1/w1']);
      await ds.create(value(gnp('allow-db', { selector: "app == 'web'", ingress: [{ action: 'Allow', source: { selector: "app == 'db'" } }] })));
      await waitFor('policy', () => rec.policies.has('gnp/allow-db'));
      await pipeline.whenIdle();
      const snap = rec.snapshot();
      assert.deepEqual(Object.values(snap.ipSets), [['10.65.1.2']]);
      assert.deepEqual(snap.workloadEndpoints['ns1/w1']!.tiers[0]!.ingressPolicies, ['gnp/allow-db']);
    } finally {
      await pipeline.stop();
    }
  });
});
