import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource, Rule } from '../api/types.js';
import { evaluate, type Packet } from './evaluator.js';
import { buildSnapshot } from './snapshot.js';

const V3 = 'projectcalico.org/v3';

function wep(ns: string, pod: string, ip: string, extra: { labels?: Record<string, string>; profiles?: string[]; ports?: unknown[] } = {}): Resource {
  return {
    apiVersion: V3,
    kind: 'WorkloadEndpoint',
    metadata: { name: `node1-k8s-${pod}-eth0`, namespace: ns, labels: { app: pod, ...(extra.labels ?? {}) } },
    spec: { orchestrator: 'k8s', node: 'node1', pod, endpoint: 'eth0', ipNetworks: [`${ip}/32`], profiles: extra.profiles ?? [`kns.${ns}`], ports: extra.ports ?? [] },
  };
}
function nsObj(name: string): Resource {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { name } } };
}
function gnp(name: string, spec: Record<string, unknown>, kind = 'GlobalNetworkPolicy'): Resource {
  return { apiVersion: V3, kind, metadata: { name }, spec };
}
function tier(name: string, order: number, defaultAction?: 'Deny' | 'Pass'): Resource {
  return { apiVersion: V3, kind: 'Tier', metadata: { name }, spec: defaultAction ? { order, defaultAction } : { order } };
}

const base = [nsObj('a'), nsObj('b'), wep('a', 'client', '10.0.0.1'), wep('b', 'server', '10.0.1.1', { ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] })];
const tcp = (port: number, extra: Partial<Packet> = {}): Packet => ({ src: { workload: 'a/client' }, dst: { workload: 'b/server' }, protocol: 'TCP', dstPort: port, srcPort: 40000, ...extra });
const ingressOnServer = (rules: Rule[], extra: Record<string, unknown> = {}): Resource => gnp('server-in', { selector: "app == 'server'", ingress: rules, ...extra });

test('evaluate(): no policy, namespace profile allows', () => {
  const r = evaluate(base, tcp(80));
  assert.equal(r.allowed, true);
  assert.equal(r.egress?.decidedBy.profile, 'kns.a');
  assert.equal(r.ingress?.decidedBy.profile, 'kns.b');
  assert.equal(r.srcIP, '10.0.0.1');
  assert.equal(r.dstIP, '10.0.1.1');
});

test('evaluate(): endpoint with no policies and no profiles is default-deny', () => {
  const r = evaluate([...base.slice(0, 3), wep('b', 'server', '10.0.1.1', { profiles: [] })], tcp(80));
  assert.equal(r.allowed, false);
  assert.equal(r.ingress?.decidedBy.kind, 'no-profile-allowed');
});

test('evaluate(): a missing profile is skipped, then default deny', () => {
  const r = evaluate([...base.slice(0, 3), wep('b', 'server', '10.0.1.1', { profiles: ['nope'] })], tcp(80));
  assert.equal(r.allowed, false);
  assert.ok(r.steps.some((s) => s.kind === 'profile-missing' && s.profile === 'nope'));
});

test('evaluate(): policy with types [Ingress] and no rules denies at end of tier', () => {
  const r = evaluate([...base, ingressOnServer([])], tcp(80));
  assert.equal(r.allowed, false);
  assert.deepEqual([r.ingress?.decidedBy.kind, r.ingress?.decidedBy.tier], ['end-of-tier', 'default']);
  assert.equal(r.egress?.allowed, true);
});

test('evaluate(): egress deny stops before ingress', () => {
  const r = evaluate([...base, gnp('client-out', { selector: "app == 'client'", types: ['Egress'] })], tcp(80));
  assert.equal(r.allowed, false);
  assert.equal(r.ingress, undefined);
  assert.equal(r.steps.at(-1)?.kind, 'skipped');
});

test('evaluate(): rules run in order, Log continues, first Allow/Deny wins', () => {
  const r = evaluate([...base, ingressOnServer([{ action: 'Log' }, { action: 'Deny', protocol: 'UDP' }, { action: 'Deny', protocol: 'TCP' }, { action: 'Allow' }])], tcp(80));
  assert.equal(r.allowed, false);
  assert.equal(r.ingress?.decidedBy.ruleIndex, 2);
  assert.ok(r.steps.some((s) => s.kind === 'rule' && s.action === 'Log' && s.ruleIndex === 0));
  assert.ok(r.steps.some((s) => s.kind === 'rule-skipped' && s.ruleIndex === 1 && /protocol udp/.test(s.message)));
});

