/**
 * The one owner of output order. Nodes upstream report changes as they compute them, in any order;
 * the EventSequencer coalesces them and `flush()` hands them to the dataplane in dependency order,
 * so that a driver can apply every message as it arrives:
 *
 *   1. config
 *   2. new IP sets (with their initial members), then member deltas of existing IP sets
 *   3. policy updates, then profile updates       (their rules reference IP sets from 2)
 *   4. workload / host endpoint updates           (they reference policies and profiles from 3)
 *   5. endpoint removals, profile removals, policy removals, IP-set removals (the reverse of 2-4)
 *   6. route removals, route updates, IP pool updates, IP pool removals
 *   7. in-sync, once, after the first flush that follows the syncer's in-sync
 *
 * Coalescing rules: an update cancels a pending removal and vice versa; a removal is only sent for
 * an item that was sent; an update identical to what was last sent is dropped (no-op). IP-set
 * membership is tracked as sent so that a set removed and re-added before a flush gets exact deltas.
 * It does not compute anything: it only orders and filters.
 */
import { InvariantError } from '../lib/errors.js';
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
} from './dataplane-api.js';

/** Pending replace-style updates and removals for one kind of keyed item, with what was last sent. */
class KeyedChannel<V> {
  readonly pendingUpdates = new Map<string, V>();
  readonly pendingRemovals = new Set<string>();
  /** JSON of the value last sent, per key. */
  readonly sent = new Map<string, string>();

  update(key: string, value: V): void {
    this.pendingRemovals.delete(key);
    this.pendingUpdates.set(key, value);
  }

  remove(key: string): void {
    this.pendingUpdates.delete(key);
    if (this.sent.has(key)) this.pendingRemovals.add(key);
  }

  flushUpdates(emit: (key: string, value: V) => void): void {
    for (const [key, value] of this.pendingUpdates) {
      const json = JSON.stringify(value);
      if (this.sent.get(key) === json) continue; // no-op
      this.sent.set(key, json);
      emit(key, value);
    }
    this.pendingUpdates.clear();
  }

  flushRemovals(emit: (key: string) => void): void {
    for (const key of this.pendingRemovals) {
      this.sent.delete(key);
      emit(key);
    }
    this.pendingRemovals.clear();
  }

  get pending(): number {
    return this.pendingUpdates.size + this.pendingRemovals.size;
  }
}

interface SentIPSet {
  type: IPSetType;
  members: Set<string>;
}

interface MemberDelta {
  added: Set<string>;
  removed: Set<string>;
}

export class EventSequencer implements PipelineCallbacks {
  readonly #out: PipelineCallbacks;

  #pendingConfig: DataplaneConfig | undefined;
  #sentConfig: string | undefined;

  readonly #sentIPSets = new Map<string, SentIPSet>();
  /** Sets never sent (or removed and re-added with a different type) that are waiting to be created. */
  readonly #pendingIPSetAdds = new Map<string, IPSetType>();
  /** Per set: members to add/remove relative to what was sent (for new sets: relative to empty). */
  readonly #pendingDeltas = new Map<string, MemberDelta>();
  readonly #pendingIPSetRemovals = new Set<string>();

  readonly #policies = new KeyedChannel<{ id: PolicyID; rules: PolicyRules }>();
  readonly #profiles = new KeyedChannel<PolicyRules>();
  readonly #workloads = new KeyedChannel<WorkloadEndpointInfo>();
  readonly #hosts = new KeyedChannel<HostEndpointInfo>();
  readonly #routes = new KeyedChannel<RouteInfo>();
  readonly #pools = new KeyedChannel<IPPoolInfo>();

  #inSyncPending = false;
  #inSyncSent = false;

  constructor(out: PipelineCallbacks) {
    this.#out = out;
  }

  // --- config -------------------------------------------------------------------------------

  onConfigUpdate(config: DataplaneConfig): void {
    this.#pendingConfig = config;
  }

