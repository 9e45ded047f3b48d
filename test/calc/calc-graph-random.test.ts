/**
 * Randomised equivalence: after any sequence of updates, deletions, flushes and an in-sync at any
 * point, the incremental graph must leave the dataplane exactly as a fresh graph fed only the final
 * datastore state does (and never break the ordering contract on the way: RecordingCallbacks throws).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { buildCalcGraph } from '../../src/calc/calc-graph.js';
import { RecordingCallbacks } from '../../src/calc/recording-callbacks.js';
import type { ResourceUpdate } from '../../src/calc/types.js';
import { gnp, hep, netset, np, nsProfile, profile, tier, wep } from './resources.js';
import { baseStates } from './scenarios.js';

// Every value any key takes in the scenarios, plus variants that move labels, IPs, selectors and orders.
const extra: ResourceUpdate[] = [
  wep('w1', { ips: ['10.65.0.1', '10.65.0.11'], labels: { app: 'db', role: 'fe' } }),
  wep('w1', { node: 'node2', ips: ['10.65.0.1'], labels: { app: 'web' } }),
  wep('w2', { node: 'node1', ips: ['10.65.1.2'], labels: { app: 'db' }, ports: [{ name: 'http', protocol: 'TCP', port: 80 }] }),
  wep('w3', { node: 'node2', ips: ['10.65.0.1'], labels: { app: 'web' } }),
  wep('w6', { namespace: 'ns2', ips: ['10.65.0.6'], labels: { app: 'web' }, profiles: ['kns.ns2', 'kns.ns1'] }),
  hep('h1', { iface: '*', ips: ['192.168.0.1', 'fd00::1'], labels: { role: 'host', app: 'web' } }),
  nsProfile('ns1', { team: 'blue' }),
  nsProfile('ns2', { team: 'red' }),
  profile('kns.ns1', { labelsToApply: { 'pcns.team': 'blue' } }),
  tier('security', 2_000_000, 'Deny'),
  tier('missing', 50),
  gnp('allow-db', { selector: 'all()', ingress: [{ action: 'Allow', source: { selector: "app == 'db'" } }, { action: 'Deny', source: { notSelector: "app == 'web'" } }] }),
  gnp('allow-db', { selector: "app == 'web'", types: ['Egress'], egress: [{ action: 'Allow', destination: { selector: "pcns.team == 'blue'", ports: ['http'] }, protocol: 'TCP' }] }),
  gnp('sec-all', { tier: 'missing', selector: "has(app)", egress: [{ action: 'Pass' }] }),
  gnp('default-web', { order: 500, selector: "app == 'web'", egress: [{ action: 'Allow' }] }),
  gnp('default-web', { order: 5, tier: 'security', selector: "app == 'web'", egress: [{ action: 'Allow' }] }),
  gnp('default-web', { order: 5, selector: "app == 'web'", types: ['Ingress', 'Egress'], egress: [{ action: 'Allow' }] }),
  np('ns1', 'web-in', { order: 1, selector: 'all()', ingress: [{ action: 'Allow', source: { selector: "role == 'fe'" } }] }),
  netset('ext', ['10.65.1.2/32', '198.51.100.0/25'], { type: 'external' }),
  netset('corp', ['172.16.0.0/12'], { type: 'internal' }, 'ns1'),
];

const variantsById = new Map<string, ResourceUpdate[]>();
for (const u of [...baseStates.flatMap((s) => s.kvs), ...extra]) {
  const id = `${u.kind}|${u.key}`;
  const list = variantsById.get(id) ?? [];
  if (!list.some((v) => JSON.stringify(v.value) === JSON.stringify(u.value))) list.push(u);
  variantsById.set(id, list);
}
const ids = [...variantsById.keys()];
// Keys present in every run: local endpoints, so that policies have something to select.
const core = ['WorkloadEndpoint|ns1/w1', 'WorkloadEndpoint|ns2/w6', 'HostEndpoint|h1'];
const others = ids.filter((id) => !core.includes(id));

type Action = { op: 'set'; id: number; variant: number } | { op: 'delete'; id: number } | { op: 'flush' } | { op: 'in-sync' };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), id: fc.nat(), variant: fc.nat(5) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), id: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'in-sync' as const }) },
);

function freshSnapshot(state: Map<string, ResourceUpdate>, order: number[]) {
  const rec = new RecordingCallbacks();
  const graph = buildCalcGraph('node1', rec);
  const kvs = [...state.values()];
  // Feed in a permuted order: the result must not depend on it.
  const permuted = order.length === kvs.length ? order.map((i) => kvs[i]!) : kvs;
  for (const u of permuted) graph.onUpdate(u);
  graph.onStatusUpdate('in-sync');
  graph.flush();
  return rec.snapshot();
}

/** Apply the actions to one graph; compare with a fresh graph fed the final state. */
function checkEquivalence(pool: string[], actions: Action[], seed: number): void {
  const rec = new RecordingCallbacks();
  const graph = buildCalcGraph('node1', rec);
  const state = new Map<string, ResourceUpdate>();
  for (const a of actions) {
    if (a.op === 'set') {
      const id = pool[a.id % pool.length]!;
      const variants = variantsById.get(id)!;
      const u = variants[a.variant % variants.length]!;
      state.set(id, u);
      graph.onUpdate(u);
    } else if (a.op === 'delete') {
      const id = pool[a.id % pool.length]!;
      const bar = id.indexOf('|');
      state.delete(id);
      graph.onUpdate({ kind: id.slice(0, bar), key: id.slice(bar + 1), value: undefined });
    } else if (a.op === 'flush') {
      graph.flush();
    } else {
      graph.onStatusUpdate('in-sync');
    }
  }
  graph.onStatusUpdate('in-sync');
  graph.flush();
  // A deterministic permutation of the final KVs from the seed.
  const n = state.size;
  const order = [...Array(n).keys()].sort((x, y) => ((x * 7919 + seed) % (n + 13)) - ((y * 7919 + seed) % (n + 13)) || x - y);
  assert.deepEqual(rec.snapshot(), freshSnapshot(state, order));
}

const variantOf = (id: string, match: (u: ResourceUpdate) => boolean): number => variantsById.get(id)!.findIndex(match);

it('incremental graph equals a fresh graph fed the final state', () => {
  const w1 = 'WorkloadEndpoint|ns1/w1';
  const dw = 'GlobalNetworkPolicy|default-web';
  // Hand-written case: an active policy moves tier without changing which endpoints it selects.
  const moved: Action[] = [
    { op: 'set', id: 0, variant: 0 },
    { op: 'set', id: 1, variant: 0 },
    { op: 'in-sync' },
    { op: 'flush' },
    { op: 'set', id: 1, variant: variantOf(dw, (u) => (u.value?.spec as { tier?: string }).tier === 'security') },
  ];
  checkEquivalence([w1, dw], moved, 0);

  fc.assert(
    // Each run works on a small random subset of keys, so the same keys change many times.
    fc.property(fc.shuffledSubarray(others, { minLength: 2, maxLength: 8 }).map((p) => [...core, ...p]), fc.array(action, { minLength: 5, maxLength: 60, size: 'max' }), fc.nat(), checkEquivalence),
    { numRuns: 400 },
  );
});
