/**
 * NftablesDataplane: the nftables dataplane driver. Implements the calc graph's PipelineCallbacks by
 * recording the state (policies, profiles, IP sets, endpoints, pools, config), and after each batch of
 * callbacks (or an explicit flush) renders both tables and applies the difference. Nothing is written
 * before the calc graph is in sync, so a restart never programs a partial view; the first write is then
 * an atomic full replace. Applies, refresh checks and route updates are serialised on one queue.
 */
import { isDeepStrictEqual } from 'node:util';
import type {
  DataplaneConfig,
  HostEndpointInfo,
  IPPoolInfo,
  IPSetType,
  PipelineCallbacks,
  PolicyID,
  PolicyRules,
  RouteInfo,
  WorkloadEndpointInfo,
} from '../../calc/dataplane-api.js';
import { defaultDataplaneConfig, type DataplaneState, type IPSetState, type NftChain, type NftSet, type PolicyState, type NftTable } from './model.js';
import type { NftFamily } from './names.js';
import { NftApplier, type ApplyResult } from './nft-applier.js';
import type { NftRunner } from './nft-runner.js';
import { buildTables, RenderCache, setReferences } from './table.js';
import { policyLayerOf } from './endpoint-chains.js';
import { withReplaced } from './overlay-map.js';
import type { RouteManager } from '../routes/route-manager.js';

export interface DataplaneObserver {
  /** After every successful apply that wrote something; seconds from the first change to the kernel programmed. */
  onApplied?(seconds: number, result: ApplyResult): void;
  onFailure?(err: unknown): void;
  onNftCalls?(count: number): void;
  onRepaired?(reason: string): void;
}

export interface NftablesDataplaneOptions {
  runner: NftRunner;
  routes?: RouteManager;
  families?: NftFamily[];
  observer?: DataplaneObserver;
  /** Monotonic milliseconds (injected so tests can control it). */
  now?: () => number;
  /** Whether to apply automatically after each batch (setImmediate); tests call flush() instead. */
  autoApply?: boolean;
}

export class NftablesDataplane implements PipelineCallbacks {
  readonly #applier: NftApplier;
  readonly #routes: RouteManager | undefined;
  readonly #families: NftFamily[];
  readonly #caches: Map<NftFamily, RenderCache>;
  readonly #observer: DataplaneObserver;
  readonly #now: () => number;
  readonly #autoApply: boolean;

  #config: DataplaneConfig = defaultDataplaneConfig();
  readonly #ipSets = new Map<string, IPSetState>();
  readonly #policies = new Map<string, PolicyState>();
  readonly #profiles = new Map<string, PolicyRules>();
  readonly #weps = new Map<string, WorkloadEndpointInfo>();
  readonly #heps = new Map<string, HostEndpointInfo>();
  readonly #pools = new Map<string, IPPoolInfo>();
  /** Local workload routes by destination. */
  readonly #routeDsts = new Map<string, string>();

  #inSync = false;
  #dirty = false;
  /**
   * Fast path: while the only changes since the last apply are rule edits of existing policies (same
   * key, staged flag and layer) and member changes of existing IP sets, the next tables are the last ones
   * with those chains and sets swapped, and only they are sent. Anything else marks the change structural.
   */
  #structural = true;
  readonly #policyEdits = new Set<string>();
  /** IP sets whose members changed since the last apply (their type and existence did not). */
  readonly #setEdits = new Set<string>();
  #lastRendered: NftTable[] | undefined;
  #dirtySince: number | undefined;
  #scheduled = false;
  #queue: Promise<unknown> = Promise.resolve();
  #refreshTimer: NodeJS.Timeout | undefined;

  constructor(options: NftablesDataplaneOptions) {
    this.#applier = new NftApplier(options.runner);
    this.#routes = options.routes;
    this.#families = options.families ?? ['ip', 'ip6'];
    this.#caches = new Map(this.#families.map((f) => [f, new RenderCache()]));
    this.#observer = options.observer ?? {};
    this.#now = options.now ?? (() => performance.now());
    this.#autoApply = options.autoApply ?? true;
  }

  // ---- PipelineCallbacks -------------------------------------------------------------------------