test('evaluate(): policies in a tier by order; Deny at order 1 beats Allow at order 2', () => {
  const r = evaluate([...base, gnp('z-deny', { order: 1, selector: 'all()', ingress: [{ action: 'Deny' }] }), gnp('a-allow', { order: 2, selector: 'all()', ingress: [{ action: 'Allow' }] })], tcp(80));
  assert.equal(r.ingress?.decidedBy.policy, 'gnp/z-deny');
});

test('evaluate(): Pass jumps to the next tier; tier defaultAction Pass falls through to profiles', () => {
  const passAll = gnp('sec.pass', { tier: 'sec', selector: 'all()', ingress: [{ action: 'Pass' }] });
  const denyInDefault = ingressOnServer([{ action: 'Deny' }]);
  let r = evaluate([...base, tier('sec', 10), passAll, denyInDefault], tcp(80));
  assert.equal(r.ingress?.decidedBy.policy, 'gnp/server-in');
  const noMatch = gnp('sec.nomatch', { tier: 'sec', selector: 'all()', ingress: [{ action: 'Allow', protocol: 'UDP' }] });
  r = evaluate([...base, tier('sec', 10, 'Pass'), noMatch], tcp(80));
  assert.equal(r.allowed, true);
  assert.ok(r.steps.some((s) => s.kind === 'end-of-tier' && s.action === 'Pass'));
  r = evaluate([...base, tier('sec', 10, 'Deny'), noMatch], tcp(80));
  assert.equal(r.allowed, false);
  assert.equal(r.ingress?.decidedBy.tier, 'sec');
});

test('evaluate(): a policy whose tier object is missing still applies, after every real tier', () => {
  const ghost = gnp('ghost.deny', { tier: 'ghost', selector: 'all()', ingress: [{ action: 'Deny' }] });
  // default tier passes, so the ghost tier decides
  let r = evaluate([...base, ghost, ingressOnServer([{ action: 'Pass' }])], tcp(80));
  assert.equal(r.ingress?.decidedBy.policy, 'gnp/ghost.deny');
  // default tier allows first
  r = evaluate([...base, ghost, ingressOnServer([{ action: 'Allow' }])], tcp(80));
  assert.equal(r.allowed, true);
});

test('evaluate(): staged policies are reported but never decide, and cause no end-of-tier drop', () => {
  const r = evaluate([...base, gnp('s', { selector: 'all()', types: ['Ingress', 'Egress'] }, 'StagedGlobalNetworkPolicy')], tcp(80));
  assert.equal(r.allowed, true);
  assert.ok(r.steps.some((s) => s.kind === 'staged' && s.policy === 'sgnp/s'));
});

test('evaluate(): named ports resolve against the destination endpoint', () => {
  const snap = buildSnapshot([...base, ingressOnServer([{ action: 'Allow', protocol: 'TCP', destination: { ports: ['http'] } }])]);
  assert.equal(evaluate(snap, tcp(8080)).allowed, true);
  assert.equal(evaluate(snap, tcp(80)).allowed, false);
  assert.equal(evaluate(snap, tcp(8080, { protocol: 'UDP' })).allowed, false);
  // notPorts by name
  const snap2 = buildSnapshot([...base, ingressOnServer([{ action: 'Allow', protocol: 'TCP', destination: { notPorts: ['http'] } }])]);
  assert.equal(evaluate(snap2, tcp(8080)).allowed, false);
  assert.equal(evaluate(snap2, tcp(80)).allowed, true);
});

test('evaluate(): nets / notNets / notProtocol / ipVersion / source ports', () => {
  const check = (rule: Rule, pkt: Packet): boolean => evaluate([...base, ingressOnServer([rule])], pkt).allowed;
  assert.equal(check({ action: 'Allow', source: { nets: ['10.0.0.0/24'] } }, tcp(80)), true);
  assert.equal(check({ action: 'Allow', source: { nets: ['10.0.0.0/24'], notNets: ['10.0.0.1/32'] } }, tcp(80)), false);
  assert.equal(check({ action: 'Allow', notProtocol: 'UDP' }, tcp(80)), true);
  assert.equal(check({ action: 'Allow', notProtocol: 6 }, tcp(80)), false);
  assert.equal(check({ action: 'Allow', ipVersion: 6 }, tcp(80)), false);
  assert.equal(check({ action: 'Allow', protocol: 'TCP', source: { ports: ['40000:40010'] } }, tcp(80)), true);
  assert.equal(check({ action: 'Allow', protocol: 'TCP', source: { ports: [1234] } }, tcp(80)), false);
  assert.equal(check({ action: 'Allow', protocol: 'TCP', destination: { ports: ['79:81'] } }, tcp(80)), true);
  assert.equal(check({ action: 'Allow', protocol: 'TCP', destination: { notPorts: ['79:81'] } }, tcp(80)), false);
});

