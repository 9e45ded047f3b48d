/**
 * Host endpoints in a real kernel (needs root), each scenario checked against `calicoctl policy trace` too:
 * - a HostEndpoint on node1's eth0 makes host traffic default-deny, except failsafe ports (both directions);
 * - a GlobalNetworkPolicy selecting the HEP opens a port; FelixConfiguration failsafeInboundHostPorts is honoured;
 * - forwarded traffic through the HEP is allowed until an applyOnForward policy applies, then policed;
 * - a preDNAT policy denies one source (host and forwarded traffic) and leaves others to normal policy;
 * - a doNotTrack policy lets a port through with no conntrack entry.
 *
 * Topology (src/lab): node netns with eth0 172.31.0.<i>/24 on the underlay bridge (172.31.0.254);
 * pods 10.65.<i>.x. Clients: node2's host (172.31.0.2), a pod on node2, and the underlay netns.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../../src/api/types.js';
import { conntrackCount, listen, tcpProbe, trace, udpEcho, until, type Listener, type TcpOutcome } from './_hep.js';
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
  /** Kernel outcome → allowed, insisting that a denial is a silent drop (not a reset from a missing listener). */
  // (assert.deepEqual narrows outcomes to plain strings, hence `string` here.)
  const allowed = (o: string | undefined): boolean => {
    assert.notEqual(o, 'refused', 'nothing listening: the test setup is broken');
    return o === 'open';
  };
  /** Assert the kernel and the reference evaluator agree for host-terminated TCP traffic. */
  const agree = async (what: string, from: string, to: string, port: number, kernel: string | undefined, srcPort?: number): Promise<string> => {
    const r = await trace(ds, from, to, 'tcp', port, srcPort);
    assert.equal(r.allowed, allowed(kernel), `${what}: kernel says ${kernel}, policy trace says ${r.allowed ? 'allow' : 'deny'} (${r.decidedBy})`);
    return r.decidedBy;
  };

  // Without a HostEndpoint nothing polices the host.
  assert.deepEqual(await fromNode2(), { 22: 'open', 2222: 'open', 8080: 'open' });
  // The underlay has no route to the pods; the lab's "BGP" only teaches the nodes.
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
    assert.deepEqual(await forwarded(), { 80: 'open', 81: 'open' });
    assert.equal((await trace(ds, NODE2, 'x/server', 'tcp', 81)).allowed, true);
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
  });

  const felixConfig: Resource = {
    apiVersion: 'projectcalico.org/v3',
    kind: 'FelixConfiguration',
    metadata: { name: 'default' },
    spec: { failsafeInboundHostPorts: [{ protocol: 'TCP', port: 2222 }] },
  };

  await t.test('FelixConfiguration failsafeInboundHostPorts replaces the defaults', async () => {
    const key = await env.apply(felixConfig);
    const n2 = await until('failsafe change programmed', fromNode2, (r) => r[2222] === 'open' && r[22] === 'timeout');
    assert.deepEqual(n2, { 22: 'timeout', 2222: 'open', 8080: 'open' });
    assert.match(await agree('node2 -> node1:2222', NODE2, hepRef, 2222, n2[2222]), /failsafe inbound port tcp:2222/);
    await agree('node2 -> node1:22', NODE2, hepRef, 22, n2[22]);
    await env.remove(key);
    assert.deepEqual(await until('default failsafes back', fromNode2, (r) => r[22] === 'open'), { 22: 'open', 2222: 'timeout', 8080: 'open' });
  });

  await t.test('applyOnForward: forwarded traffic through the host endpoint is policed once a policy applies', async () => {
    const key = await env.apply(gnp('fwd-80', { order: 200, applyOnForward: true, ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [80] } }] }));
    assert.deepEqual(await until('fwd-80 programmed', forwarded, (r) => r[81] === 'timeout'), { 80: 'open', 81: 'timeout' });
    // It applies to host traffic too (after allow-8080 by order): still only 8080 and failsafes.
    assert.deepEqual(await fromNode2(), { 22: 'open', 2222: 'timeout', 8080: 'open' });
    // The egress side of the HEP has no applyOnForward policy: node1's pod still reaches node2's pod.
    assert.equal((await tcpProbe(server.netns, client.ip, [81]))[81], 'open');
    await env.remove(key);
    assert.deepEqual(await until('fwd-80 removed', forwarded, (r) => r[81] === 'open'), { 80: 'open', 81: 'open' });
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
    assert.deepEqual(await forwarded(), { 80: 'timeout', 81: 'timeout' });
    await env.remove(key);
    await until('preDNAT removed', fromNode2, (r) => r[8080] === 'open');
  });

  await t.test('doNotTrack: an untracked Allow opens a port without conntrack and wins over pre-DNAT policy', async () => {
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