  onIPSetAdded(id: string, type: IPSetType): void {
    const old = this.#ipSets.get(id);
    this.#ipSets.set(id, { type, members: old && old.type === type ? old.members : new Set() });
    this.#changed();
  }
  onIPSetMembersAdded(id: string, members: string[]): void {
    const old = this.#ipSets.get(id);
    if (!old) return;
    const next = new Set(old.members);
    for (const m of members) next.add(m);
    this.#ipSets.set(id, { type: old.type, members: next });
    this.#setEdits.add(id);
    this.#changed(false);
  }
  onIPSetMembersRemoved(id: string, members: string[]): void {
    const old = this.#ipSets.get(id);
    if (!old) return;
    const next = new Set(old.members);
    for (const m of members) next.delete(m);
    this.#ipSets.set(id, { type: old.type, members: next });
    this.#setEdits.add(id);
    this.#changed(false);
  }
  onIPSetRemoved(id: string): void {
    if (this.#ipSets.delete(id)) this.#changed();
  }
  onPolicyUpdate(key: string, id: PolicyID, rules: PolicyRules): void {
    const old = this.#policies.get(key);
    // A fresh object per update: the render cache is keyed by identity.
    this.#policies.set(key, { id, rules: { ...rules } });
    const ruleEdit = old !== undefined && !old.rules.staged && !rules.staged && policyLayerOf(old.rules) === policyLayerOf(rules);
    if (ruleEdit) this.#policyEdits.add(key);
    this.#changed(!ruleEdit);
  }
  onPolicyRemoved(key: string): void {
    if (this.#policies.delete(key)) this.#changed();
  }
  onProfileUpdate(name: string, rules: PolicyRules): void {
    this.#profiles.set(name, { ...rules });
    this.#changed();
  }
  onProfileRemoved(name: string): void {
    if (this.#profiles.delete(name)) this.#changed();
  }
  onWorkloadEndpointUpdate(ep: WorkloadEndpointInfo): void {
    // A label change re-sends the endpoint; when nothing we render from it changed, only its IP set
    // memberships (sent separately) need programming.
    if (isDeepStrictEqual(this.#weps.get(ep.key), ep)) return;
    this.#weps.set(ep.key, { ...ep });
    this.#changed();
  }
  onWorkloadEndpointRemoved(key: string): void {
    if (this.#weps.delete(key)) this.#changed();
  }
  onHostEndpointUpdate(ep: HostEndpointInfo): void {
    if (isDeepStrictEqual(this.#heps.get(ep.key), ep)) return;
    this.#heps.set(ep.key, { ...ep });
    this.#changed();
  }
  onHostEndpointRemoved(key: string): void {
    if (this.#heps.delete(key)) this.#changed();
  }
  onRouteUpdate(route: RouteInfo): void {
    if (route.type !== 'local-workload' || !route.interfaceName) {
      // Remote routes belong to BGP (or the lab's static routes); a local route that became remote goes.
      if (this.#routeDsts.delete(route.dst)) this.#routes?.removeRoute(route.dst);
      return;
    }
    this.#routeDsts.set(route.dst, route.interfaceName);
    this.#routes?.setRoute(route.dst, route.interfaceName);
    this.#changed();
  }
  onRouteRemoved(dst: string): void {
    if (this.#routeDsts.delete(dst)) {
      this.#routes?.removeRoute(dst);
      this.#changed();
    }
  }
  onIPPoolUpdate(id: string, pool: IPPoolInfo): void {
    this.#pools.set(id, { ...pool });
    this.#changed();
  }
  onIPPoolRemoved(id: string): void {
    if (this.#pools.delete(id)) this.#changed();
  }
  onConfigUpdate(config: DataplaneConfig): void {
    this.#config = { ...config };
    this.#changed();
  }
  onInSync(): void {
    this.#inSync = true;
    this.#changed();
  }

  // ---- State and figures -------------------------------------------------------------------------

  get inSync(): boolean {
    return this.#inSync;
  }
  get config(): DataplaneConfig {
    return this.#config;
  }
  get activeLocalEndpoints(): number {
    return this.#weps.size + this.#heps.size;
  }
  get activeLocalPolicies(): number {
    return this.#policies.size;
  }
  get ipSetCount(): number {
    return this.#ipSets.size;
  }

  snapshot(): DataplaneState {
    return {
      config: this.#config,
      ipSets: this.#ipSets,
      policies: this.#policies,
      profiles: this.#profiles,
      workloadEndpoints: this.#weps,
      hostEndpoints: this.#heps,
      ipPools: this.#pools,
    };
  }

  /** The tables last written to the kernel (undefined before the first write or after a failed one). */
  get applied(): readonly NftTable[] | undefined {
    return this.#applier.current;
  }

  render(): NftTable[] {
    const state = this.snapshot();
    return this.#families.flatMap((f) => buildTables(state, f, this.#caches.get(f)));
  }

  // ---- Applying ----------------------------------------------------------------------------------

  #changed(structural = true): void {
    if (structural) this.#structural = true;
    this.#dirty = true;
    this.#dirtySince ??= this.#now();
    if (this.#autoApply && this.#inSync && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        void this.flush().catch(() => undefined);
      });
    }
  }

  #serialise<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#queue.then(fn, fn);
    this.#queue = p.catch(() => undefined);
    return p;
  }

  /** Apply pending changes now (no-op before in-sync). Resolves once the kernel is programmed. */
  flush(): Promise<void> {
    return this.#serialise(() => this.#flushLocked());
  }

  async #flushLocked(): Promise<void> {
    if (!this.#inSync || !this.#dirty) return;
    const since = this.#dirtySince ?? this.#now();
    this.#dirty = false;
    this.#dirtySince = undefined;
    const patch = this.#structural ? undefined : this.#patch();
    this.#structural = false;
    this.#policyEdits.clear();
    this.#setEdits.clear();
    try {
      const next = patch?.tables ?? this.render();
      const result = patch ? await this.#applier.applyChains(next, patch.chains, patch.sets) : await this.#applier.apply(next);
      this.#lastRendered = next;
      this.#observer.onNftCalls?.(result.calls);
      if (this.#routes) await this.#routes.apply();
      if (result.mode !== 'none') this.#observer.onApplied?.((this.#now() - since) / 1000, result);
    } catch (err) {
      this.#observer.onNftCalls?.((err as { calls?: number }).calls ?? 1);
      this.#observer.onFailure?.(err);
      // Retry from a full replace on the next flush or refresh.
      this.#dirty = true;
      this.#structural = true;
      throw err;
    }
  }

  /**
   * The last applied tables with the edited policies' chains and the edited IP sets re-rendered, or
   * undefined when that would not equal a full render: nothing applied yet, the kernel holds something
   * else (a fail-closed replace), an edited chain names a different set of IP sets, or a set changed
   * type. A policy's chain is in a table exactly when an endpoint there refers to it, and an IP set when
   * a rule there names it, which neither edit changes.
   */
  #patch(): { tables: NftTable[]; chains: Set<string>; sets: Set<string> } | undefined {
    const last = this.#lastRendered;
    if (!last || this.#policyEdits.size + this.#setEdits.size === 0 || this.#applier.current !== last) return undefined;
    const chainNames = new Set<string>();
    const setNames = new Set<string>();
    const tables: NftTable[] = [];
    for (const table of last) {
      const cache = this.#caches.get(table.family)!;
      const chains = new Map<string, NftChain>();
      for (const key of this.#policyEdits) {
        const pol = this.#policies.get(key);
        if (!pol || pol.rules.staged) return undefined;
        for (const c of cache.policy(key, pol.rules, table.family, this.#config)) {
          const old = table.chains.get(c.name);
          if (!old) continue;
          // A set the table lacks must be added, and one the chain stops naming may have to go: both
          // are for the full diff.
          const refs = new Set(setReferences(c));
          if ([...refs].some((ref) => !table.sets.has(ref)) || setReferences(old).some((ref) => !refs.has(ref))) return undefined;
          chains.set(c.name, c);
          chainNames.add(c.name);
        }
      }
      const sets = new Map<string, NftSet>();
      for (const id of this.#setEdits) {
        const state = this.#ipSets.get(id);
        if (!state) return undefined;
        const s = cache.ipSet(id, state, table.family);
        const old = table.sets.get(s.name);
        if (!old) continue;
        if (old.type !== s.type || old.interval !== s.interval) return undefined;
        sets.set(s.name, s);
        setNames.add(s.name);
      }
      tables.push(chains.size + sets.size === 0 ? table : { ...table, chains: withReplaced(table.chains, chains), sets: withReplaced(table.sets, sets) });
    }
    return { tables, chains: chainNames, sets: setNames };
  }

  /** Full resync: replace our tables with a fresh rendering and reconcile routes. */
  resync(): Promise<ApplyResult | undefined> {
    return this.#serialise(async () => {
      if (!this.#inSync) return undefined;
      this.#dirty = false;
      this.#structural = false;
      this.#policyEdits.clear();
      this.#setEdits.clear();
      const next = this.render();
      const result = await this.#applier.fullReplace(next);
      this.#lastRendered = next;
      this.#observer.onNftCalls?.(result.calls);
      if (this.#routes) await this.#routes.resync();
      return result;
    });
  }

  /** One refresh: repair drift in our tables, reconcile routes, retry anything that failed. */
  refresh(): Promise<string | undefined> {
    return this.#serialise(async () => {
      if (!this.#inSync) return undefined;
      if (this.#dirty) await this.#flushLocked().catch(() => undefined);
      const repaired = await this.#applier.checkAndRepair();
      if (repaired) this.#observer.onRepaired?.(repaired);
      if (this.#routes) await this.#routes.resync();
      return repaired;
    });
  }

  /** Start periodic refresh at the configured interval (FelixConfiguration iptablesRefreshInterval). */
  startRefresh(intervalSeconds?: number): void {
    this.stopRefresh();
    const seconds = intervalSeconds ?? this.#config.refreshIntervalSeconds;
    if (!(seconds > 0)) return;
    this.#refreshTimer = setInterval(() => {
      this.refresh().catch((err: unknown) => this.#observer.onFailure?.(err));
    }, seconds * 1000);
    this.#refreshTimer.unref();
  }

  stopRefresh(): void {
    if (this.#refreshTimer) clearInterval(this.#refreshTimer);
    this.#refreshTimer = undefined;
  }

  /** Wait for queued work (for shutdown and tests). */
  async idle(): Promise<void> {
    await this.#queue;
  }
}