test('evaluate(): ICMP type and code, notICMP', () => {
  const ping = (type: number, code = 0): Packet => ({ src: { workload: 'a/client' }, dst: { workload: 'b/server' }, protocol: 'ICMP', icmp: { type, code } });
  const snap = buildSnapshot([...base, ingressOnServer([{ action: 'Allow', protocol: 'ICMP', icmp: { type: 8, code: 0 } }])]);
  assert.equal(evaluate(snap, ping(8)).allowed, true);
  assert.equal(evaluate(snap, ping(8, 1)).allowed, false);
  assert.equal(evaluate(snap, ping(13)).allowed, false);
  const snap2 = buildSnapshot([...base, ingressOnServer([{ action: 'Allow', protocol: 'ICMP', notICMP: { type: 8 } }])]);
  assert.equal(evaluate(snap2, ping(8)).allowed, false);
  assert.equal(evaluate(snap2, ping(0)).allowed, true);
});

test('evaluate(): selectors match addresses through endpoints and network sets; notSelector matches outsiders', () => {
  const gns: Resource = { apiVersion: V3, kind: 'GlobalNetworkSet', metadata: { name: 'office', labels: { zone: 'office' } }, spec: { nets: ['192.0.2.0/24'] } };
  const fromOffice = (ip: string): Packet => ({ src: { ip }, dst: { workload: 'b/server' }, protocol: 'TCP', dstPort: 80 });
  const snap = buildSnapshot([...base, gns, ingressOnServer([{ action: 'Allow', source: { selector: "zone == 'office'" } }])]);
  const r = evaluate(snap, fromOffice('192.0.2.7'));
  assert.equal(r.allowed, true);
  assert.equal(r.egress, undefined);
  assert.ok(r.steps.some((s) => s.kind === 'not-calico'));
  assert.equal(evaluate(snap, fromOffice('198.51.100.1')).allowed, false);
  // the client pod does not match the selector
  assert.equal(evaluate(snap, tcp(80)).allowed, false);
  // `selector: !has(x)` only matches labelled things; `notSelector: has(x)` also matches outsiders
  const bang = buildSnapshot([...base, ingressOnServer([{ action: 'Allow', source: { selector: '!has(zone)' } }])]);
  assert.equal(evaluate(bang, fromOffice('198.51.100.1')).allowed, false);
  assert.equal(evaluate(bang, tcp(80)).allowed, true);
  const not = buildSnapshot([...base, ingressOnServer([{ action: 'Allow', source: { notSelector: 'has(zone)' } }])]);
  assert.equal(evaluate(not, fromOffice('198.51.100.1')).allowed, true);
});

test('evaluate(): a pod reaching its own address is always allowed', () => {
  const r = evaluate([...base, ingressOnServer([])], { src: { workload: 'b/server' }, dst: { ip: '10.0.1.1' }, protocol: 'TCP', dstPort: 80 });
  assert.equal(r.allowed, true);
  assert.equal(r.steps[0]?.kind, 'loopback');
});

