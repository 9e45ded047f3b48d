/**
 * IPAM allocation throughput: autoAssign calls per second from one node process and from four
 * node processes at once (each its own OS process, racing through compare-and-swap), on the
 * embedded datastore and on a real etcd. Target: >= 200 allocations/s from four nodes on embedded.
 */
import { embeddedBackend, etcdBackend, startEtcd, createPool, type Backend } from '../test/ipam/_backends.js';
import { startNodes } from '../test/ipam/_nodes.js';

const PER_NODE = 200;
const CONCURRENCY = 20;

interface Figures {
  allocationsPerSec: number;
  releasesPerSec: number;
  errors: number;
}

async function measure(backend: Backend, nodeCount: number): Promise<Figures> {
  const o = await backend.open();
  const nodes = await startNodes(Array.from({ length: nodeCount }, (_, i) => `bench-node-${i}`), o.env, { count: PER_NODE, concurrency: CONCURRENCY });
  try {
    await createPool(o.ds, 'bench', { cidr: '10.128.0.0/16' });
    const t0 = performance.now();
    const assigned = await Promise.all(nodes.map((n) => n.assign()));
    const assignMs = performance.now() - t0;
    const t1 = performance.now();
    const released = await Promise.all(nodes.map((n) => n.release()));
    const releaseMs = performance.now() - t1;
    const total = assigned.reduce((n, r) => n + r.assigned.length, 0);
    const ips = new Set(assigned.flatMap((r) => r.assigned.map((a) => a.ip)));
    if (ips.size !== total) throw new Error(`duplicate addresses handed out: ${total - ips.size}`);
    return {
      allocationsPerSec: Math.round((total / assignMs) * 1000),
      releasesPerSec: Math.round((released.reduce((n, r) => n + r.released, 0) / releaseMs) * 1000),
      errors: assigned.reduce((n, r) => n + r.errors.length, 0) + released.reduce((n, r) => n + r.errors.length, 0),
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await o.close();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const etcd = await startEtcd();
  try {
    const embedded1 = await measure(embeddedBackend, 1);
    const embedded4 = await measure(embeddedBackend, 4);
    const etcdBk = etcdBackend(() => etcd);
    const etcd1 = await measure(etcdBk, 1);
    const etcd4 = await measure(etcdBk, 4);
    return {
      allocationsPerNode: PER_NODE,
      concurrencyPerNode: CONCURRENCY,
      embedded: { oneNode: embedded1, fourNodes: embedded4 },
      etcd: { oneNode: etcd1, fourNodes: etcd4 },
      targetFourNodesEmbeddedPerSec: 200,
      meetsTarget: embedded4.allocationsPerSec >= 200,
      ratioEmbeddedVsEtcdOneNode: Number((embedded1.allocationsPerSec / etcd1.allocationsPerSec).toFixed(2)),
      ratioEmbeddedVsEtcdFourNodes: Number((embedded4.allocationsPerSec / etcd4.allocationsPerSec).toFixed(2)),
    };
  } finally {
    await etcd.stop();
  }
}
