/**
 * Felix in one process: datastore → Syncer → AsyncCalcGraph → calc graph → NftablesDataplane, plus
 * health and Prometheus endpoints and the periodic refresh (table repair, route reconcile).
 * Everything kernel-facing acts on the network namespace this process runs in.
 *
 * Shutting down leaves our tables in place: the next start replaces them atomically once it is in sync,
 * so established connections (conntrack) and policy both survive a restart.
 */
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { AsyncCalcGraph, buildCalcGraph, Syncer, type SyncerCallbacks } from '../calc/index.js';
import type { ResourceUpdate, SyncStatus } from '../calc/types.js';
import type { Datastore } from '../datastore/types.js';
import { ExecNftRunner, NftablesDataplane, type NftRunner } from '../dataplane/nftables/index.js';
import { ExecIpRunner, RouteManager, type IpRunner } from '../dataplane/routes/route-manager.js';
import { loadAgentSettings, type AgentSettings } from './felix-config.js';
import { startHealthServer, startMetricsServer } from './health.js';
import { ClusterCounter, createFelixMetrics, type FelixMetrics } from './metrics.js';

export interface FelixOptions {
  datastore: Datastore;
  nodeName: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  runner?: NftRunner;
  ipRunner?: IpRunner;
}

export interface FelixHandle {
  dataplane: NftablesDataplane;
  metrics: FelixMetrics;
  settings: AgentSettings;
  healthServer?: Server;
  metricsServer?: Server;
  stop(): Promise<void>;
}

export async function runFelix(options: FelixOptions): Promise<FelixHandle> {
  const { datastore, nodeName, logger } = options;
  const settings = await loadAgentSettings(datastore, nodeName, options.env);
  const metrics = createFelixMetrics();
  // Our own runner keeps a resident `nft -i`; stop() ends it.
  const ownRunner = options.runner ? undefined : new ExecNftRunner();
  const nftRunner: NftRunner = options.runner ?? ownRunner!;
  let lastApplyFailed = false;
  let applied = false;

  const dataplane = new NftablesDataplane({
    runner: nftRunner,
    routes: new RouteManager(options.ipRunner ?? new ExecIpRunner()),
    families: settings.ipv6Support ? ['ip', 'ip6'] : ['ip'],
    observer: {
      onApplied(seconds, result) {
        applied = true;
        lastApplyFailed = false;
        metrics.applyTime.observe(seconds);
        logger.debug({ seconds, mode: result.mode }, 'Dataplane updated');
      },
      onFailure(err) {
        lastApplyFailed = true;
        metrics.dataplaneFailures.inc();
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'Failed to apply dataplane update; will retry');
      },
      onNftCalls(n) {
        metrics.nftCalls.inc(n);
      },
      onRepaired(reason) {
        metrics.tableRepairs.inc();
        logger.warn({ reason }, 'nftables table was modified outside Felix; replaced it');
      },
    },
  });

  const graph = buildCalcGraph(nodeName, dataplane, {
    onInvalid: (...args: unknown[]) => logger.warn({ detail: args.map(String) }, 'Ignoring invalid resource'),
    onConfigWarning: (message) => logger.warn(message),
  });
  const asyncGraph = new AsyncCalcGraph(graph, {
    onError: (err) => logger.error({ err: String(err) }, 'Calculation graph failed'),
    onFlushed: (ms) => {
      metrics.calcGraphUpdateTime.observe(ms / 1000);
      metrics.activeLocalEndpoints.set(dataplane.activeLocalEndpoints);
      metrics.activeLocalPolicies.set(dataplane.activeLocalPolicies);
      metrics.activeLocalSelectors.set(graph.stats().activeIPSets);
      metrics.ipsetsCalico.set(dataplane.ipSetCount);
    },
  });
  const cluster = new ClusterCounter(metrics);
  const counting: SyncerCallbacks = {
    onUpdate(update: ResourceUpdate) {
      cluster.onUpdate(update.kind, update.key, update.value !== undefined);
      asyncGraph.onUpdate(update);
    },
    onStatusUpdate(status: SyncStatus) {
      if (status === 'resync') metrics.resyncsStarted.inc();
      if (status === 'in-sync') logger.info('Datastore in sync; programming dataplane');
      asyncGraph.onStatusUpdate(status);
    },
  };
  const syncer = new Syncer(datastore, counting, { onError: (err) => logger.warn({ err: String(err) }, 'Datastore error; retrying') });
  syncer.start();

  // Periodic refresh; the interval is re-read each time so a FelixConfiguration change takes effect.
  let refreshTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const scheduleRefresh = (): void => {
    if (stopped) return;
    const seconds = settings.refreshIntervalSeconds ?? dataplane.config.refreshIntervalSeconds;
    refreshTimer = setTimeout(() => {
      dataplane
        .refresh()
        .catch((err: unknown) => logger.error({ err: String(err) }, 'Refresh failed'))
        .finally(scheduleRefresh);
    }, Math.max(0.1, seconds) * 1000);
  };
  scheduleRefresh();

  const handle: FelixHandle = {
    dataplane,
    metrics,
    settings,
    async stop() {
      stopped = true;
      if (refreshTimer) clearTimeout(refreshTimer);
      await syncer.stop();
      asyncGraph.stop();
      await dataplane.idle();
      ownRunner?.close();
      for (const s of [handle.healthServer, handle.metricsServer]) {
        if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };

  if (settings.healthEnabled) {
    handle.healthServer = await startHealthServer(
      [
        { name: 'calc-graph', live: () => true, ready: () => dataplane.inSync },
        { name: 'int-dataplane', live: () => true, ready: () => applied && !lastApplyFailed },
      ],
      { host: settings.healthHost, port: settings.healthPort },
    );
    logger.info({ host: settings.healthHost, port: settings.healthPort }, 'Health endpoints listening');
  }
  if (settings.prometheusMetricsEnabled) {
    handle.metricsServer = await startMetricsServer(metrics.registry, { host: settings.prometheusMetricsHost || '0.0.0.0', port: settings.prometheusMetricsPort });
  }
  return handle;
}