test('evaluate(): host endpoints: failsafe ports, default deny, profiles, doNotTrack', () => {
  const hep: Resource = { apiVersion: V3, kind: 'HostEndpoint', metadata: { name: 'node1-eth0', labels: { host: 'node1' } }, spec: { node: 'node1', interfaceName: 'eth0', expectedIPs: ['172.16.0.1'] } };
  const toHost = (port: number, protocol = 'TCP'): Packet => ({ src: { ip: '172.16.0.9' }, dst: { hostEndpoint: 'node1-eth0' }, protocol, dstPort: port });
  let snap = buildSnapshot([hep]);
  assert.equal(evaluate(snap, toHost(80)).allowed, false);
  const ssh = evaluate(snap, toHost(22));
  assert.equal(ssh.allowed, true);
  assert.equal(ssh.ingress?.decidedBy.kind, 'failsafe');
  assert.equal(evaluate(snap, toHost(22, 'UDP')).allowed, false);
  // FelixConfiguration replaces the failsafe list
  const fc: Resource = { apiVersion: V3, kind: 'FelixConfiguration', metadata: { name: 'default' }, spec: { failsafeInboundHostPorts: [{ protocol: 'TCP', port: 2222 }] } };
  snap = buildSnapshot([hep, fc]);
  assert.equal(evaluate(snap, toHost(22)).allowed, false);
  assert.equal(evaluate(snap, toHost(2222)).allowed, true);
  // an untracked Allow decides before normal policy
  const dnt = gnp('dnt', { selector: "host == 'node1'", doNotTrack: true, applyOnForward: true, ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [80] } }] });
  const normalDeny = gnp('deny', { selector: "host == 'node1'", ingress: [{ action: 'Deny' }] });
  snap = buildSnapshot([hep, dnt, normalDeny]);
  assert.equal(evaluate(snap, toHost(80)).ingress?.decidedBy.policy, 'gnp/dnt');
  assert.equal(evaluate(snap, toHost(81)).ingress?.decidedBy.policy, 'gnp/deny');
  // pre-DNAT: an explicit Allow skips normal policy, no match falls through to it
  const preDNAT = gnp('pre', { selector: "host == 'node1'", preDNAT: true, applyOnForward: true, ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [443] } }] });
  snap = buildSnapshot([hep, preDNAT, normalDeny]);
  assert.equal(evaluate(snap, toHost(443)).ingress?.decidedBy.policy, 'gnp/pre');
  assert.equal(evaluate(snap, toHost(444)).ingress?.decidedBy.policy, 'gnp/deny');
  // a workload is never subject to doNotTrack policy
  const dntAll = gnp('dnt-all', { selector: 'all()', doNotTrack: true, applyOnForward: true, ingress: [{ action: 'Deny' }] });
  assert.equal(evaluate([...base, dntAll], tcp(80)).allowed, true);
});

test('evaluate(): picks an address family both endpoints have', () => {
  const dual: Resource = { ...wep('a', 'dual', '10.0.0.5'), spec: { ...(wep('a', 'dual', '10.0.0.5').spec as object), ipNetworks: ['10.0.0.5/32', 'fd00::5/128'] } };
  const v6only: Resource = { ...wep('b', 'six', 'fd00::6'), spec: { ...(wep('b', 'six', 'fd00::6').spec as object), ipNetworks: ['fd00::6/128'] } };
  const r = evaluate([...base, dual, v6only], { src: { workload: 'a/dual' }, dst: { workload: 'b/six' }, protocol: 'TCP', dstPort: 80 });
  assert.deepEqual([r.srcIP, r.dstIP], ['fd00::5', 'fd00::6']);
  assert.equal(evaluate([...base, dual], { src: { workload: 'a/dual' }, dst: { workload: 'b/server' }, protocol: 'TCP', dstPort: 80 }).srcIP, '10.0.0.5');
});

test('evaluate(): unknown endpoints and protocols are errors, not verdicts', () => {
  assert.throws(() => evaluate(base, { ...tcp(80), dst: { workload: 'b/nope' } }), /workload endpoint "b\/nope" not found/);
  assert.throws(() => evaluate(base, { ...tcp(80), protocol: 'GRE' }), /unknown protocol/);
  assert.throws(() => evaluate(base, { ...tcp(80), dst: { ip: 'fd00::1' } }), /IPv4 address|different IP families|no IPv6/);
});

