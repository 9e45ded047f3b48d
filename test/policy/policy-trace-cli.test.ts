/**
 * `calicoctl policy trace` against a real embedded datastore in a temp dir: `--matrix -o json` must
 * reproduce the netpol truth tables, and a single trace must name the deciding tier, policy and rule.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertToCalico } from '../../src/api/k8s.js';
import type { Resource } from '../../src/api/types.js';
import { policyTraceCommand } from '../../src/cli/commands/policy-trace.js';
import { runCommandInProcess, type Captured } from '../helpers/in-process-cli.js';
import { openEmbeddedDatastore } from '../../src/datastore/index.js';
import type { Datastore } from '../../src/datastore/types.js';
import { netpolBaseResources, netpolCases, netpolPods } from '../netpol/cases.js';

const pods = netpolPods();
const cases = netpolCases(pods);
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'calico-trace-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Run the command in-process against a datastore holding `resources`. */
async function runTrace(sub: string, resources: Resource[], argv: string[]): Promise<Captured> {
  const ds: Datastore = await openEmbeddedDatastore({ dataDir: join(dir, sub) });
  try {
    for (const r of resources) await ds.create(convertToCalico(structuredClone(r)));
    return await runCommandInProcess(policyTraceCommand, argv, ds);
  } finally {
    await ds.close();
  }
}

// A spread of the cases: k8s ingress/egress, named ports, ipBlock except, UDP, tiers, network sets.
const MATRIX_CASES = [
  "should support a 'default-deny-all' policy",
  'should enforce policy based on PodSelector and NamespaceSelector',
  'should allow ingress access from namespace on one named port (port 80)',
  'should enforce except clause while egress access to server in CIDR block',
  'UDP: should enforce policy based on Ports',
  'calico: tier with Pass and Deny: GNP in tier security denies ingress from namespace z, passes the rest',
  'calico: GlobalNetworkSet matched from a namespaced policy through namespaceSelector global()',
  'calico: Deny before Allow by order within a namespace',
];

MATRIX_CASES.forEach((name, i) => {
  test(`policy trace --matrix -o json: ${name}`, async () => {
    const c = cases.find((x) => x.name === name);
    assert.ok(c, `case ${name} exists`);
    const res = await runTrace(`m${i}`, [...netpolBaseResources(pods, c.overrides), ...c.policies], [
      '--matrix',
      '--protocol',
      c.protocol.toLowerCase(),
      '--port',
      String(c.port),
      '-o',
      'json',
    ]);
    assert.equal(res.stderr, '');
    assert.equal(res.code, 0);
    assert.deepEqual(JSON.parse(res.stdout), c.expected);
  });
});

test('policy trace names the deciding tier, policy and rule', async () => {
  const c = cases.find((x) => x.name === 'calico: tier with Pass and Deny: GNP in tier security denies ingress from namespace z, passes the rest')!;
  const res = await runTrace('single', [...netpolBaseResources(pods), ...c.policies], ['--from', 'z/a', '--to', 'x/b', '--protocol', 'tcp', '--port', '80']);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /^Packet: z\/a \(10\.65\.2\.10\) -> x\/b \(10\.65\.0\.11\) TCP port 80$/m);
  assert.match(res.stdout, /^Egress of workload endpoint z\/a:$/m);
  assert.match(res.stdout, /^Ingress of workload endpoint x\/b:$/m);
  assert.match(res.stdout, /Verdict: DENIED by ingress of x\/b: tier security, policy gnp\/security\.block-z, ingress rule 0 \(Deny\)/);
  // The egress side of z/a has no policy: its namespace profile allows.
  assert.match(res.stdout, /=> ALLOWED \(profile kns\.z, egress rule 0 \(Allow\)\)/);
});

test('policy trace from an outside address skips egress', async () => {
  const res = await runTrace('ip', netpolBaseResources(pods), ['--from', '192.0.2.7', '--to', 'x/a', '--port', '80']);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /^Egress:\n  source 192\.0\.2\.7 is not a Calico endpoint: no egress policy applies$/m);
  assert.match(res.stdout, /Verdict: ALLOWED/);
});

test('policy trace -o json carries steps and the verdict', async () => {
  const deny = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'x' }, spec: { podSelector: {} } };
  const res = await runTrace('json', [...netpolBaseResources(pods), deny], ['--from', 'y/a', '--to', 'a', '-n', 'x', '--port', '80', '-o', 'json']);
  assert.equal(res.code, 0, res.stderr);
  const out = JSON.parse(res.stdout) as { allowed: boolean; ingress: { decidedBy: { kind: string; tier: string } } };
  assert.equal(out.allowed, false);
  assert.equal(out.ingress.decidedBy.kind, 'end-of-tier');
  assert.equal(out.ingress.decidedBy.tier, 'default');
});

test('policy trace reports an unknown workload and bad flags', async () => {
  const res = await runTrace('bad', netpolBaseResources(pods), ['--from', 'x/nope', '--to', 'x/a', '--port', '80']);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /workload endpoint "x\/nope" not found/);
  await assert.rejects(runTrace('bad2', [], ['--from', 'x/a', '--to', 'x/b']), /--port is required for protocol tcp/);
  await assert.rejects(runTrace('bad3', [], ['--matrix', '--port', '80', '-o', 'yaml']), /unrecognized output format/);
});

test('calicoctl binary: policy trace --matrix -o json over an embedded datastore', async () => {
  const { spawn } = await import('node:child_process');
  const { nodeCommand } = await import('../helpers/paths.js');
  const c = cases.find((x) => x.name === 'should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)')!;
  const dataDir = join(dir, 'binary');
  const ds = await openEmbeddedDatastore({ dataDir });
  try {
    for (const r of [...netpolBaseResources(pods), ...c.policies]) await ds.create(convertToCalico(structuredClone(r)));
  } finally {
    await ds.close();
  }
  const [cmd, ...args] = nodeCommand('src/cli/main');
  const child = spawn(cmd!, [...args, 'policy', 'trace', '--matrix', '--protocol', 'tcp', '--port', '80', '-o', 'json'], {
    env: { ...process.env, DATASTORE_TYPE: 'embedded', CALICO_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.deepEqual(JSON.parse(stdout), c.expected);
});
