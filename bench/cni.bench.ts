/**
 * CNI ADD/DEL latency: our `calico` plugin (embedded datastore, calico-ipam in-process) beside
 * Debian's reference `ptp` + `host-local`, and beside a bare `node -e 0`, interleaved in one run.
 * Every command runs through `nsenter --net=<host netns>`, so that overhead is in all three.
 * Target: (our ADD median - node start-up median) / reference ADD median <= 1.5.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { invokePlugin } from '../src/cni/invoke.js';
import { CniError } from '../src/cni/types.js';
import {
  NetnsSet, REFERENCE_CNI_DIR, calicoArgvCompiled, calicoConfig, freshDatastore, inHost, k8sArgs, netnsPath, prepareHost, referenceConfig, runPrefix, sh,
} from '../test/cni/_harness.js';

const RUNS = 30;
const NODE = 'bench-node';

function stats(xs: number[]): { median: number; p99: number; min: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  const r = (x: number): number => Number(x.toFixed(2));
  return { median: r(at(0.5)), p99: r(at(0.99)), min: r(s[0]!) };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  const r = await fn();
  if (r instanceof CniError) throw new Error(`plugin failed: ${r.code} ${r.message} ${r.details ?? ''}`);
  return performance.now() - t0;
}

export async function run(): Promise<Record<string, unknown>> {
  const prefix = runPrefix('b');
  const nets = new NetnsSet();
  const store = await freshDatastore(NODE, '10.67.0.0/16');
  try {
    const host = nets.add(`${prefix}h`);
    prepareHost(host);
    const ours = inHost(host, calicoArgvCompiled('calico'));
    const calicoConf = calicoConfig(store.dataDir, NODE);
    const refConf = referenceConfig(store.dataDir);
    const samples = { node: [] as number[], ourAdd: [] as number[], ourDel: [] as number[], refAdd: [] as number[], refDel: [] as number[] };
    for (let i = 0; i < RUNS + 2; i++) {
      const podA = nets.add(`${prefix}a${i}`);
      const podB = nets.add(`${prefix}r${i}`);
      const idA = randomUUID().replace(/-/g, '');
      const idB = randomUUID().replace(/-/g, '');
      const common = { ifName: 'eth0', cniPath: [REFERENCE_CNI_DIR] };
      const tNode = await timed(async () => sh(inHost(host, [process.execPath, '-e', '0'])));
      const tOurAdd = await timed(() => invokePlugin({ ...common, plugin: ours, command: 'ADD', containerId: idA, netns: netnsPath(podA), args: k8sArgs('bench', `pod-${i}`), config: calicoConf }));
      const tRefAdd = await timed(() => invokePlugin({ ...common, plugin: inHost(host, [`${REFERENCE_CNI_DIR}/ptp`]), command: 'ADD', containerId: idB, netns: netnsPath(podB), config: refConf }));
      const tOurDel = await timed(() => invokePlugin({ ...common, plugin: ours, command: 'DEL', containerId: idA, netns: netnsPath(podA), args: k8sArgs('bench', `pod-${i}`), config: calicoConf }));
      const tRefDel = await timed(() => invokePlugin({ ...common, plugin: inHost(host, [`${REFERENCE_CNI_DIR}/ptp`]), command: 'DEL', containerId: idB, netns: netnsPath(podB), config: refConf }));
      nets.del(podA);
      nets.del(podB);
      if (i < 2) continue; // warm-up: page cache, first datastore open, first block claim
      samples.node.push(tNode);
      samples.ourAdd.push(tOurAdd);
      samples.refAdd.push(tRefAdd);
      samples.ourDel.push(tOurDel);
      samples.refDel.push(tRefDel);
    }
    const node = stats(samples.node);
    const ourAdd = stats(samples.ourAdd);
    const ourDel = stats(samples.ourDel);
    const refAdd = stats(samples.refAdd);
    const refDel = stats(samples.refDel);
    const ratio = (ourAdd.median - node.median) / refAdd.median;
    return {
      runs: RUNS,
      unitsMs: { nodeStartup: node, ourAdd, ourDel, referencePtpHostLocalAdd: refAdd, referencePtpHostLocalDel: refDel },
      ourAddMinusNodeStartupMs: Number((ourAdd.median - node.median).toFixed(2)),
      ourDelMinusNodeStartupMs: Number((ourDel.median - node.median).toFixed(2)),
      ourAddMinusNodeStartup_over_referenceAdd: Number(ratio.toFixed(2)),
      ourDelMinusNodeStartup_over_referenceDel: Number(((ourDel.median - node.median) / refDel.median).toFixed(2)),
      target: 1.5,
      meetsTarget: ratio <= 1.5,
    };
  } finally {
    nets.cleanup();
    await store.close();
    rmSync(store.dataDir, { recursive: true, force: true });
  }
}
