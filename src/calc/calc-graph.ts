/**
 * Assembles the calculation graph: the one place that shows how Felix's nodes connect. Every node is
 * synchronous; updates go in through `onUpdate`, results come out of `flush()` in dependency order
 * through the PipelineCallbacks given here. The async shell (AsyncCalcGraph) decides when to flush.
 *
 * Example (the agent uses startCalcPipeline(), which does this plus batching):
 *   const graph = buildCalcGraph('node1', driver);
 *   graph.onUpdate({ kind: 'WorkloadEndpoint', key: 'ns1/w1', value: wep });
 *   graph.onStatusUpdate('in-sync');
 *   graph.flush(); // driver receives config, IP sets, policies, profiles, endpoints, routes, in-sync
 */
import type { ClusterInformationSpec, Resource } from '../api/types.js';
import { ActiveRulesCalculator } from './active-rules-calculator.js';
import { ConfigBatcher } from './config-batcher.js';
import type { PipelineCallbacks } from './dataplane-api.js';
import { Dispatcher } from './dispatcher.js';
import { EventSequencer } from './event-sequencer.js';
import { IPSetMemberIndex } from './ipset-member-index.js';
import { LocalEndpointFilter } from './local-endpoint-filter.js';
import { PolicyResolver } from './policy-resolver.js';
import { RouteResolver } from './route-resolver.js';
import { RuleScanner } from './rule-scanner.js';
import { ValidationFilter, type InvalidResourceHandler } from './validation-filter.js';
import type { SyncStatus, Update } from './types.js';

export interface CalcGraphOptions {
  /** A policy, profile or tier the policy model rejected (it is treated as deleted). */
  onInvalid?: InvalidResourceHandler;
  /** A FelixConfiguration field with an unusable value (the default is used). */
  onConfigWarning?: (message: string) => void;
}

export interface CalcGraphStats {
  activeLocalPolicies: number;
  activeIPSets: number;
  pendingEvents: number;
}

/** The synchronous graph: feed it syncer output, then `flush()` to emit. */
export interface CalcGraph {
  onUpdate(update: Update): void;
  onStatusUpdate(status: SyncStatus): void;
  /** Emit everything the updates so far imply, in dependency order. */
  flush(): void;
  /** ClusterInformation.spec as last seen (`datastoreReady === false` means the cluster is not ready). */
  clusterInformation(): ClusterInformationSpec | undefined;
  stats(): CalcGraphStats;
}

