/**
 * Datastore throughput and watch latency: the embedded (SQLite) backend against etcd 3.4 as the
 * baseline, measured in the same run.
 *
 * - writes/s: sequential creates from one client; reads/s: sequential gets of those objects.
 * - watch latency: this process writes paced creates stamped with the send time; a watcher in a
 *   separate process (test/datastore/child.ts) reports receive time minus send time.
 * Targets (embedded): 5,000 writes/s; watch p99 < 50 ms across processes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Datastore } from '../src/datastore/types.js';
import { openEmbeddedDatastore } from '../src/datastore/embedded.js';
import { openEtcdDatastore } from '../src/datastore/etcd.js';
import { ChildClient } from '../test/datastore/_child-client.js';
import { startEtcd } from '../test/helpers/etcd.js';

const WRITES = 5000;
const WATCH_EVENTS = 400;
const WATCH_PACE_MS = 2;

interface Figures {
  writesPerSec: number;
  readsPerSec: number;
  watchP50Ms: number;
  watchP99Ms: number;
  watchMaxMs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const round = (n: number, digits = 0): number => Number(n.toFixed(digits));

async function measure(ds: Datastore, childEnv: NodeJS.ProcessEnv, writes: number): Promise<Figures> {
  const resource = (name: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkSet', metadata: { name, labels: { role: 'bench' } },
    spec: { nets: ['10.0.0.0/24', '10.0.1.0/24'], ...extra },
  });
  let t0 = performance.now();
  for (let i = 0; i < writes; i++) await ds.create(resource(`w${i}`));
  const writesPerSec = (writes / (performance.now() - t0)) * 1000;
  t0 = performance.now();
  for (let i = 0; i < writes; i++) await ds.get({ kind: 'GlobalNetworkSet', name: `w${i}` });
  const readsPerSec = (writes / (performance.now() - t0)) * 1000;

  const watcher = await ChildClient.start(childEnv);
  try {
    const from = await ds.currentRevision();
    await watcher.request({ op: 'watchLatency', kind: 'HostEndpoint', fromRevision: from });
    for (let i = 0; i < WATCH_EVENTS; i++) {
      await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'HostEndpoint', metadata: { name: `h${i}` }, spec: { sentAt: performance.timeOrigin + performance.now() } });
      await new Promise((r) => setTimeout(r, WATCH_PACE_MS));
    }
    const last = watcher.lines.length;
    await watcher.next(() => watcher.lines.filter((l) => l.startsWith('lat ')).length >= WATCH_EVENTS, 30_000, last).catch(() => undefined);
    const lat = watcher.lines.filter((l) => l.startsWith('lat ')).map((l) => Number(l.slice(4))).sort((a, b) => a - b);
    if (lat.length < WATCH_EVENTS) throw new Error(`watcher saw ${lat.length} of ${WATCH_EVENTS} events`);
    return {
      writesPerSec: round(writesPerSec),
      readsPerSec: round(readsPerSec),
      watchP50Ms: round(percentile(lat, 50), 2),
      watchP99Ms: round(percentile(lat, 99), 2),
      watchMaxMs: round(lat[lat.length - 1]!, 2),
    };
  } finally {
    await watcher.exit();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'calico-bench-'));
  let embedded: Figures;
  try {
    const ds = await openEmbeddedDatastore({ dataDir });
    try {
      embedded = await measure(ds, { DATASTORE_TYPE: 'embedded', CALICO_DATA_DIR: dataDir }, WRITES);
    } finally {
      await ds.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  // etcd as deployed (fsync on): the baseline Calico users know.
  const server = await startEtcd({ unsafeNoFsync: false });
  let etcd: Figures;
  try {
    const ds = await openEtcdDatastore({ endpoints: server.endpoints });
    try {
      etcd = await measure(ds, { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: server.endpoints.join(',') }, Math.floor(WRITES / 2));
    } finally {
      await ds.close();
    }
  } finally {
    await server.stop();
  }
  return {
    embedded,
    etcd,
    ratio: {
      writes: round(embedded.writesPerSec / etcd.writesPerSec, 2),
      reads: round(embedded.readsPerSec / etcd.readsPerSec, 2),
      watchP50: round(embedded.watchP50Ms / etcd.watchP50Ms, 2),
      watchP99: round(embedded.watchP99Ms / etcd.watchP99Ms, 2),
    },
    targets: {
      embeddedWritesPerSec: { target: 5000, met: embedded.writesPerSec >= 5000 },
      embeddedWatchP99Ms: { target: 50, met: embedded.watchP99Ms < 50 },
    },
  };
}
