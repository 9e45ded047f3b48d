/**
 * Host endpoints in a real kernel (needs root), each verdict checked against the reference evaluator too
 * (`calicoctl policy trace` in-process; `evaluate()` with `forwardedVia` for forwarded packets):
 * - a HostEndpoint on node1's eth0 makes host traffic default-deny, except failsafe ports (both directions);
 *   a pod and its own host are governed by DefaultEndpointToHostAction, not HEP policy;
 * - a GlobalNetworkPolicy selecting the HEP opens a port; tiers with Log, Pass and a GlobalNetworkSet source;
 * - FelixConfiguration failsafeInboundHostPorts and defaultEndpointToHostAction are honoured;
 * - forwarded traffic through the HEP is allowed until an applyOnForward policy applies (staged ones do not);
 * - preDNAT: Deny drops host and forwarded traffic, Allow skips normal policy;
 * - doNotTrack: Allow leaves no conntrack entry and beats pre-DNAT policy; Deny spares failsafe replies.
 *
 * Topology (src/lab): node netns with eth0 172.31.0.<i>/24 on the underlay bridge (172.31.0.254);
 * pods 10.65.<i>.x. Clients: node2's host (172.31.0.2), a pod on node2, and the underlay netns.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../../src/api/types.js';
import { clearConntrack, conntrackCount, evaluateNow, listen, tcpProbe, trace, udpEcho, until, type Listener, type TcpOutcome } from './_hep.js';
import { startTestLab } from './_lab.js';

const HEP = 'node1-eth0';
const NODE1 = '172.31.0.1';
const NODE2 = '172.31.0.2';
const UNDERLAY = '172.31.0.254';
const HOST_PORTS = [22, 2222, 8080];

function gnp(name: string, spec: Record<string, unknown>): Resource {
  return { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name }, spec: { selector: "hep == 'node1'", ...spec } };
}

test('kernel lab: host endpoints, failsafes, applyOnForward, preDNAT, doNotTrack', { timeout: 3 * 60_000 }, async (t) => {
  const started = Date.now();
  const env = await startTestLab(t, { nodes: 2 });
  const { lab, ds } = env;
  const node1 = lab.node('node1').netns;
  const node2 = lab.node('node2').netns;
  const ul = lab.state.underlay;
  await env.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } });
  const client = await lab.createPod({ ref: 'x/client', node: 'node2', labels: { app: 'client' } });
  const server = await lab.createPod({ ref: 'x/server', node: 'node1', labels: { app: 'server' } });

  const listeners: Listener[] = [];
  t.after(() => listeners.forEach((l) => l.stop()));
  listeners.push(await listen(node1, { tcp: HOST_PORTS }));
  listeners.push(await listen(ul, { tcp: [2379, 8081], udp: [53, 5353] }));

  const fromNode2 = (): Promise<Record<number, TcpOutcome>> => tcpProbe(node2, NODE1, HOST_PORTS);
  const fromPod = (): Promise<Record<number, TcpOutcome>> => tcpProbe(client.netns, NODE1, HOST_PORTS);
  const fromUnderlay = (): Promise<Record<number, TcpOutcome>> => tcpProbe(ul, NODE1, HOST_PORTS);
  const forwarded = (): Promise<Record<number, TcpOutcome>> => tcpProbe(node2, server.ip, [80, 81]);
  /**
   * Kernel outcome → allowed, insisting that a denial is a silent drop (not a reset from a missing listener).
   * Takes `string` because assert.deepEqual narrows the outcome records to plain strings.
   */
  const allowed = (o: string | undefined): boolean => {
    assert.notEqual(o, 'refused', 'nothing listening: the test setup is broken');
    return o === 'open';
  };
  /** Assert the kernel and the reference evaluator agree for node2 -> x/server, forwarded in through node1's eth0. */
  const agreeForwarded = async (what: string, kernel: Record<number, string>): Promise<void> => {
    for (const port of [80, 81]) {
      const r = await evaluateNow(ds, { src: { ip: NODE2 }, dst: { workload: 'x/server' }, protocol: 'TCP', dstPort: port, forwardedVia: { ingress: HEP } });
      assert.equal(r.allowed, allowed(kernel[port]), `${what} port ${port}: kernel says ${kernel[port]}, evaluator says ${r.allowed ? 'allow' : 'deny'} (${r.decidedBy})`);
    }
  };
  /** Assert the kernel and the reference evaluator agree for host-terminated TCP traffic. */
  const agree = async (what: string, from: string, to: string, port: number, kernel: string | undefined, srcPort?: number): Promise<string> => {
    const r = await trace(ds, from, to, 'tcp', port, srcPort);
    assert.equal(r.allowed, allowed(kernel), `${what}: kernel says ${kernel}, policy trace says ${r.allowed ? 'allow' : 'deny'} (${r.decidedBy})`);
    return r.decidedBy;
  };

  // Without a HostEndpoint nothing polices the host.
  assert.deepEqual(await fromNode2(), { 22: 'open', 2222: 'open', 8080: 'open' });
  // Forwarded: node2's host to the pod on node1 (the underlay has no route to the pods).
  assert.deepEqual(await forwarded(), { 80: 'open', 81: 'open' });

  const hep: Resource = {
    apiVersion: 'projectcalico.org/v3',
    kind: 'HostEndpoint',
    metadata: { name: HEP, labels: { hep: 'node1' } },
    spec: { node: 'node1', interfaceName: 'eth0', expectedIPs: [NODE1] },
  };
  await env.apply(hep);
  const hepRef = `hep:${HEP}`;

  await t.test('a host endpoint is default-deny except failsafe ports', async () => {
    const n2 = await until('HEP programmed', fromNode2, (r) => r[8080] === 'timeout');
    assert.deepEqual(n2, { 22: 'open', 2222: 'timeout', 8080: 'timeout' });
    assert.match(await agree('node2 -> node1:22', NODE2, hepRef, 22, n2[22]), /failsafe inbound port tcp:22/);
    assert.match(await agree('node2 -> node1:8080', NODE2, hepRef, 8080, n2[8080]), /no profiles: default deny/);
    // A pod on another node is no different from any other source.
    const pod = await fromPod();
    assert.deepEqual(pod, { 22: 'open', 2222: 'timeout', 8080: 'timeout' });
    await agree('x/client -> node1:22', 'x/client', hepRef, 22, pod[22]);
    await agree('x/client -> node1:8080', 'x/client', hepRef, 8080, pod[8080]);
    // Outbound from the host: failsafe tcp:2379 and udp:53 pass, anything else is dropped.
    const out = await tcpProbe(node1, UNDERLAY, [2379, 8081]);
    assert.deepEqual(out, { 2379: 'open', 8081: 'timeout' });
    await agree('node1 -> ul:2379', hepRef, UNDERLAY, 2379, out[2379]);
    await agree('node1 -> ul:8081', hepRef, UNDERLAY, 8081, out[8081]);
    assert.equal(await udpEcho(node1, UNDERLAY, 53), true, 'outbound failsafe udp:53');
    assert.equal(await udpEcho(node1, UNDERLAY, 5353), false, 'udp:5353 is not failsafe');
    for (const [port, want] of [[53, true], [5353, false]] as const) {
      assert.equal((await trace(ds, hepRef, UNDERLAY, 'udp', port)).allowed, want, `trace udp:${port}`);
    }
    // Forwarded traffic is not host traffic: no applyOnForward policy, so it is allowed.
    const fwd = await forwarded();
    assert.deepEqual(fwd, { 80: 'open', 81: 'open' });
    await agreeForwarded('forwarded, no applyOnForward policy', fwd);
  });

  const allow8080 = await env.apply(gnp('allow-8080', { order: 100, ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [8080] } }] }));

  await t.test('a GlobalNetworkPolicy selecting the host endpoint opens its port, and nothing else', async () => {
    const n2 = await until('allow-8080 programmed', fromNode2, (r) => r[8080] === 'open');
    assert.deepEqual(n2, { 22: 'open', 2222: 'timeout', 8080: 'open' });
    assert.match(await agree('node2 -> node1:8080', NODE2, hepRef, 8080, n2[8080]), /gnp\/allow-8080.*rule 0 \(Allow\)/);
    assert.match(await agree('node2 -> node1:2222', NODE2, hepRef, 2222, n2[2222]), /end of tier default/);
    const pod = await fromPod();
    assert.deepEqual(pod, n2);
    await agree('x/client -> node1:8080', 'x/client', hepRef, 8080, pod[8080]);
    // The policy has no egress: the host's own traffic stays default-deny (failsafes aside).
    const out = await tcpProbe(node1, UNDERLAY, [2379, 8081]);
    assert.deepEqual(out, { 2379: 'open', 8081: 'timeout' });
    await agree('node1 -> ul:8081', hepRef, UNDERLAY, 8081, out[8081]);
    // A pod talking to its own host meets DefaultEndpointToHostAction (Felix's default Drop), not host
    // endpoint policy or failsafes; the host reaching its own pod is not policed at all.
    const local = await tcpProbe(server.netns, NODE1, HOST_PORTS);
    assert.deepEqual(local, { 22: 'timeout', 2222: 'timeout', 8080: 'timeout' });
    for (const port of HOST_PORTS) {
      assert.match(await agree(`x/server -> own host:${port}`, 'x/server', hepRef, port, local[port]), /DefaultEndpointToHostAction Drop/);
    }
    const hostToPod = await tcpProbe(node1, server.ip, [81]);
    assert.deepEqual(hostToPod, { 81: 'open' });
    await agree('node1 -> own pod', hepRef, 'x/server', 81, hostToPod[81]);
  });

  await t.test('host endpoint policy in tiers: Log continues, a GlobalNetworkSet source is denied, Pass hands over to the next tier', async () => {
    const keys = [
      await env.apply({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkSet', metadata: { name: 'underlay', labels: { role: 'blocked' } }, spec: { nets: [`${UNDERLAY}/32`] } }),
      await env.apply({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'platform' }, spec: { order: 50 } }),
      await env.apply(gnp('platform.gate', {
        tier: 'platform', order: 1,
        ingress: [
          { action: 'Log', protocol: 'TCP' },
          { action: 'Deny', source: { selector: "role == 'blocked'" } },
          { action: 'Pass' },
        ],
      })),
    ];
    const u = await until('platform tier programmed', fromUnderlay, (r) => r[8080] === 'timeout');
    assert.deepEqual(u, { 22: 'open', 2222: 'timeout', 8080: 'timeout' });
    assert.match(await agree('ul -> node1:8080', UNDERLAY, hepRef, 8080, u[8080]), /platform\.gate.*rule 1 \(Deny\)/);
    await agree('ul -> node1:22', UNDERLAY, hepRef, 22, u[22]);
    const n2 = await fromNode2();
    assert.deepEqual(n2, { 22: 'open', 2222: 'timeout', 8080: 'open' });
    assert.match(await agree('node2 -> node1:8080 (passed to default)', NODE2, hepRef, 8080, n2[8080]), /allow-8080/);
    assert.match(await agree('node2 -> node1:2222 (passed to default)', NODE2, hepRef, 2222, n2[2222]), /end of tier default/);
    for (const k of keys.reverse()) await env.remove(k);
    await until('platform tier removed', fromUnderlay, (r) => r[8080] === 'open');
  });

  const felixConfig: Resource = {
    apiVersion: 'projectcalico.org/v3',
    kind: 'FelixConfiguration',
    metadata: { name: 'default' },
    spec: { failsafeInboundHostPorts: [{ protocol: 'TCP', port: 2222 }], defaultEndpointToHostAction: 'Accept' },
  };

  await t.test('FelixConfiguration: failsafeInboundHostPorts replaces the defaults; defaultEndpointToHostAction Accept', async () => {
    const key = await env.apply(felixConfig);
    const n2 = await until('failsafe change programmed', fromNode2, (r) => r[2222] === 'open' && r[22] === 'timeout');
    assert.deepEqual(n2, { 22: 'timeout', 2222: 'open', 8080: 'open' });
    assert.match(await agree('node2 -> node1:2222', NODE2, hepRef, 2222, n2[2222]), /failsafe inbound port tcp:2222/);
    await agree('node2 -> node1:22', NODE2, hepRef, 22, n2[22]);
    const local = await until('defaultEndpointToHostAction programmed', () => tcpProbe(server.netns, NODE1, [8080]), (r) => r[8080] === 'open');
    assert.match(await agree('x/server -> own host:8080', 'x/server', hepRef, 8080, local[8080]), /DefaultEndpointToHostAction Accept/);
    await env.remove(key);
    assert.deepEqual(await until('default failsafes back', fromNode2, (r) => r[22] === 'open'), { 22: 'open', 2222: 'timeout', 8080: 'open' });
  });

  await t.test('applyOnForward: forwarded traffic through the host endpoint is policed once a policy applies', async () => {
    // A staged applyOnForward policy is not enforced, and must not make forwarded traffic default-deny.
    const staged = await env.apply({
      apiVersion: 'projectcalico.org/v3', kind: 'StagedGlobalNetworkPolicy', metadata: { name: 'staged-fwd-deny' },
      spec: { selector: "hep == 'node1'", applyOnForward: true, types: ['Ingress'], ingress: [{ action: 'Deny' }] },
    });
    const key = await env.apply(gnp('fwd-80', { order: 200, applyOnForward: true, ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [80] } }] }));
    const policed = await until('fwd-80 programmed', forwarded, (r) => r[81] === 'timeout');
    assert.deepEqual(policed, { 80: 'open', 81: 'timeout' });
    await agreeForwarded('forwarded, fwd-80', policed);
    // It applies to host traffic too (after allow-8080 by order): still only 8080 and failsafes.
    const n2 = await fromNode2();
    assert.deepEqual(n2, { 22: 'open', 2222: 'timeout', 8080: 'open' });
    await agree('node2 -> node1:2222 with fwd-80', NODE2, hepRef, 2222, n2[2222]);
    // The egress side of the HEP has no applyOnForward policy: node1's pod still reaches node2's pod.
    const out = await tcpProbe(server.netns, client.ip, [81]);
    assert.deepEqual(out, { 81: 'open' });
    const outTrace = await evaluateNow(ds, { src: { workload: 'x/server' }, dst: { workload: 'x/client' }, protocol: 'TCP', dstPort: 81, forwardedVia: { egress: HEP } });
    assert.equal(outTrace.allowed, true, outTrace.decidedBy);
    await env.remove(key);
    const open = await until('fwd-80 removed (staged-fwd-deny remains)', forwarded, (r) => r[81] === 'open');
    assert.deepEqual(open, { 80: 'open', 81: 'open' });
    await agreeForwarded('forwarded, only a staged applyOnForward policy', open);
    await env.remove(staged);
  });

  await t.test('preDNAT: a Deny drops host and forwarded traffic, an Allow skips normal policy, no verdict falls through', async () => {
    const key = await env.apply(gnp('prednat', {
      order: 10, preDNAT: true, applyOnForward: true, types: ['Ingress'],
      ingress: [
        { action: 'Deny', source: { nets: [`${NODE2}/32`] } },
        { action: 'Allow', protocol: 'TCP', source: { nets: [`${UNDERLAY}/32`] }, destination: { ports: [2222] } },
      ],
    }));
    const n2 = await until('preDNAT programmed', fromNode2, (r) => r[8080] === 'timeout');
    // Failsafes run before pre-DNAT policy.
    assert.deepEqual(n2, { 22: 'open', 2222: 'timeout', 8080: 'timeout' });
    assert.match(await agree('node2 -> node1:8080', NODE2, hepRef, 8080, n2[8080]), /gnp\/prednat.*rule 0 \(Deny\)/);
    await agree('node2 -> node1:22', NODE2, hepRef, 22, n2[22]);
    // The underlay: 2222 allowed pre-DNAT (normal policy would drop it); 8080 has no pre-DNAT verdict and
    // falls through to allow-8080.
    const u = await fromUnderlay();
    assert.deepEqual(u, { 22: 'open', 2222: 'open', 8080: 'open' });
    assert.match(await agree('ul -> node1:2222', UNDERLAY, hepRef, 2222, u[2222]), /gnp\/prednat.*rule 1 \(Allow\)/);
    assert.match(await agree('ul -> node1:8080', UNDERLAY, hepRef, 8080, u[8080]), /allow-8080/);
    // Pre-DNAT policy sees forwarded traffic as well.
    const fwd = await forwarded();
    assert.deepEqual(fwd, { 80: 'timeout', 81: 'timeout' });
    await agreeForwarded('forwarded, preDNAT deny', fwd);
    await env.remove(key);
    await until('preDNAT removed', fromNode2, (r) => r[8080] === 'open');
  });

  await t.test('doNotTrack: an untracked Allow opens a port without conntrack and wins over pre-DNAT policy', async () => {
    // Forget the tracked 2222 connections of the pre-DNAT test (they linger in CLOSE/TIME_WAIT).
    await clearConntrack(node1, 2222);
    const key = await env.apply(gnp('untracked-2222', {
      order: 10, doNotTrack: true, applyOnForward: true, types: ['Ingress', 'Egress'],
      ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [2222] } }],
      egress: [{ action: 'Allow', protocol: 'TCP', source: { ports: [2222] } }],
    }));
    const u = await until('doNotTrack programmed', fromUnderlay, (r) => r[2222] === 'open');
    assert.deepEqual(u, { 22: 'open', 2222: 'open', 8080: 'open' });
    assert.match(await agree('ul -> node1:2222', UNDERLAY, hepRef, 2222, u[2222]), /untracked-2222.*\(Allow\)/);
    // The reply leaves through the untracked egress rule (source port 2222).
    assert.equal((await trace(ds, hepRef, UNDERLAY, 'tcp', 40000, 2222)).allowed, true);
    assert.equal(await conntrackCount(node1, UNDERLAY, 2222), 0, 'untracked connection left a conntrack entry');
    assert.ok((await conntrackCount(node1, UNDERLAY, 8080)) > 0, 'tracked connection to 8080 has no conntrack entry');
    // Untracked policy runs first: a pre-DNAT Deny does not undo its Allow.
    const pre = await env.apply(gnp('prednat-deny-ul', {
      order: 10, preDNAT: true, applyOnForward: true, ingress: [{ action: 'Deny', source: { nets: [`${UNDERLAY}/32`] } }],
    }));
    const both = await until('preDNAT deny programmed', fromUnderlay, (r) => r[8080] === 'timeout');
    assert.deepEqual(both, { 22: 'open', 2222: 'open', 8080: 'timeout' });
    await agree('ul -> node1:2222 (untracked + preDNAT)', UNDERLAY, hepRef, 2222, both[2222]);
    await agree('ul -> node1:8080 (untracked + preDNAT)', UNDERLAY, hepRef, 8080, both[8080]);
    await env.remove(pre);
    await env.remove(key);
    await until('doNotTrack removed', fromUnderlay, (r) => r[2222] === 'timeout' && r[8080] === 'open');
  });

  await t.test('doNotTrack: an untracked Deny drops new traffic but not failsafe traffic or its replies', async () => {
    const key = await env.apply(gnp('untracked-deny-ul', {
      order: 10, doNotTrack: true, applyOnForward: true, types: ['Ingress'],
      ingress: [{ action: 'Deny', source: { nets: [`${UNDERLAY}/32`] } }],
    }));
    const u = await until('untracked deny programmed', fromUnderlay, (r) => r[8080] === 'timeout');
    assert.deepEqual(u, { 22: 'open', 2222: 'timeout', 8080: 'timeout' });
    assert.match(await agree('ul -> node1:8080', UNDERLAY, hepRef, 8080, u[8080]), /untracked-deny-ul.*\(Deny\)/);
    await agree('ul -> node1:22', UNDERLAY, hepRef, 22, u[22]);
    // The host's own failsafe connection to the underlay: the reply (source port 2379) must get through raw.
    const out = await tcpProbe(node1, UNDERLAY, [2379]);
    assert.deepEqual(out, { 2379: 'open' });
    await agree('node1 -> ul:2379', hepRef, UNDERLAY, 2379, out[2379]);
    await env.remove(key);
    await until('untracked deny removed', fromUnderlay, (r) => r[8080] === 'open');
  });

  await env.remove(allow8080);
  await env.remove({ kind: 'HostEndpoint', name: HEP });
  await t.test('deleting the host endpoint lifts host policy', async () => {
    assert.deepEqual(await until('HEP removed', fromNode2, (r) => r[2222] === 'open'), { 22: 'open', 2222: 'open', 8080: 'open' });
    assert.equal((await trace(ds, NODE2, NODE1, 'tcp', 2222)).allowed, true);
  });
  t.diagnostic(`host endpoint lab scenarios took ${Date.now() - started} ms`);
});
