/**
 * kill -9 of the calico plugin in the middle of ADD, 50 times: at each named hold point
 * (CALICO_CNI_TEST_HOLD_AT) and at random moments. Then the runtime's DEL and the IPAM garbage
 * collector run, and nothing may be left: no address allocated, no handle, no WorkloadEndpoint,
 * no host veth. Needs root.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { invokePlugin } from '../../src/cni/invoke.js';
import { CniError } from '../../src/cni/types.js';
import { IPAMGarbageCollector } from '../../src/ipam/gc.js';
import { FakeClock, type IPAMBlock } from '../../src/ipam/types.js';
import {
  NetnsSet, calicoArgv, calicoConfig, freshDatastore, inHost, k8sArgs, netnsPath, prepareHost, runPrefix, sh, type TestDatastore,
} from './_harness.js';

const NODE = 'kill-node';
const RUNS = 50;
const PARALLEL = 5;
const HOLD_POINTS = ['after-datastore', 'after-ipam', 'after-wiring', 'after-wep'];
const prefix = runPrefix('k');
const nets = new NetnsSet();
let host: string;
let store: TestDatastore;

before(async () => {
  host = nets.add(`${prefix}h`);
  prepareHost(host);
  store = await freshDatastore(NODE, '10.68.0.0/16');
});
after(async () => {
  nets.cleanup();
  await store?.close();
});

interface Outcome {
  how: string;
  killed: boolean;
}

/** One ADD killed at a hold point (i < 4 * k) or after a random delay; then the runtime's DEL. */
async function killOne(i: number, ns: string, randomMaxMs: number): Promise<Outcome> {
  const pod = { containerId: randomUUID().replace(/-/g, ''), name: `victim-${i}` };
  const conf = calicoConfig(store.dataDir, NODE);
  const hold = i % 3 !== 2 ? HOLD_POINTS[i % HOLD_POINTS.length] : undefined;
  const delay = Math.floor(Math.random() * randomMaxMs);
  let pid = 0;
  let killed = false;
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const kill = (): void => {
    if (done || killed) return;
    killed = true;
    process.kill(pid, 'SIGKILL');
  };
  const common = { plugin: inHost(host, calicoArgv('calico')), containerId: pod.containerId, netns: netnsPath(ns), ifName: 'eth0', args: k8sArgs('kill', pod.name), config: conf };
  const add = invokePlugin({
    ...common,
    command: 'ADD',
    env: hold ? { CALICO_CNI_TEST_HOLD_AT: hold } : {},
    onSpawn: (p) => {
      pid = p;
      if (!hold) timer = setTimeout(kill, delay);
    },
    onStderr: (chunk) => {
      if (hold && chunk.includes(`holding at ${hold}`)) kill();
    },
    timeoutMs: 60_000,
  });
  const r = await add;
  done = true;
  clearTimeout(timer);
  if (!killed) assert.ok(!(r instanceof CniError), `unkilled ADD succeeded: ${(r as CniError).message}`);
  // nsenter execs the plugin, so the PID we killed was the plugin itself. Its `ip` children see EOF
  // and finish the lines they already had; the DEL below starts long after that.
  const del = await invokePlugin({ ...common, command: 'DEL', timeoutMs: 60_000 });
  assert.ok(!(del instanceof CniError), `DEL after kill: ${(del as CniError)?.message}`);
  return { how: hold ?? `random ${delay}ms`, killed };
}

test(`kill -9 mid-ADD ${RUNS} times: DEL + IPAM GC leave nothing behind`, { timeout: 900_000 }, async () => {
  // The random kill window: one undisturbed ADD's duration.
  const probeNs = nets.add(`${prefix}q`);
  const probe = { plugin: inHost(host, calicoArgv('calico')), containerId: 'probe', netns: netnsPath(probeNs), ifName: 'eth0', args: k8sArgs('kill', 'probe'), config: calicoConfig(store.dataDir, NODE) };
  const t0 = performance.now();
  assert.ok(!((await invokePlugin({ ...probe, command: 'ADD' })) instanceof CniError));
  const window = performance.now() - t0;
  assert.ok(!((await invokePlugin({ ...probe, command: 'DEL' })) instanceof CniError));
  nets.del(probeNs);

  const outcomes: Outcome[] = [];
  for (let base = 0; base < RUNS; base += PARALLEL) {
    const batch = Array.from({ length: Math.min(PARALLEL, RUNS - base) }, (_, j) => base + j);
    const spaces = batch.map((i) => nets.add(`${prefix}v${i}`));
    outcomes.push(...(await Promise.all(batch.map((i, j) => killOne(i, spaces[j]!, window)))));
    for (const s of spaces) nets.del(s);
  }
  assert.ok(outcomes.filter((o) => o.killed).length >= RUNS * 0.6, `most runs were really killed: ${JSON.stringify(outcomes)}`);

  // The IPAM GC as kube-controllers runs it: two passes a grace period apart.
  const clock = new FakeClock(Date.now());
  const gc = new IPAMGarbageCollector(store.ds, { clock, leakGracePeriodMs: 60_000 });
  await gc.runPass();
  clock.advance(61_000);
  await gc.runPass();

  const blocks = (await store.ds.list<IPAMBlock>({ kind: 'IPAMBlock' })).items;
  const leaked = blocks.flatMap((b) => b.spec!.allocations.flatMap((a, ord) => (a === null ? [] : [`${b.spec!.cidr}#${ord}`])));
  assert.deepEqual(leaked, [], 'no address leaked');
  assert.deepEqual((await store.ds.list({ kind: 'IPAMHandle' })).items.map((h) => h.metadata.name), [], 'no handle left');
  assert.deepEqual((await store.ds.list({ kind: 'WorkloadEndpoint' })).items.map((w) => w.metadata.name), [], 'no WorkloadEndpoint left');
  const links = sh(['ip', '-n', host, '-br', 'link']).split('\n').filter((l) => l.startsWith('cali'));
  assert.deepEqual(links, [], 'no host veth left');
});
