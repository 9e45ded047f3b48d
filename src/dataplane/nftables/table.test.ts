import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { repoPath } from '../../../test/helpers/paths.js';
import { fixtureConfig, fixtureState } from './_fixtures.js';
import { formatTable } from './format.js';
import { buildTables, RenderCache, shardTableName, workloadShard, WORKLOAD_SHARDS } from './table.js';
import type { DataplaneState, NftChain, NftTable } from './model.js';
import type { NftFamily } from './names.js';

/** All of a family's tables, printed one after the other. */
const formatAll = (tables: NftTable[]): string => tables.map(formatTable).join('\n');

/** The one chain of that name in any of the family's tables (workload chains live in the shards). */
function chainIn(state: DataplaneState, family: NftFamily, name: string): NftChain | undefined {
  const found = buildTables(state, family).flatMap((t) => (t.chains.has(name) ? [t.chains.get(name)!] : []));
  assert.ok(found.length <= 1, `${name} is in ${found.length} tables`);
  return found[0];
}
const mainTable = (state: DataplaneState, family: NftFamily = 'ip'): NftTable => buildTables(state, family)[0]!;

/** Compare with test/dataplane/golden/<name>; UPDATE_GOLDEN=1 rewrites the file instead. */
function golden(name: string, text: string): void {
  const file = repoPath('test/dataplane/golden', name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.UPDATE_GOLDEN !== '1') assert.fail(`golden file ${file} is missing; run with UPDATE_GOLDEN=1`);
    writeFileSync(file, text);
    return;
  }
  assert.equal(text, readFileSync(file, 'utf8'));
}

test('buildTables() renders the fixture state as in the golden files', () => {
  const state = fixtureState();
  golden('fixture-ip.nft', formatAll(buildTables(state, 'ip')));
  golden('fixture-ip6.nft', formatAll(buildTables(state, 'ip6')));
});

test('buildTables() renders Reject, Drop-to-host and disabled invalid check', () => {
  const state = fixtureState(fixtureConfig({ denyAction: 'Reject', defaultEndpointToHostAction: 'Drop', disableConntrackInvalidCheck: true }));
  golden('fixture-reject-ip.nft', formatAll(buildTables(state, 'ip')));
});

test('buildTables() output is identical with and without a warm cache', () => {
  const state = fixtureState();
  const cache = new RenderCache();
  const first = formatAll(buildTables(state, 'ip', cache));
  assert.equal(formatAll(buildTables(state, 'ip', cache)), first);
  assert.equal(formatAll(buildTables(state, 'ip')), first);
});

test('an endpoint naming a policy we do not have is programmed to drop (fail closed)', () => {
  const base = fixtureState();
  const policies = new Map(base.policies);
  policies.delete('knp/x/allow-frontend');
  const state: DataplaneState = { ...base, policies };
  const tw = chainIn(state, 'ip', 'cali-tw-cali1a2b3c4d5e6')!;
  assert.match(tw.rules.at(-1)!, /^drop comment "Policy knp\/x\/allow-frontend not programmed"$/);
  assert.ok(!tw.rules.some((r) => r.includes('jump cali-pri-')), 'profiles must not be reached');
});

test('a staged policy gets no chain and no jump; a tier of only staged policies has no end-of-tier drop', () => {
  const base = fixtureState();
  assert.equal(chainIn(base, 'ip', 'cali-pi-snp/x/staged-deny'), undefined);
  const ep = base.workloadEndpoints.get('x/a')!;
  const onlyStaged = { ...ep, tiers: [{ name: 'default', ingressPolicies: ['snp/x/staged-deny'], egressPolicies: [], defaultAction: 'Deny' as const }] };
  const state: DataplaneState = { ...base, workloadEndpoints: new Map([['x/a', onlyStaged]]) };
  const tw = chainIn(state, 'ip', 'cali-tw-cali1a2b3c4d5e6')!;
  assert.ok(!tw.rules.some((r) => r.includes('End of tier')));
  assert.ok(tw.rules.some((r) => r.endsWith('jump cali-pri-kns.x')));
});

test('a tier with defaultAction Pass has no end-of-tier drop; a Deny tier has one', () => {
  const tw = chainIn(fixtureState(), 'ip', 'cali-tw-cali1a2b3c4d5e6')!;
  assert.ok(!tw.rules.some((r) => r.includes('End of tier security')));
  assert.ok(tw.rules.some((r) => r.includes('End of tier default')));
});

test('no NAT chain without a natOutgoing pool', () => {
  const base = fixtureState();
  const pools = new Map([...base.ipPools].map(([k, p]) => [k, { ...p, natOutgoing: false }]));
  const t = mainTable({ ...base, ipPools: pools });
  assert.ok(!t.chains.has('nat-POSTROUTING'));
  assert.ok(!t.sets.has('cali40masq-ipam-pools'));
});