  onInSync(): void {
    if (!this.#inSyncSent) this.#inSyncPending = true;
  }

  // --- IP sets ------------------------------------------------------------------------------

  onIPSetAdded(id: string, type: IPSetType): void {
    const sent = this.#sentIPSets.get(id);
    if (sent && this.#pendingIPSetRemovals.has(id) && sent.type === type) {
      // Re-added before its removal went out: keep the set, empty it, and let new members refill it.
      this.#pendingIPSetRemovals.delete(id);
      this.#pendingDeltas.set(id, { added: new Set(), removed: new Set(sent.members) });
      return;
    }
    if ((sent && !this.#pendingIPSetRemovals.has(id)) || this.#pendingIPSetAdds.has(id)) {
      throw new InvariantError(`IP set ${id} added twice`);
    }
    this.#pendingIPSetAdds.set(id, type);
    this.#pendingDeltas.set(id, { added: new Set(), removed: new Set() });
  }

  onIPSetMembersAdded(id: string, members: string[]): void {
    const delta = this.#deltaFor(id);
    for (const m of members) {
      if (!delta.removed.delete(m)) delta.added.add(m);
    }
  }

  onIPSetMembersRemoved(id: string, members: string[]): void {
    const delta = this.#deltaFor(id);
    for (const m of members) {
      if (!delta.added.delete(m)) delta.removed.add(m);
    }
  }

  onIPSetRemoved(id: string): void {
    if (this.#pendingIPSetAdds.delete(id)) {
      this.#pendingDeltas.delete(id);
      // A set of another type with the same ID may still be live in the dataplane.
      if (this.#sentIPSets.has(id)) this.#pendingIPSetRemovals.add(id);
      return;
    }
    if (!this.#sentIPSets.has(id) || this.#pendingIPSetRemovals.has(id)) {
      throw new InvariantError(`IP set ${id} removed but not active`);
    }
    this.#pendingDeltas.delete(id);
    this.#pendingIPSetRemovals.add(id);
  }

  #deltaFor(id: string): MemberDelta {
    let delta = this.#pendingDeltas.get(id);
    if (!delta) {
      if (!this.#sentIPSets.has(id) || this.#pendingIPSetRemovals.has(id)) {
        throw new InvariantError(`members changed for IP set ${id}, which is not active`);
      }
      delta = { added: new Set(), removed: new Set() };
      this.#pendingDeltas.set(id, delta);
    }
    return delta;
  }

  // --- rules, endpoints, routes -------------------------------------------------------------

  onPolicyUpdate(key: string, id: PolicyID, rules: PolicyRules): void {
    this.#policies.update(key, { id, rules });
  }
  onPolicyRemoved(key: string): void {
    this.#policies.remove(key);
  }
  onProfileUpdate(name: string, rules: PolicyRules): void {
    this.#profiles.update(name, rules);
  }
  onProfileRemoved(name: string): void {
    this.#profiles.remove(name);
  }
  onWorkloadEndpointUpdate(ep: WorkloadEndpointInfo): void {
    this.#workloads.update(ep.key, ep);
  }
  onWorkloadEndpointRemoved(key: string): void {
    this.#workloads.remove(key);
  }
  onHostEndpointUpdate(ep: HostEndpointInfo): void {
    this.#hosts.update(ep.key, ep);
  }
  onHostEndpointRemoved(key: string): void {
    this.#hosts.remove(key);
  }
  onRouteUpdate(route: RouteInfo): void {
    this.#routes.update(route.dst, route);
  }
  onRouteRemoved(dst: string): void {
    this.#routes.remove(dst);
  }
  onIPPoolUpdate(id: string, pool: IPPoolInfo): void {
    this.#pools.update(id, pool);
  }
  onIPPoolRemoved(id: string): void {
    this.#pools.remove(id);
  }

  /** Number of items waiting for a flush (a hint for batching shells and metrics). */
  get pendingCount(): number {
    return (
      (this.#pendingConfig ? 1 : 0) +
      this.#pendingIPSetAdds.size +
      this.#pendingDeltas.size +
      this.#pendingIPSetRemovals.size +
      this.#policies.pending +
      this.#profiles.pending +
      this.#workloads.pending +
      this.#hosts.pending +
      this.#routes.pending +
      this.#pools.pending +
      (this.#inSyncPending ? 1 : 0)
    );
  }

  // --- flush --------------------------------------------------------------------------------

  /** Send everything pending, in dependency order (see the class comment). */
  flush(): void {
    const out = this.#out;

    // 1. Config first: rendering of everything below may depend on it.
    if (this.#pendingConfig) {
      const json = JSON.stringify(this.#pendingConfig);
      if (json !== this.#sentConfig) {
        this.#sentConfig = json;
        out.onConfigUpdate(this.#pendingConfig);
      }
      this.#pendingConfig = undefined;
    }

    // 2. IP sets before the rules that reference them: new sets, then deltas of existing ones.
    for (const [id, type] of this.#pendingIPSetAdds) {
      const delta = this.#pendingDeltas.get(id)!;
      this.#pendingDeltas.delete(id);
      if (this.#pendingIPSetRemovals.delete(id)) {
        // Same ID, different type: the old set must go before the new one can exist.
        this.#sentIPSets.delete(id);
        out.onIPSetRemoved(id);
      }
      out.onIPSetAdded(id, type);
      if (delta.added.size > 0) out.onIPSetMembersAdded(id, [...delta.added]);
      this.#sentIPSets.set(id, { type, members: delta.added });
    }
    this.#pendingIPSetAdds.clear();
    for (const [id, delta] of this.#pendingDeltas) {
      const sent = this.#sentIPSets.get(id)!;
      if (delta.removed.size > 0) {
        out.onIPSetMembersRemoved(id, [...delta.removed]);
        for (const m of delta.removed) sent.members.delete(m);
      }
      if (delta.added.size > 0) {
        out.onIPSetMembersAdded(id, [...delta.added]);
        for (const m of delta.added) sent.members.add(m);
      }
    }
    this.#pendingDeltas.clear();

    // 3-4. Policies and profiles before the endpoints that use them.
    this.#policies.flushUpdates((key, v) => out.onPolicyUpdate(key, v.id, v.rules));
    this.#profiles.flushUpdates((name, rules) => out.onProfileUpdate(name, rules));
    this.#workloads.flushUpdates((_k, ep) => out.onWorkloadEndpointUpdate(ep));
    this.#hosts.flushUpdates((_k, ep) => out.onHostEndpointUpdate(ep));

    // 5. Removals in reverse dependency order: nothing sent still references what is removed.
    this.#hosts.flushRemovals((key) => out.onHostEndpointRemoved(key));
    this.#workloads.flushRemovals((key) => out.onWorkloadEndpointRemoved(key));
    this.#profiles.flushRemovals((name) => out.onProfileRemoved(name));
    this.#policies.flushRemovals((key) => out.onPolicyRemoved(key));
    for (const id of this.#pendingIPSetRemovals) {
      this.#sentIPSets.delete(id);
      out.onIPSetRemoved(id);
    }
    this.#pendingIPSetRemovals.clear();

    // 6. Routes: removals first so a destination moving between routes never has two; then pools.
    this.#routes.flushRemovals((dst) => out.onRouteRemoved(dst));
    this.#routes.flushUpdates((_dst, route) => out.onRouteUpdate(route));
    this.#pools.flushUpdates((id, pool) => out.onIPPoolUpdate(id, pool));
    this.#pools.flushRemovals((id) => out.onIPPoolRemoved(id));

    // 7. In-sync last, so the driver has the complete picture when it hears it.
    if (this.#inSyncPending) {
      this.#inSyncPending = false;
      this.#inSyncSent = true;
      out.onInSync();
    }
  }
}
