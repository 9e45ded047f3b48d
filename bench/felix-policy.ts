/**
 * The policy-programming half of the Felix bench, run as its own process inside a fresh network
 * namespace (felix.bench.ts starts it with `ip netns exec`), as the agent runs in its node's namespace:
 * the nf_tables netlink socket opens in the namespace of the process, and the RSS reported is this
 * process's (memory datastore + calc graph + dataplane + the bench's own bookkeeping).
 * Usage: node felix-policy.js ip,ip6   (prints one JSON object)
 */
import { performance } from 'node:perf_hooks';
import { prepareResource } from '../src/api/index.js';
import type { Resource } from '../src/api/types.js';
import { startCalcPipeline } from '../src/calc/index.js';
import type { PipelineCallbacks } from '../src/calc/dataplane-api.js';
import { MemoryDatastore } from '../src/datastore/memory.js';
import { diffScript, ExecNftRunner, NftablesDataplane, type NftRunner } from '../src/dataplane/nftables/index.js';
import { chainRewriteScript, elementScript } from '../src/dataplane/nftables/format.js';
import type { ChainRules, SetElementChanges } from '../src/dataplane/nftables/model.js';
import { ruleCount } from './_nft.js';

const ENDPOINTS = 1000;
const POLICIES = 5000;
const CHANGES = Number(process.env.FELIX_BENCH_CHANGES ?? 200);
const WIDE_CHANGES = 50;
const LABEL_CHANGES = 50;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const round = (n: number): number => Math.round(n * 100) / 100;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Wraps a runner to record how long each transaction takes (to split kernel/nft time from ours), whether
 * it went through nft or over netlink, and the nft script equivalent of the last one (for the baseline).
 */
class TimingRunner implements NftRunner {
  readonly runs: number[] = [];
  readonly routes = { nft: 0, netlink: 0 };
  lastScript = '';
  readonly #inner: NftRunner;
  constructor(inner: NftRunner) {
    this.#inner = inner;
  }
  async run(script: string): Promise<void> {
    const s = performance.now();
    this.lastScript = script;
    try {
      await this.#inner.run(script);
    } finally {
      this.runs.push(performance.now() - s);
      this.routes.nft++;
    }
  }
  async replaceChains(changes: readonly ChainRules[], sets: readonly SetElementChanges[] = []): Promise<boolean> {
    if (!this.#inner.replaceChains) return false;
    const s = performance.now();
    const sent = await this.#inner.replaceChains(changes, sets);
    if (sent) {
      this.runs.push(performance.now() - s);
      this.routes.netlink++;
      this.lastScript = elementScript(sets) + chainRewriteScript(changes);
    }
    return sent;
  }
  listTable(family: string, name: string): Promise<string | undefined> {
    return this.#inner.listTable(family, name);
  }
}

function policy(i: number, port: number): Resource {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'NetworkPolicy',
    metadata: { name: `p${i}`, namespace: 'bench' },
    spec: {
      selector: `svc == 's${i % ENDPOINTS}'`,
      types: ['Ingress'],
      ingress: [
        { action: 'Allow', protocol: 'TCP', source: { selector: `app == 'a${i % 100}'` }, destination: { ports: [port] } },
        { action: 'Deny', protocol: 'UDP', source: { nets: ['192.0.2.0/24'] } },
      ],
    },
  } as Resource;
}