export function buildCalcGraph(nodeName: string, callbacks: PipelineCallbacks, options: CalcGraphOptions = {}): CalcGraph {
  // Everything leaves through the EventSequencer, which owns output order.
  //
  //   nodes ──▶ EventSequencer ──flush()──▶ callbacks (dataplane driver)
  const sequencer = new EventSequencer(callbacks);

  // Every datastore update enters the all-updates dispatcher, which fans out by kind.
  //
  //   syncer ──▶ allUpdates ──▶ (handlers registered below, in order)
  const allUpdates = new Dispatcher();

  // Policies, profiles and tiers are normalised once through the shared policy model and
  // re-dispatched as models; rejected ones become deletions.
  //
  //   allUpdates ──(NetworkPolicy, GlobalNetworkPolicy, Staged*, Profile, Tier)──▶ ValidationFilter
  //   ValidationFilter ──(PolicyModel, ProfileModel, TierModel)──▶ allUpdates
  const validation = new ValidationFilter(allUpdates, options.onInvalid);
  validation.registerWith(allUpdates);

  // Only this node's endpoints go on to the local dispatcher.
  //
  //   allUpdates ──(WorkloadEndpoint, HostEndpoint)──▶ LocalEndpointFilter ──(spec.node == nodeName)──▶ localEndpoints
  const localEndpoints = new Dispatcher();
  new LocalEndpointFilter(nodeName, localEndpoints).registerWith(allUpdates);

  // Config: FelixConfiguration `default` and `node.<nodeName>`, merged, once in sync.
  //
  //   allUpdates ──(FelixConfiguration)──▶ ConfigBatcher ──▶ sequencer (config)
  new ConfigBatcher(nodeName, sequencer, options.onConfigWarning).registerWith(allUpdates);

  // IP-set members are computed over all endpoints and network sets in the cluster.
  //
  //   allUpdates ──(WEP, HEP, NetworkSet, GlobalNetworkSet, ProfileModel)──▶ IPSetMemberIndex ──▶ sequencer (IP sets)
  const memberIndex = new IPSetMemberIndex(sequencer);
  memberIndex.registerWith(allUpdates);

  // Per local endpoint: which policies apply, in which tiers and order.
  //
  //   localEndpoints ──(WEP, HEP)──▶ PolicyResolver ──flush()──▶ sequencer (endpoints)
  //   allUpdates ──(TierModel)──▶ PolicyResolver
  const resolver = new PolicyResolver(sequencer);
  resolver.registerWith(localEndpoints, allUpdates);

  // Active rules: policies whose selector matches a local endpoint, profiles a local endpoint lists.
  // Their rules are scanned into dataplane rules and the IP sets those need (ref-counted).
  //
  //   localEndpoints ──(WEP, HEP)──▶ ActiveRulesCalculator ◀──(PolicyModel, ProfileModel)── allUpdates
  //   ActiveRulesCalculator ──policy/profile active──▶ RuleScanner ──rules──▶ sequencer (policies, profiles)
  //                         ──policy active (metadata)──▶ PolicyResolver
  //                         ──policy⇄endpoint matches──▶ PolicyResolver
  //   RuleScanner ──IP set active/inactive──▶ IPSetMemberIndex
  const scanner = new RuleScanner(sequencer, memberIndex);
  const arc = new ActiveRulesCalculator(
    {
      onPolicyActive: (p) => {
        resolver.onPolicyActive(p);
        scanner.onPolicyActive(p);
      },
      onPolicyInactive: (key) => {
        scanner.onPolicyInactive(key);
        resolver.onPolicyInactive(key);
      },
      onProfileActive: (p) => scanner.onProfileActive(p),
      onProfileInactive: (name) => scanner.onProfileInactive(name),
    },
    resolver,
  );
  arc.registerWith(localEndpoints, allUpdates);

  // Routes for local workloads and IPAM blocks, and IP pool information.
  //
  //   localEndpoints ──(WEP)──▶ RouteResolver ◀──(IPAMBlock, Node, IPPool)── allUpdates
  //   RouteResolver ──▶ sequencer (routes, pools)
  new RouteResolver(nodeName, sequencer).registerWith(localEndpoints, allUpdates);

  // ClusterInformation is read for readiness only.
  let clusterInfo: ClusterInformationSpec | undefined;
  allUpdates.register('ClusterInformation', (u) => {
    if (u.key === 'default') clusterInfo = (u.value as Resource<string, ClusterInformationSpec> | undefined)?.spec;
  });

  // In-sync reaches every node (ConfigBatcher, PolicyResolver via their registrations) and, last,
  // the sequencer, which sends it after the data of the flush that follows.
  allUpdates.registerStatusHandler((status) => {
    if (status === 'in-sync') sequencer.onInSync();
  });

  return {
    onUpdate: (update) => allUpdates.onUpdate(update),
    onStatusUpdate: (status) => allUpdates.onStatusUpdate(status),
    flush: () => {
      resolver.flush();
      sequencer.flush();
    },
    clusterInformation: () => (clusterInfo ? structuredClone(clusterInfo) : undefined),
    stats: () => ({
      activeLocalPolicies: arc.activePolicyCount,
      activeIPSets: scanner.activeIPSetCount,
      pendingEvents: sequencer.pendingCount,
    }),
  };
}
