/**
 * Felix's Prometheus metrics, under Felix's names, on a private prom-client registry.
 * nftables mode counts `nft` runs as `felix_nft_calls` (iptables mode's `felix_iptables_restore_calls`).
 */
import { Counter, Gauge, Registry, Summary } from 'prom-client';

export interface FelixMetrics {
  registry: Registry;
  applyTime: Summary;
  calcGraphUpdateTime: Summary;
  activeLocalEndpoints: Gauge;
  activeLocalPolicies: Gauge;
  activeLocalSelectors: Gauge;
  ipsetsCalico: Gauge;
  clusterNumPolicies: Gauge;
  clusterNumProfiles: Gauge;
  clusterNumTiers: Gauge;
  clusterNumHosts: Gauge;
  clusterNumWorkloadEndpoints: Gauge;
  clusterNumHostEndpoints: Gauge;
  dataplaneFailures: Counter;
  resyncsStarted: Counter;
  nftCalls: Counter;
  tableRepairs: Counter;
}

export function createFelixMetrics(): FelixMetrics {
  const registry = new Registry();
  const registers = [registry];
  const gauge = (name: string, help: string): Gauge => new Gauge({ name, help, registers });
  const counter = (name: string, help: string): Counter => new Counter({ name, help, registers });
  return {
    registry,
    applyTime: new Summary({
      name: 'felix_int_dataplane_apply_time_seconds',
      help: 'Time in seconds that it took to apply a dataplane update.',
      percentiles: [0.5, 0.9, 0.99],
      registers,
    }),
    calcGraphUpdateTime: new Summary({
      name: 'felix_calc_graph_update_time_seconds',
      help: 'Seconds to update calculation graph for each datastore OnUpdate call.',
      percentiles: [0.5, 0.9, 0.99],
      registers,
    }),
    activeLocalEndpoints: gauge('felix_active_local_endpoints', 'Number of active endpoints on this host.'),
    activeLocalPolicies: gauge('felix_active_local_policies', 'Number of active policies on this host.'),
    activeLocalSelectors: gauge('felix_active_local_selectors', 'Number of active selectors on this host.'),
    ipsetsCalico: gauge('felix_ipsets_calico', 'Number of active Calico IP sets.'),
    clusterNumPolicies: gauge('felix_cluster_num_policies', 'Total number of policies in the cluster.'),
    clusterNumProfiles: gauge('felix_cluster_num_profiles', 'Total number of profiles in the cluster.'),
    clusterNumTiers: gauge('felix_cluster_num_tiers', 'Total number of tiers in the cluster.'),
    clusterNumHosts: gauge('felix_cluster_num_hosts', 'Total number of hosts in the cluster.'),
    clusterNumWorkloadEndpoints: gauge('felix_cluster_num_workload_endpoints', 'Total number of workload endpoints cluster-wide.'),
    clusterNumHostEndpoints: gauge('felix_cluster_num_host_endpoints', 'Total number of host endpoints cluster-wide.'),
    dataplaneFailures: counter('felix_int_dataplane_failures', 'Number of times dataplane updates failed and will be retried.'),
    resyncsStarted: counter('felix_resyncs_started', 'Number of times Felix has started resyncing with the datastore.'),
    nftCalls: counter('felix_nft_calls', 'Number of nft invocations.'),
    tableRepairs: counter('felix_nft_table_repairs', 'Number of times our nftables tables were found modified and repaired.'),
  };
}

const KIND_GAUGE: Record<string, keyof FelixMetrics> = {
  GlobalNetworkPolicy: 'clusterNumPolicies',
  NetworkPolicy: 'clusterNumPolicies',
  StagedGlobalNetworkPolicy: 'clusterNumPolicies',
  StagedNetworkPolicy: 'clusterNumPolicies',
  StagedKubernetesNetworkPolicy: 'clusterNumPolicies',
  Profile: 'clusterNumProfiles',
  Tier: 'clusterNumTiers',
  Node: 'clusterNumHosts',
  WorkloadEndpoint: 'clusterNumWorkloadEndpoints',
  HostEndpoint: 'clusterNumHostEndpoints',
};

/** Counts live keys per kind from syncer updates and keeps the cluster gauges current. */
export class ClusterCounter {
  readonly #keys = new Map<string, Set<string>>();
  readonly #metrics: FelixMetrics;
  constructor(metrics: FelixMetrics) {
    this.#metrics = metrics;
  }

  onUpdate(kind: string, key: string, present: boolean): void {
    const gaugeName = KIND_GAUGE[kind];
    if (!gaugeName) return;
    let keys = this.#keys.get(gaugeName);
    if (!keys) this.#keys.set(gaugeName, (keys = new Set()));
    const k = `${kind}|${key}`;
    if (present) keys.add(k);
    else keys.delete(k);
    (this.#metrics[gaugeName] as Gauge).set(keys.size);
  }
}