test('evaluate(): forwarded through a host endpoint, only applyOnForward policy (and untracked/pre-DNAT) applies', () => {
  const hep: Resource = { apiVersion: V3, kind: 'HostEndpoint', metadata: { name: 'node1-eth0', labels: { host: 'node1' } }, spec: { node: 'node1', interfaceName: 'eth0', expectedIPs: ['172.16.0.1'] } };
  const fwdIn = (port: number): Packet => ({ src: { ip: '172.16.0.9' }, dst: { workload: 'b/server' }, protocol: 'TCP', dstPort: port, forwardedVia: { ingress: 'node1-eth0' } });
  const hostOnly = gnp('host-80', { selector: "host == 'node1'", ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [80] } }] });
  // A HEP with only normal (host) policy: forwarded traffic is allowed, and says why.
  const none = evaluate([...base, hep, hostOnly], fwdIn(81));
  assert.equal(none.allowed, true);
  assert.match(none.forwardIngress!.decidedBy.message, /no applyOnForward policy applies/);
  // A staged applyOnForward policy does not count.
  const staged = gnp('staged', { selector: "host == 'node1'", applyOnForward: true, ingress: [{ action: 'Deny' }] }, 'StagedGlobalNetworkPolicy');
  assert.equal(evaluate([...base, hep, staged], fwdIn(81)).allowed, true);
  // Once one applies, what it does not allow is dropped; what it allows still meets the workload's policy.
  const aof = gnp('fwd-80', { selector: "host == 'node1'", applyOnForward: true, ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [80] } }] });
  const denied = evaluate([...base, hep, aof], fwdIn(81));
  assert.equal(denied.allowed, false);
  assert.equal(denied.forwardIngress!.decidedBy.kind, 'end-of-tier');
  assert.equal(denied.ingress, undefined);
  const ok = evaluate([...base, hep, aof, ingressOnServer([{ action: 'Deny' }])], fwdIn(80));
  assert.deepEqual([ok.forwardIngress!.allowed, ok.allowed], [true, false]);
  // Pre-DNAT Deny drops forwarded traffic; a pre-DNAT Allow skips the forward policy.
  const pre = (action: 'Allow' | 'Deny'): Resource => gnp('pre', { selector: "host == 'node1'", preDNAT: true, applyOnForward: true, ingress: [{ action, protocol: 'TCP', destination: { ports: [81] } }] });
  assert.equal(evaluate([...base, hep, pre('Deny')], fwdIn(81)).allowed, false);
  assert.equal(evaluate([...base, hep, aof, pre('Allow')], fwdIn(81)).allowed, true);
  // Leaving through the host endpoint: its egress forward policy.
  const egress = gnp('fwd-out', { selector: "host == 'node1'", applyOnForward: true, types: ['Egress'], egress: [{ action: 'Deny' }] });
  const out = evaluate([...base, hep, egress], { ...tcp(80), dst: { ip: '172.16.0.9' }, forwardedVia: { egress: 'node1-eth0' } });
  assert.deepEqual([out.egress!.allowed, out.forwardEgress!.allowed, out.allowed], [true, false, false]);
  assert.throws(() => evaluate(base, { ...fwdIn(80), forwardedVia: { ingress: 'nope' } }), /host endpoint "nope" not found/);
});

test('evaluate(): a host and its own workloads: no host endpoint policy; DefaultEndpointToHostAction decides pod -> host', () => {
  const hep: Resource = { apiVersion: V3, kind: 'HostEndpoint', metadata: { name: 'node1-eth0', labels: { host: 'node1' } }, spec: { node: 'node1', interfaceName: 'eth0', expectedIPs: ['172.16.0.1'] } };
  const allowAll = gnp('host-allow', { selector: "host == 'node1'", ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }] });
  const toHost: Packet = { src: { workload: 'a/client' }, dst: { hostEndpoint: 'node1-eth0' }, protocol: 'TCP', dstPort: 22 };
  // Default Drop, even for a failsafe port and a policy that allows everything.
  const dropped = evaluate([...base, hep, allowAll], toHost);
  assert.equal(dropped.allowed, false);
  assert.equal(dropped.ingress?.decidedBy.kind, 'endpoint-to-host');
  const accept = { apiVersion: V3, kind: 'FelixConfiguration', metadata: { name: 'default' }, spec: { defaultEndpointToHostAction: 'Accept' } };
  assert.equal(evaluate([...base, hep, accept], toHost).allowed, true);
  // The workload's egress policy still runs first.
  const clientOut = gnp('client-out', { selector: "app == 'client'", types: ['Egress'] });
  assert.equal(evaluate([...base, hep, accept, clientOut], toHost).egress?.allowed, false);
  // The host reaching its own workload is not policed, even with a deny-all ingress on the pod.
  const r = evaluate([...base, hep, ingressOnServer([{ action: 'Deny' }])], { src: { hostEndpoint: 'node1-eth0' }, dst: { workload: 'b/server' }, protocol: 'TCP', dstPort: 80 });
  assert.equal(r.allowed, true);
  assert.equal(r.steps[0]!.kind, 'host-to-workload');
  // A host endpoint on another node is ordinary: its egress policy applies (no egress policy: default deny).
  const other: Resource = { ...hep, metadata: { name: 'node2-eth0', labels: { host: 'node2' } }, spec: { node: 'node2', interfaceName: 'eth0', expectedIPs: ['172.16.0.2'] } };
  assert.equal(evaluate([...base, other], { src: { hostEndpoint: 'node2-eth0' }, dst: { workload: 'b/server' }, protocol: 'TCP', dstPort: 80 }).allowed, false);
});
