import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { repoPath } from '../../../test/helpers/paths.js';
import { fixtureConfig, fixtureState } from './_fixtures.js';
import { formatTable } from './format.js';
import { buildTable, RenderCache } from './table.js';
import type { DataplaneState } from './model.js';

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

test('buildTable() renders the fixture state as in the golden files', () => {
  const state = fixtureState();
  golden('fixture-ip.nft', formatTable(buildTable(state, 'ip')));
  golden('fixture-ip6.nft', formatTable(buildTable(state, 'ip6')));
});

test('buildTable() renders Reject, Drop-to-host and disabled invalid check', () => {
  const state = fixtureState(fixtureConfig({ denyAction: 'Reject', defaultEndpointToHostAction: 'Drop', disableConntrackInvalidCheck: true }));
  golden('fixture-reject-ip.nft', formatTable(buildTable(state, 'ip')));
});

test('buildTable() output is identical with and without a warm cache', () => {
  const state = fixtureState();
  const cache = new RenderCache();
  const first = formatTable(buildTable(state, 'ip', cache));
  assert.equal(formatTable(buildTable(state, 'ip', cache)), first);
  assert.equal(formatTable(buildTable(state, 'ip')), first);
});

test('an endpoint naming a policy we do not have is programmed to drop (fail closed)', () => {
  const base = fixtureState();
  const policies = new Map(base.policies);
  policies.delete('knp/x/allow-frontend');
  const state: DataplaneState = { ...base, policies };
  const tw = buildTable(state, 'ip').chains.get('cali-tw-cali1a2b3c4d5e6')!;
  assert.match(tw.rules.at(-1)!, /^drop comment "Policy knp\/x\/allow-frontend not programmed"$/);
  assert.ok(!tw.rules.some((r) => r.includes('jump cali-pri-')), 'profiles must not be reached');
});

test('a staged policy gets no chain and no jump; a tier of only staged policies has no end-of-tier drop', () => {
  const base = fixtureState();
  const t = buildTable(base, 'ip');
  assert.ok(!t.chains.has('cali-pi-snp/x/staged-deny'));
  const ep = base.workloadEndpoints.get('x/a')!;
  const onlyStaged = { ...ep, tiers: [{ name: 'default', ingressPolicies: ['snp/x/staged-deny'], egressPolicies: [], defaultAction: 'Deny' as const }] };
  const state: DataplaneState = { ...base, workloadEndpoints: new Map([['x/a', onlyStaged]]) };
  const tw = buildTable(state, 'ip').chains.get('cali-tw-cali1a2b3c4d5e6')!;
  assert.ok(!tw.rules.some((r) => r.includes('End of tier')));
  assert.ok(tw.rules.some((r) => r.endsWith('jump cali-pri-kns.x')));
});

test('a tier with defaultAction Pass has no end-of-tier drop; a Deny tier has one', () => {
  const tw = buildTable(fixtureState(), 'ip').chains.get('cali-tw-cali1a2b3c4d5e6')!;
  assert.ok(!tw.rules.some((r) => r.includes('End of tier security')));
  assert.ok(tw.rules.some((r) => r.includes('End of tier default')));
});

test('no NAT chain without a natOutgoing pool', () => {
  const base = fixtureState();
  const pools = new Map([...base.ipPools].map(([k, p]) => [k, { ...p, natOutgoing: false }]));
  const t = buildTable({ ...base, ipPools: pools }, 'ip');
  assert.ok(!t.chains.has('nat-POSTROUTING'));
  assert.ok(!t.sets.has('cali40masq-ipam-pools'));
});

test('a policy that cannot be rendered becomes a drop-everything chain (fail closed)', () => {
  const base = fixtureState();
  const policies = new Map(base.policies);
  const p = policies.get('knp/x/allow-frontend')!;
  policies.set('knp/x/allow-frontend', { id: p.id, rules: { ...p.rules, inbound: [{ action: 'allow', protocol: 'bogus', ruleId: 'bad' }] } });
  const chain = buildTable({ ...base, policies }, 'ip').chains.get('cali-pi-knp/x/allow-frontend')!;
  assert.deepEqual(chain.rules, ['drop comment "Policy knp/x/allow-frontend cannot be programmed: Cannot render protocol _bogus_: not a protocol name or number"']);
});

test('a "*" host endpoint sends neither lo nor workload traffic through untracked or pre-DNAT policy', () => {
  const base = fixtureState();
  const hep = base.hostEndpoints.get('node1-eth0')!;
  const state: DataplaneState = { ...base, hostEndpoints: new Map([['node1-all', { ...hep, key: 'node1-all', interfaceName: '*' }]]) };
  const t = buildTable(state, 'ip');
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
  const t = buildTable(state, 'ip');
  assert.ok(!t.chains.has('cali-fhfw-eth0') && !t.chains.has('cali-thfw-eth0'));
  assert.equal(t.maps.get('cali-from-hep-forward')!.elements.size, 0);
  // Control: the fixture's real applyOnForward policy does get one.
  assert.ok(buildTable(base, 'ip').chains.has('cali-fhfw-eth0'));
});