test('a policy that cannot be rendered becomes a drop-everything chain (fail closed)', () => {
  const base = fixtureState();
  const policies = new Map(base.policies);
  const p = policies.get('knp/x/allow-frontend')!;
  policies.set('knp/x/allow-frontend', { id: p.id, rules: { ...p.rules, inbound: [{ action: 'allow', protocol: 'bogus', ruleId: 'bad' }] } });
  const chain = chainIn({ ...base, policies }, 'ip', 'cali-pi-knp/x/allow-frontend')!;
  assert.deepEqual(chain.rules, ['drop comment "Policy knp/x/allow-frontend cannot be programmed: Cannot render protocol _bogus_: not a protocol name or number"']);
});

test('a "*" host endpoint sends neither lo nor workload traffic through untracked or pre-DNAT policy', () => {
  const base = fixtureState();
  const hep = base.hostEndpoints.get('node1-eth0')!;
  const state: DataplaneState = { ...base, hostEndpoints: new Map([['node1-all', { ...hep, key: 'node1-all', interfaceName: '*' }]]) };
  const t = mainTable(state);
  const only = (chain: string): string => t.chains.get(chain)!.rules.find((r) => r.includes('jump ') && r.includes('-cali-'))!;
  for (const [chain, kw] of [['raw-PREROUTING', 'iifname'], ['raw-OUTPUT', 'oifname'], ['mangle-PREROUTING', 'iifname']] as const) {
    assert.match(only(chain), new RegExp(`^${kw} != "lo" ${kw} != "cali\\*" jump `), chain);
  }
});

test('a host endpoint whose only applyOnForward policy is staged gets no forward chain (forwarded traffic stays allowed)', () => {
  const base = fixtureState();
  const hep = base.hostEndpoints.get('node1-eth0')!;
  const forwardTiers = [{ name: 'default', ingressPolicies: ['snp/x/staged-deny'], egressPolicies: ['snp/x/staged-deny'], defaultAction: 'Deny' as const }];
  const state: DataplaneState = { ...base, hostEndpoints: new Map([['node1-eth0', { ...hep, forwardTiers }]]) };
  const t = mainTable(state);
  assert.ok(!t.chains.has('cali-fhfw-eth0') && !t.chains.has('cali-thfw-eth0'));
  assert.equal(t.maps.get('cali-from-hep-forward')!.elements.size, 0);
  // Control: the fixture's real applyOnForward policy does get one.
  assert.ok(mainTable(base).chains.has('cali-fhfw-eth0'));
});

test('workloads live in the shard their interface hashes to, with exactly the policies, profiles and IP sets they use', () => {
  const state = fixtureState();
  const tables = buildTables(state, 'ip');
  assert.deepEqual(tables.map((t) => t.name), ['calico', ...Array.from({ length: WORKLOAD_SHARDS }, (_, k) => shardTableName(k))]);
  const [main, ...shards] = tables;
  assert.ok(![...main!.chains.keys()].some((n) => /^cali-(tw|fw)-/.test(n)), 'no workload chain in the main table');
  assert.deepEqual(main!.sets.get('cali-wl-ifaces')!.elements, ['"cali1a2b3c4d5e6"', '"calif00dfeed001"']);
  for (const ep of state.workloadEndpoints.values()) {
    const home = shards[workloadShard(ep.interfaceName)]!;
    assert.ok(home.chains.has(`cali-tw-${ep.interfaceName}`) && home.sets.get('cali-wl-ifaces')!.elements.includes(`"${ep.interfaceName}"`));
    for (const other of shards) if (other !== home) assert.ok(!other.chains.has(`cali-tw-${ep.interfaceName}`));
  }
  for (const t of tables) {
    // Every jump target and every named set is in the same table (the kernel cannot cross tables)...
    const referenced = new Set<string>();
    for (const c of t.chains.values()) {
      for (const r of c.rules) {
        for (const m of r.matchAll(/(?:jump|goto) (\S+)/g)) assert.ok(t.chains.has(m[1]!), `${t.name}: ${c.name} jumps to missing ${m[1]}`);
        for (const m of r.matchAll(/@(\S+)/g)) {
          assert.ok(t.sets.has(m[1]!) || t.maps.has(m[1]!), `${t.name}: ${c.name} names missing set ${m[1]}`);
          referenced.add(m[1]!);
        }
      }
    }
    for (const m of t.maps.values()) for (const v of m.elements.values()) if (v !== 'drop') assert.ok(t.chains.has(v.split(' ')[1]!), `${t.name}: map ${m.name} -> ${v}`);
    // ...and nothing else: an IP set or policy chain no rule there uses is left out.
    for (const name of t.sets.keys()) assert.ok(referenced.has(name), `${t.name}: set ${name} is not used`);
    const targets = new Set([...t.chains.values()].flatMap((c) => c.rules.flatMap((r) => [...r.matchAll(/(?:jump|goto) (\S+)/g)].map((m) => m[1]!))));
    for (const m of t.maps.values()) for (const v of m.elements.values()) targets.add(v.split(' ')[1]!);
    for (const name of t.chains.keys()) if (/^cali-(pi|po|pri|pro)-/.test(name)) assert.ok(targets.has(name), `${t.name}: ${name} is not jumped to`);
  }
});
