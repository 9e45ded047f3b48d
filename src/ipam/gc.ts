/**
 * The IPAM garbage collector calico-kube-controllers runs: releases leaked addresses after the
 * grace period, a deleted node's addresses and affinities at once, and affinities of blocks that
 * stayed empty for two passes (a node always keeps one). It remembers candidates between passes,
 * so one instance must run the passes in sequence.
 */
import type { CalicoNode, KubeControllersConfiguration, WorkloadEndpoint } from '../api/types.js';
import type { Datastore } from '../datastore/types.js';
import { CalicoError } from '../lib/errors.js';
import { affinityHost, isEmpty } from './block.js';
import { type AllocationRecord, allocationKey, classifyAllocations, indexOwners } from './gc-classify.js';
import { parseGoDuration } from '../lib/duration.js';
import { IPAMClient } from './ipam-client.js';
import { isNotFound } from './store.js';
import { type Clock, systemClock } from './types.js';

/** KubeControllersConfiguration default for controllers.node.leakGracePeriod. */
export const DEFAULT_LEAK_GRACE_PERIOD_MS = 15 * 60_000;

export interface GarbageCollectorOptions {
  clock?: Clock;
  /** Overrides KubeControllersConfiguration `default` (tests and labs). */
  leakGracePeriodMs?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface GCPassResult {
  /** Allocations currently suspected of being leaked (Calico's ipam_allocations_gc_candidates). */
  candidates: number;
  /** Addresses released this pass (ipam_allocations_gc_reclamations). */
  released: string[];
  /** Block CIDRs whose affinity was released this pass. */
  affinitiesReleased: string[];
  inUse: number;
}

/**
 * @example
 * const gc = new IPAMGarbageCollector(datastore, { clock: new FakeClock() });
 * const { released, candidates } = await gc.runPass();
 */
export class IPAMGarbageCollector {
  readonly #ds: Datastore;
  readonly #ipam: IPAMClient;
  readonly #clock: Clock;
  readonly #graceOverride: number | undefined;
  readonly #log: (msg: string, fields?: Record<string, unknown>) => void;
  /** Allocation key -> when it was first seen leaked. */
  #firstSeen = new Map<string, number>();
  /** Block CIDR -> consecutive passes it was seen empty. */
  #emptyPasses = new Map<string, number>();

  constructor(ds: Datastore, options: GarbageCollectorOptions = {}) {
    if (options.leakGracePeriodMs !== undefined && !(options.leakGracePeriodMs >= 0)) {
      throw new CalicoError('CALICO_ERR_VALIDATION', `Cannot create IPAM garbage collector: leakGracePeriodMs must be >= 0 (got ${options.leakGracePeriodMs})`);
    }
    this.#ds = ds;
    this.#clock = options.clock ?? systemClock;
    this.#ipam = new IPAMClient(ds, { clock: this.#clock });
    this.#graceOverride = options.leakGracePeriodMs;
    this.#log = options.log ?? (() => undefined);
  }