async function policyChangeAndResync(families: Array<'ip' | 'ip6'>): Promise<Record<string, unknown>> {
  const ds = new MemoryDatastore();
  let waiter: (() => void) | undefined;
  // FELIX_BENCH_NFT_SESSION=0 measures a fresh `nft -f` per transaction instead of the resident `nft -i`.
  const exec = new ExecNftRunner({ session: process.env.FELIX_BENCH_NFT_SESSION !== '0', netlink: process.env.FELIX_BENCH_NETLINK !== '0' });
  const runner = new TimingRunner(exec);
  // Baseline measured in the same run, after each change: the same transaction through a fresh `nft -f`
  // (re-running flush + add rule is idempotent), and the full render + table diff the driver used to do.
  const baselineNft = new ExecNftRunner({ session: false, netlink: false });
  const dp = new NftablesDataplane({ runner, families, observer: { onApplied: () => waiter?.() } });
  const applied = (): Promise<void> => new Promise((r) => (waiter = r));
  try {
    await ds.create(prepareResource({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } } as Resource));
    for (let i = 0; i < ENDPOINTS; i++) {
      await ds.create(prepareResource({
        apiVersion: 'projectcalico.org/v3',
        kind: 'WorkloadEndpoint',
        metadata: { name: `bench--node-k8s-pod${i}-eth0`, namespace: 'bench', labels: { svc: `s${i}`, app: `a${i % 100}`, 'projectcalico.org/namespace': 'bench', 'projectcalico.org/orchestrator': 'k8s' } },
        spec: { orchestrator: 'k8s', node: 'bench-node', pod: `pod${i}`, endpoint: 'eth0', ipNetworks: [`10.70.${i >> 8}.${i & 255}/32`], profiles: ['kns.bench'], interfaceName: `calib${i.toString(16).padStart(10, '0')}` },
      } as Resource));
    }
    for (let i = 0; i < POLICIES; i++) await ds.create(prepareResource(policy(i, 8000 + (i % 1000))));

    const t0 = performance.now();
    const first = applied();
    const pipeline = startCalcPipeline({ datastore: ds, nodeName: 'bench-node', callbacks: dp as PipelineCallbacks });
    await first;
    const initialMs = performance.now() - t0;

    const latencies: number[] = [];
    const baseNft: number[] = [];
    const baseCompute: number[] = [];
    const scripts: string[] = [];
    const nftBefore = runner.runs.length;
    const routesBefore = { ...runner.routes };
    const checkDrift = (k: number): void => {
      const b1 = performance.now();
      const rendered = dp.render();
      const drift = rendered.map((t, n) => diffScript(dp.applied![n]!, t)).join('');
      baseCompute.push(performance.now() - b1);
      // The policy-edit fast path must leave exactly what a full rendering would.
      if (drift !== '') throw new Error(`applied tables differ from a full rendering after change ${k}: ${drift.slice(0, 300)}`);
    };
    for (let k = 0; k < CHANGES; k++) {
      const i = (k * 25) % POLICIES;
      const stored = await ds.get({ kind: 'NetworkPolicy', namespace: 'bench', name: `p${i}` });
      const next = prepareResource(policy(i, 20000 + k));
      const done = applied();
      const start = performance.now();
      await ds.update({ ...next, metadata: { ...next.metadata, resourceVersion: stored.metadata.resourceVersion } });
      await done;
      latencies.push(performance.now() - start);
      scripts.push(runner.lastScript);
      // The full rendering allocates ~10 MB, which an agent never does per change: check every 20th
      // change, and let the garbage it leaves be collected before the next change is timed.
      if (k % 20 === 19) {
        checkDrift(k);
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 15));
    }
    checkDrift(CHANGES);
    // Each change's transaction again through a fresh `nft -f`, in order (idempotent: flush + add rules,
    // and every change touched another policy, so the kernel ends as the agent left it).
    for (const script of scripts) {
      const b0 = performance.now();
      await baselineNft.run(script);
      baseNft.push(performance.now() - b0);
    }
    latencies.sort((a, b) => a - b);
    const nftRuns = runner.runs.slice(nftBefore).sort((a, b) => a - b);

    const resyncs: number[] = [];
    for (let k = 0; k < 5; k++) {
      const s = performance.now();
      await dp.resync();
      resyncs.push(performance.now() - s);
    }
    const rules = await ruleCount('ip');
    const rss = process.memoryUsage().rss / 2 ** 20;

    // A label change: the endpoint moves from one selector's IP set to another's (element changes only).
    const labelLatencies: number[] = [];
    for (let k = 0; k < LABEL_CHANGES; k++) {
      const i = (k * 37) % ENDPOINTS;
      const name = `bench--node-k8s-pod${i}-eth0`;
      const stored = await ds.get({ kind: 'WorkloadEndpoint', namespace: 'bench', name });
      const labels = { ...stored.metadata.labels, app: `a${(i + 1 + k) % 100}` };
      const done = applied();
      const start = performance.now();
      await ds.update({ ...stored, metadata: { ...stored.metadata, labels } });
      await done;
      labelLatencies.push(performance.now() - start);
      await new Promise((r) => setTimeout(r, 15));
    }
    labelLatencies.sort((a, b) => a - b);

    // The other end of the scale: edits of one policy that every endpoint uses, so every shard holds it
    // and each edit re-validates all of them (the whole node's rules, as one table would).
    const wide = (port: number): Resource => prepareResource({
      apiVersion: 'projectcalico.org/v3',
      kind: 'NetworkPolicy',
      metadata: { name: 'wide', namespace: 'bench' },
      spec: { selector: 'all()', types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "app == 'a0'" }, destination: { ports: [port] } }] },
    } as Resource);
    let done = applied();
    await ds.create(wide(9000));
    await done;
    const wideLatencies: number[] = [];
    for (let k = 0; k < WIDE_CHANGES; k++) {
      const stored = await ds.get({ kind: 'NetworkPolicy', namespace: 'bench', name: 'wide' });
      const next = wide(9001 + k);
      done = applied();
      const start = performance.now();
      await ds.update({ ...next, metadata: { ...next.metadata, resourceVersion: stored.metadata.resourceVersion } });
      await done;
      wideLatencies.push(performance.now() - start);
      await new Promise((r) => setTimeout(r, 15));
    }
    checkDrift(CHANGES + WIDE_CHANGES);
    wideLatencies.sort((a, b) => a - b);
    await pipeline.stop();
    return {
      endpoints: ENDPOINTS,
      policies: POLICIES,
      rules_in_ipv4_tables: rules,
      initial_programming_ms: round(initialMs),
      policy_change_ms: { p50: round(pct(latencies, 50)), p90: round(pct(latencies, 90)), p99: round(pct(latencies, 99)), max: round(latencies.at(-1)!), worst: latencies.slice(-5).map(round), samples: latencies.length, target_p99: 10 },
      // How the changes went: over our nf_tables netlink socket, or through nft.
      transactions_during_changes: { netlink: runner.routes.netlink - routesBefore.netlink, nft: runner.routes.nft - routesBefore.nft },
      // Of which: the transaction itself (nft, or the netlink batch and its acks).
      nft_transaction_ms: { p50: round(pct(nftRuns, 50)), p90: round(pct(nftRuns, 90)), p99: round(pct(nftRuns, 99)), worst: nftRuns.slice(-5).map(round) },
      baseline: {
        // What one change cost before (fresh `nft -f` per transaction, full render + diff), interleaved.
        nft_f_transaction_ms: { p50: round(pct(baseNft.sort((a, b) => a - b), 50)), p99: round(pct(baseNft, 99)) },
        full_render_diff_ms: { p50: round(pct(baseCompute.sort((a, b) => a - b), 50)), p99: round(pct(baseCompute, 99)) },
        nft_transaction_ratio_p50: round(pct(nftRuns, 50) / pct(baseNft, 50)),
      },
      // Not the target's case (a policy edit concerning a few endpoints), reported for scale: an edit of a
      // policy that all 1,000 endpoints use.
      label_change_ms: { p50: round(pct(labelLatencies, 50)), p99: round(pct(labelLatencies, 99)), samples: labelLatencies.length },
      policy_used_by_every_endpoint_change_ms: { p50: round(pct(wideLatencies, 50)), p99: round(pct(wideLatencies, 99)), samples: wideLatencies.length },
      full_resync_ms: { median: round(median(resyncs)), max: round(Math.max(...resyncs)), target: 1000 },
      rss_mb: { value: round(rss), target: 300 },
    };
  } finally {
    exec.close();
  }
}

const families = (process.argv[2] ?? 'ip,ip6').split(',') as Array<'ip' | 'ip6'>;
process.stdout.write(`${JSON.stringify(await policyChangeAndResync(families))}\n`);
process.exit(0);

