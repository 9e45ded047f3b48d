import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixtureState } from './_fixtures.js';
import { NftApplier, describeDrift } from './nft-applier.js';
import { RecordingNftRunner } from './nft-runner.js';
import { buildTables, RenderCache, shardTableName, workloadShard } from './table.js';
import type { ChainRules, DataplaneState, NftTable, SetElementChanges } from './model.js';

const both = (s: DataplaneState): NftTable[] => [...buildTables(s, 'ip'), ...buildTables(s, 'ip6')];
/** The shard tables holding the fixture's endpoint x/a and the one added below. */
const XA = shardTableName(workloadShard('cali1a2b3c4d5e6'));
const XC = shardTableName(workloadShard('calic0ffee0001'));

function withPolicyRules(s: DataplaneState, key: string, port: number): DataplaneState {
  const policies = new Map(s.policies);
  const p = policies.get(key)!;
  policies.set(key, { id: p.id, rules: { ...p.rules, inbound: [{ action: 'allow', protocol: 'tcp', dstPorts: [{ first: port, last: port }], ruleId: 'n1' }] } });
  return { ...s, policies };
}

test('the first apply is an atomic full replace of each family\'s tables', async () => {
  const runner = new RecordingNftRunner();
  const applier = new NftApplier(runner);
  const res = await applier.apply(both(fixtureState()));
  assert.deepEqual(res, { mode: 'full', calls: 1 });
  assert.equal(runner.scripts.length, 2);
  assert.match(runner.scripts[0]!, /^table ip calico\ndelete table ip calico\ntable ip calico \{/);
  assert.match(runner.scripts.at(-1)!, /^table ip6 calico\ndelete table ip6 calico\ntable ip6 calico \{/);
  assert.ok(!runner.scripts[0]!.includes('ip6 calico'));
});

test('a policy change sends only that chain (flush + rules), nothing when nothing changed', async () => {
  const runner = new RecordingNftRunner();
  const applier = new NftApplier(runner);
  const s0 = fixtureState();
  await applier.apply(both(s0));
  const res = await applier.apply(both(withPolicyRules(s0, 'knp/x/allow-frontend', 8443)));
  assert.deepEqual(res, { mode: 'incremental', calls: 1 });
  const script = runner.scripts.at(-1)!;
  assert.deepEqual(script.split('\n').filter(Boolean), [
    `flush chain ip ${XA} cali-pi-knp/x/allow-frontend`,
    `add rule ip ${XA} cali-pi-knp/x/allow-frontend meta l4proto tcp th dport 8443 meta mark set meta mark | 0x10000 return comment "cali:n1"`,
    // The new rules name no IP set, and no other rule in that shard uses these two.
    `delete set ip ${XA} cali40s-frontend`,
    `delete set ip ${XA} cali40n-http`,
    `flush chain ip6 ${XA} cali-pi-knp/x/allow-frontend`,
    `add rule ip6 ${XA} cali-pi-knp/x/allow-frontend meta l4proto tcp th dport 8443 meta mark set meta mark | 0x10000 return comment "cali:n1"`,
    `delete set ip6 ${XA} cali60s-frontend`,
    `delete set ip6 ${XA} cali60n-http`,
  ]);
  assert.deepEqual(await applier.apply(both(withPolicyRules(s0, 'knp/x/allow-frontend', 8443))), { mode: 'none', calls: 0 });
});

test('IP set membership changes are element adds and deletes', async () => {
  const runner = new RecordingNftRunner();
  const applier = new NftApplier(runner);
  const s0 = fixtureState();
  await applier.apply(both(s0));
  const ipSets = new Map(s0.ipSets);
  ipSets.set('s:frontend', { type: 'net', members: new Set(['10.65.1.2/32', '10.65.3.3/32']) });
  await applier.apply(both({ ...s0, ipSets }));
  assert.deepEqual(runner.scripts.at(-1)!.split('\n').filter(Boolean), [
    `delete element ip ${XA} cali40s-frontend { 10.65.2.0/24 }`,
    `add element ip ${XA} cali40s-frontend { 10.65.3.3 }`,
    `delete element ip6 ${XA} cali60s-frontend { fd00::2 }`,
  ]);
});

test('a new endpoint is first programmed as drop, then filled (fail closed)', async () => {
  const runner = new RecordingNftRunner();
  const applier = new NftApplier(runner);
  const s0 = fixtureState();
  await applier.apply(buildTables(s0, 'ip'));
  const weps = new Map(s0.workloadEndpoints);
  weps.set('x/c', { key: 'x/c', interfaceName: 'calic0ffee0001', ipv4Nets: ['10.65.1.9/32'], ipv6Nets: [], tiers: [], profileIds: ['kns.x'] });
  const res = await applier.apply(buildTables({ ...s0, workloadEndpoints: weps }, 'ip'));
  assert.deepEqual(res, { mode: 'incremental', calls: 2 });
  const first = runner.scripts[1]!;
  assert.ok(first.includes(`add chain ip ${XC} cali-tw-calic0ffee0001\n`));
  assert.ok(first.includes(`add rule ip ${XC} cali-tw-calic0ffee0001 drop comment "Endpoint not yet programmed (fail closed)"`));
  assert.ok(first.includes(`add element ip ${XC} cali-to-wl-dispatch { "calic0ffee0001" : goto cali-tw-calic0ffee0001 }`));
  assert.doesNotMatch(first, /add element ip \S+ cali-(to|from)-wl-programmed/, 'held at drop: not yet programmed');
  assert.doesNotMatch(first, /add element ip \S+ cali-wl-ifaces/, 'unknown to the main table until filled, so dropped there too');
  const second = runner.scripts[2]!;
  assert.ok(second.includes(`add element ip ${XC} cali-to-wl-programmed { "calic0ffee0001" }`));
  assert.ok(second.includes(`add element ip calico cali-wl-ifaces { "calic0ffee0001" }`));
  assert.ok(second.includes(`flush chain ip ${XC} cali-tw-calic0ffee0001\n`));
  assert.ok(second.includes(`add rule ip ${XC} cali-tw-calic0ffee0001 meta mark & 0x10000 == 0x0 jump cali-pri-kns.x`));
});

test('when filling fails, the endpoint stays on drop and the error is reported', async () => {
  const runner = new RecordingNftRunner();
  const applier = new NftApplier(runner);
  const s0 = fixtureState();
  // One render cache, as the driver keeps: unchanged endpoints keep their chains (only changed ones fail closed).
  const cache = new RenderCache();
  await applier.apply(buildTables(s0, 'ip', cache));
  const weps = new Map(s0.workloadEndpoints);
  weps.set('x/c', { key: 'x/c', interfaceName: 'calic0ffee0001', ipv4Nets: ['10.65.1.9/32'], ipv6Nets: [], tiers: [], profileIds: ['kns.x'] });
  // Fail every script that would put the real rules in place (incremental fill and full replace).
  runner.failNext(2, /cali-tw-calic0ffee0001 \{\n\t\t(?!drop comment)|flush chain ip calico-wl\d cali-tw-calic0ffee0001/);
  await assert.rejects(applier.apply(buildTables({ ...s0, workloadEndpoints: weps }, 'ip', cache)), /injected failure/);
  const last = runner.scripts.at(-1)!;
  assert.match(last, /^table ip calico\ndelete table ip calico\n/);
  assert.match(last, /chain cali-tw-calic0ffee0001 \{\n\t\tdrop comment "Endpoint not yet programmed \(fail closed\)"\n\t\}/);
  const tw = applier.current!.find((t) => t.name === XC)!.chains.get('cali-tw-calic0ffee0001')!;
  assert.deepEqual(tw.rules, ['drop comment "Endpoint not yet programmed (fail closed)"']);
  // No endpoint held at drop has its established traffic accepted ahead of that drop either.
  for (const [set, prefix] of [['cali-to-wl-programmed', 'cali-tw-'], ['cali-from-wl-programmed', 'cali-fw-']] as const) {
    const programmed: string[] = [];
    for (const table of applier.current!.slice(1)) {
      for (const iface of table.sets.get(set)!.elements) {
        const chain = table.chains.get(prefix + JSON.parse(iface))!;
        assert.notDeepEqual(chain.rules, ['drop comment "Endpoint not yet programmed (fail closed)"'], `${set} lists ${iface}`);
        programmed.push(iface);
      }
    }
    assert.deepEqual(programmed.sort(), ['"cali1a2b3c4d5e6"', '"calif00dfeed001"']);
  }
});

function listingOf(t: NftTable, mutate?: (items: object[]) => void): string {
  const items: object[] = [{ metainfo: { version: '1.0.6' } }, { table: { family: t.family, name: t.name } }];
  for (const s of t.sets.values()) items.push({ set: { name: s.name, elem: s.elements.length > 0 ? [...s.elements] : undefined } });
  for (const m of t.maps.values()) items.push({ map: { name: m.name, elem: m.elements.size > 0 ? [...m.elements.keys()] : undefined } });
  for (const c of t.chains.values()) {
    items.push({ chain: { name: c.name } });
    c.rules.forEach((r, i) => items.push({ rule: { chain: c.name, handle: i, expr: r } }));
  }
  mutate?.(items);
  return JSON.stringify({ nftables: items });
}

test('describeDrift() notices a flushed chain, a missing chain and an emptied set', () => {
  const [t, ...shards] = buildTables(fixtureState(), 'ip');
  const shard = shards.find((x) => x.name === XA)!;
  assert.equal(describeDrift(shard, listingOf(shard)), undefined);
  assert.equal(describeDrift(t!, listingOf(t!)), undefined);
  const flushed = listingOf(t!, (items) => items.splice(0, items.length, ...items.filter((i) => !('rule' in i && (i as { rule: { chain: string } }).rule.chain === 'filter-FORWARD'))));
  assert.match(describeDrift(t!, flushed)!, /chain filter-FORWARD has 0 rules, expected 5/);
  const noSet = listingOf(shard, (items) => {
    const s = items.find((i) => 'set' in i && (i as { set: { name: string } }).set.name === 'cali40s-frontend') as { set: { elem?: unknown[] } };
    delete s.set.elem;
  });
  assert.match(describeDrift(shard, noSet)!, /set cali40s-frontend has 0 elements, expected 2/);
});

test('checkAndRepair() replaces a missing or modified table, and leaves a matching one alone', async () => {
  const runner = new RecordingNftRunner();
  const applier = new NftApplier(runner);
  const tables = buildTables(fixtureState(), 'ip');
  const t = tables[0]!;
  await applier.apply(tables);
  for (const x of tables) runner.listings.set(`ip ${x.name}`, listingOf(x));
  assert.equal(await applier.checkAndRepair(), undefined);
  assert.equal(await applier.checkAndRepair(), undefined);
  // Same structure, different content, no write of ours in between: someone edited a rule.
  runner.listings.set('ip calico', listingOf(t, (items) => items.push({ metainfo: { edited: true } })));
  assert.match((await applier.checkAndRepair())!, /modified by someone else/);
  assert.match(runner.scripts.at(-1)!, /^table ip calico\ndelete table ip calico/);
  runner.listings.delete('ip calico');
  assert.match((await applier.checkAndRepair())!, /is missing/);
  assert.equal(runner.scripts.length, 3);
});

test('a full replace also deletes tables of ours it no longer renders (another shard count), and nobody else\'s', async () => {
  const runner = new RecordingNftRunner();
  for (const t of ['ip calico-wl9', 'ip6 calico-wl9', 'ip other', 'ip calico-wlx', 'inet calico-wl9']) runner.listings.set(t, '{"nftables":[]}');
  const applier = new NftApplier(runner);
  await applier.apply(both(fixtureState()));
  const [ip, ip6] = runner.scripts;
  assert.ok(ip!.endsWith('table ip calico-wl9\ndelete table ip calico-wl9\n'));
  assert.ok(ip6!.endsWith('table ip6 calico-wl9\ndelete table ip6 calico-wl9\n'));
  for (const s of runner.scripts) assert.doesNotMatch(s, /delete table (ip other|ip calico-wlx|inet calico-wl9)/);
});

/** A runner with the fast route, recording what it is given. */
class FastRouteRunner extends RecordingNftRunner {
  readonly fast: Array<{ chains: readonly ChainRules[]; sets: readonly SetElementChanges[] }> = [];
  async replaceChains(chains: readonly ChainRules[], sets: readonly SetElementChanges[] = []): Promise<boolean> {
    this.fast.push({ chains, sets });
    return true;
  }
}

test('IP set member changes alone take the runner\'s fast route; anything more goes through nft', async () => {
  const runner = new FastRouteRunner();
  const applier = new NftApplier(runner);
  const s0 = fixtureState();
  await applier.apply(both(s0));
  const replaces = runner.scripts.length;
  const ipSets = new Map(s0.ipSets);
  ipSets.set('s:frontend', { type: 'net', members: new Set(['10.65.1.2/32', '10.65.3.3/32']) });
  const s1 = { ...s0, ipSets };
  assert.deepEqual(await applier.apply(both(s1)), { mode: 'incremental', calls: 1 });
  assert.equal(runner.scripts.length, replaces, 'no nft run');
  assert.deepEqual(runner.fast.at(-1), {
    chains: [],
    sets: [
      { family: 'ip', table: XA, set: 'cali40s-frontend', type: 'ipv4_addr', interval: true, remove: ['10.65.2.0/24'], add: ['10.65.3.3'] },
      { family: 'ip6', table: XA, set: 'cali60s-frontend', type: 'ipv6_addr', interval: true, remove: ['fd00::2'], add: [] },
    ],
  });
  // Members and a rule at once: one nft transaction.
  await applier.apply(both(withPolicyRules({ ...s1, ipSets: new Map([...ipSets, ['s:frontend', { type: 'net', members: new Set(['10.65.1.2/32']) }]]) }, 'knp/x/allow-frontend', 8443)));
  assert.equal(runner.fast.length, 1);
  assert.equal(runner.scripts.length, replaces + 1);
});