  /** The leak grace period in force: the override, else KubeControllersConfiguration `default`, else 15m. 0 disables leak GC. */
  async leakGracePeriodMs(): Promise<number> {
    if (this.#graceOverride !== undefined) return this.#graceOverride;
    let kcc: KubeControllersConfiguration | undefined;
    try {
      kcc = await this.#ds.get<KubeControllersConfiguration>({ kind: 'KubeControllersConfiguration', name: 'default' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const text = kcc?.spec?.controllers?.node?.leakGracePeriod;
    if (text === undefined) return DEFAULT_LEAK_GRACE_PERIOD_MS;
    const ms = parseGoDuration(text);
    if (ms === undefined) {
      throw new CalicoError('CALICO_ERR_VALIDATION',
        `KubeControllersConfiguration "default" has an invalid spec.controllers.node.leakGracePeriod "${text}"`,
        { resource: { kind: 'KubeControllersConfiguration', name: 'default' } });
    }
    return ms;
  }

  async #snapshot(): Promise<{ nodes: CalicoNode[]; weps: WorkloadEndpoint[] }> {
    const [nodes, weps] = await Promise.all([
      this.#ds.list<CalicoNode>({ kind: 'Node' }),
      this.#ds.list<WorkloadEndpoint>({ kind: 'WorkloadEndpoint' }),
    ]);
    return { nodes: nodes.items, weps: weps.items };
  }

  /** One full scan. */
  async runPass(): Promise<GCPassResult> {
    const grace = await this.leakGracePeriodMs();
    const now = this.#clock.now();
    const snap = await this.#snapshot();
    const owners = indexOwners(snap);
    // With no Node objects at all the datastore does not model nodes: never treat that as "every node deleted".
    const nodesModelled = snap.nodes.length > 0;
    const allocations = classifyAllocations(await this.#ipam.store.listBlocks(), owners)
      .map((a) => (a.status === 'nodeGone' && !nodesModelled ? { ...a, status: 'valid' as const } : a))
      .map((a) => (a.status === 'leak' && grace === 0 ? { ...a, status: 'valid' as const } : a));

    // Remember when each suspect was first seen; forget suspects that came good or went away.
    const seenNow = new Set<string>();
    for (const a of allocations) {
      if (a.status !== 'leak') continue;
      const k = allocationKey(a);
      seenNow.add(k);
      if (!this.#firstSeen.has(k)) this.#firstSeen.set(k, now);
    }
    for (const k of [...this.#firstSeen.keys()]) if (!seenNow.has(k)) this.#firstSeen.delete(k);

    const confirmed = (a: AllocationRecord): boolean =>
      a.status === 'nodeGone' || (a.status === 'leak' && now - (this.#firstSeen.get(allocationKey(a)) ?? now) >= grace);

    // A handle is released only when every one of its addresses is a confirmed leak.
    const byHandle = new Map<string, AllocationRecord[]>();
    for (const a of allocations) {
      const h = a.handleId ?? `ip:${a.ip}`;
      byHandle.set(h, [...(byHandle.get(h) ?? []), a]);
    }
    let toRelease = [...byHandle.values()].filter((as) => as.every(confirmed)).flat();

    const released: string[] = [];
    if (toRelease.length > 0) {
      // Re-validate against fresh state just before releasing: a pod may have appeared since the scan.
      const fresh = indexOwners(await this.#snapshot());
      const still = new Set(classifyAllocations(await this.#ipam.store.listBlocks(), fresh)
        .filter((a) => a.status !== 'valid').map(allocationKey));
      toRelease = toRelease.filter((a) => still.has(allocationKey(a)));
      const r = await this.#ipam.releaseIPs(toRelease.map((a) => ({ ip: a.ip, handleId: a.handleId, sequenceNumber: a.sequenceNumber })));
      released.push(...r.released);
      for (const a of toRelease) this.#firstSeen.delete(allocationKey(a));
      if (r.released.length > 0) this.#log('released leaked IPAM allocations', { ips: r.released });
    }

    const affinitiesReleased = await this.#gcAffinities(owners.nodes, nodesModelled);
    return {
      candidates: this.#firstSeen.size,
      released,
      affinitiesReleased,
      inUse: allocations.length - released.length,
    };
  }

  /** Releases affinities of deleted nodes, and of blocks empty for two passes (keeping one per node). */
  async #gcAffinities(nodes: Set<string>, nodesModelled: boolean): Promise<string[]> {
    const out: string[] = [];
    const blocks = await this.#ipam.store.listBlocks();
    const affinities = await this.#ipam.store.listAffinities();
    const blocksPerNode = new Map<string, number>();
    for (const a of affinities) blocksPerNode.set(a.spec!.node, (blocksPerNode.get(a.spec!.node) ?? 0) + 1);

    if (nodesModelled) {
      for (const a of affinities) {
        if (nodes.has(a.spec!.node)) continue;
        if (await this.#ipam.releaseAffinity(a.spec!.node, a.spec!.cidr)) {
          out.push(a.spec!.cidr);
          this.#log('released affinity of deleted node', { node: a.spec!.node, cidr: a.spec!.cidr });
        }
      }
    }
    const seen = new Set<string>();
    for (const b of blocks) {
      const spec = b.spec!;
      const host = affinityHost(spec.affinity);
      if (!host || !nodes.has(host) || !isEmpty(spec)) continue;
      seen.add(spec.cidr);
      const n = (this.#emptyPasses.get(spec.cidr) ?? 0) + 1;
      this.#emptyPasses.set(spec.cidr, n);
      if (n < 2 || (blocksPerNode.get(host) ?? 0) <= 1) continue;
      if (await this.#ipam.releaseAffinity(host, spec.cidr, { mustBeEmpty: true })) {
        out.push(spec.cidr);
        blocksPerNode.set(host, (blocksPerNode.get(host) ?? 1) - 1);
        this.#emptyPasses.delete(spec.cidr);
        this.#log('released affinity of empty block', { node: host, cidr: spec.cidr });
      }
    }
    for (const k of [...this.#emptyPasses.keys()]) if (!seen.has(k)) this.#emptyPasses.delete(k);
    return out;
  }
}
