/**
 * The Kubernetes upstream NetworkPolicy e2e cases (and the Calico cases) from test/netpol/cases.ts,
 * through real kernels: one two-node lab with the nine pods x,y,z/a,b,c, Felix in each node, policies
 * applied to the datastore as calicoctl would, then the full probe matrix. Cases that share policies
 * are probed together. SCTP cases are left to the evaluator test (the lab serves TCP and UDP).
 *
 * Then a differential test: random Calico policies through the reference evaluator (src/policy) and
 * through the kernel must agree on every pod pair.
 *
 * Needs root (network namespaces, nftables).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { convertToCalico } from '../../src/api/k8s.js';
import type { Resource } from '../../src/api/types.js';
import { hostVethName } from '../../src/lab/names.js';
import type { ServePort } from '../../src/lab/serve.js';
import { buildSnapshot, evaluate } from '../../src/policy/index.js';
import { netpolBaseResources, netpolCases, netpolNamespaces, netpolPods, type LabelOverrides, type NetpolCase, type PodInfo, type TruthTable } from '../netpol/cases.js';
import { randomPolicies } from './_random-policies.js';
import { sleep, startTestLab, type TestLab } from './_lab.js';

const NODE_OF = (ns: string, pod: string): string => (('xyz'.indexOf(ns) + 'abc'.indexOf(pod)) % 2 === 0 ? 'node1' : 'node2');
const pods = netpolPods({ nodeOf: NODE_OF, interfaceOf: (ns, pod) => hostVethName(ns, pod) });
/** How long policy may take to reach both kernels before a mismatch counts. */
const CONVERGE_MS = 8000;
const PROBE_TIMEOUT_MS = 500;

function portOf(c: Pick<NetpolCase, 'protocol' | 'port'>): ServePort {
  return { protocol: c.protocol === 'UDP' ? 'udp' : 'tcp', port: c.port };
}

function differences(actual: TruthTable, expected: TruthTable): string[] {
  return Object.keys(expected)
    .filter((k) => actual[k] !== expected[k])
    .map((k) => `${k}: expected ${expected[k] ? 'ALLOWED' : 'DENIED'}, kernel ${actual[k] ? 'ALLOWED' : 'DENIED'}`);
}

async function setOverrides(env: TestLab, overrides: LabelOverrides | undefined): Promise<void> {
  for (const ns of netpolNamespaces(overrides)) await env.apply(ns);
  for (const p of pods) await env.lab.setPodLabels(p.id, { pod: p.pod, ...(overrides?.podLabels?.[p.id] ?? {}) });
}

/**
 * Apply resources, probe until every expectation holds or CONVERGE_MS passes, then remove them.
 * Returns the differences per port key (empty when all match).
 */
async function runGroup(env: TestLab, resources: Resource[], expectations: Array<{ port: ServePort; expected: TruthTable }>): Promise<Record<string, string[]>> {
  const keys = [];
  for (const r of resources) keys.push(await env.apply(r));
  try {
    const ports = [...new Map(expectations.map((e) => [`${e.port.protocol}:${e.port.port}`, e.port])).values()];
    const deadline = Date.now() + CONVERGE_MS;
    for (;;) {
      const got = await env.lab.probe({ ports, timeoutMs: PROBE_TIMEOUT_MS });
      const diffs: Record<string, string[]> = {};
      for (const e of expectations) {
        const d = differences(got[`${e.port.protocol}:${e.port.port}`]!, e.expected);
        if (d.length > 0) diffs[`${e.port.protocol}:${e.port.port}`] = d;
      }
      if (Object.keys(diffs).length === 0 || Date.now() > deadline) return diffs;
      await sleep(250);
    }
  } finally {
    for (const k of keys.reverse()) await env.remove(k);
  }
}

test('kernel lab: NetworkPolicy cases and differential check against the evaluator', { timeout: 30 * 60_000 }, async (t) => {
  const env = await startTestLab(t, { nodes: 2 });
  for (const ns of netpolNamespaces()) await env.apply(ns);
  for (const p of pods) await env.lab.createPod({ ref: p.id, node: p.node, ip: p.ip, labels: { pod: p.pod } });

  // NETPOL_ONLY=<regex> narrows the run when debugging one case.
  const only = process.env.NETPOL_ONLY ? new RegExp(process.env.NETPOL_ONLY) : undefined;
  const cases = netpolCases(pods).filter((c) => c.protocol !== 'SCTP' && (!only || only.test(c.name)));
  // Group cases with the same resources and label changes: one apply, one probe of every port they need.
  const groups = new Map<string, NetpolCase[]>();
  for (const c of cases) {
    const key = JSON.stringify([c.policies, c.overrides ?? null]);
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }

  await t.test('no policy: every pod reaches every pod on TCP/UDP 80/81', async () => {
    const all: TruthTable = Object.fromEntries(pods.flatMap((a) => pods.map((b) => [`${a.id}->${b.id}`, true])));
    const ports: ServePort[] = [{ protocol: 'tcp', port: 80 }, { protocol: 'tcp', port: 81 }, { protocol: 'udp', port: 80 }, { protocol: 'udp', port: 81 }];
    assert.deepEqual(await runGroup(env, [], ports.map((port) => ({ port, expected: all }))), {});
  });

  for (const group of groups.values()) {
    const first = group[0]!;
    const name = group.length === 1 ? `${first.name} [${first.protocol}/${first.port}]` : `${first.name} [${group.map((c) => `${c.protocol}/${c.port}`).join(', ')}]`;
    await t.test(name, async () => {
      if (first.overrides) await setOverrides(env, first.overrides);
      try {
        const diffs = await runGroup(env, first.policies, group.map((c) => ({ port: portOf(c), expected: c.expected })));
        assert.deepEqual(diffs, {}, group.map((c) => c.name).join(' | '));
      } finally {
        if (first.overrides) await setOverrides(env, undefined);
      }
    });
  }

  await t.test('differential: random policies agree with the reference evaluator', async () => {
    const ports: ServePort[] = [{ protocol: 'tcp', port: 80 }, { protocol: 'tcp', port: 81 }, { protocol: 'udp', port: 80 }];
    const seed = Number(process.env.DIFF_SEED ?? Date.now() % 100000);
    const scenarios = fc.sample(randomPolicies(pods), { seed, numRuns: Number(process.env.DIFF_RUNS ?? 8) });
    for (const [i, policies] of scenarios.entries()) {
      const snap = buildSnapshot([...netpolBaseResources(pods), ...policies].map(convertToCalico));
      const expectations = ports.map((port) => {
        const expected: TruthTable = {};
        for (const a of pods) {
          for (const b of pods) {
            // A pod reaching itself stays on its own loopback: the kernel never polices it.
            expected[`${a.id}->${b.id}`] = a.id === b.id || evaluate(snap, { src: { workload: a.id }, dst: { workload: b.id }, protocol: port.protocol.toUpperCase() as 'TCP' | 'UDP', dstPort: port.port, srcPort: 40000 }).allowed;
          }
        }
        return { port, expected };
      });
      const diffs = await runGroup(env, policies, expectations);
      assert.deepEqual(diffs, {}, `seed ${seed} scenario ${i}: ${JSON.stringify(policies)}`);
    }
  });
});

export type { PodInfo };
