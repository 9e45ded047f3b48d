/**
 * Calico IPAM over the datastore: AutoAssign, AssignIP, ReleaseIPs, ReleaseByHandle and queries.
 * No locks between processes: every block, affinity and handle write is compare-and-swap, retried
 * up to MAX_CAS_RETRIES times, so any number of hosts can allocate from the same pools at once.
 */
import type { Datastore } from '../datastore/types.js';
import { CalicoError } from '../lib/errors.js';
import { claimBlock, confirmAffinity, reclaimEmptyBlock, releaseAffinity, type ReleaseAffinityOptions } from './affinity.js';
import {
  affinityHost, assignFromBlock, assignOrdinal, blockCIDR, freeCount, hostAffinity, ipToOrdinal, newBlockSpec, ordinalToIPString,
} from './block.js';
import { assignBatchFromBlock } from './assign-batch.js';
import { decrementHandle, incrementHandle } from './handles.js';
import { getAssignmentAttributes, ipsByHandle, releaseByHandle, releaseIPs } from './release.js';
import { type CIDR, type IPFamily, cidrContainsIP, enclosingCIDR, formatCIDR, parseCIDR, parseIP } from './ip.js';
import { KeyedQueue } from './keyed-queue.js';
import { type PoolUse, type PoolView, blockSubnets, orderForHost, poolForCIDR, reservedOrdinals, selectPools } from './pools.js';
import { IPAMStore, MAX_CAS_RETRIES, isAlreadyExists, isConflict, isNotFound } from './store.js';
import {
  type AssignedIP, type AssignmentAttributes, type AutoAssignArgs, type AutoAssignResult, type Clock,
  type IPAMConfig, type ReleaseOptions, type ReleaseResult, systemClock,
} from './types.js';

/** Calico's default when maxBlocksPerHost is 0. */
export const DEFAULT_MAX_BLOCKS_PER_HOST = 20;

export interface IPAMClientOptions {
  clock?: Clock;
  /**
   * Serialise this process's AutoAssign calls per host (Calico's CNI host lock), batching queued
   * requests into shared block writes. Default true.
   */
  serializePerHost?: boolean;
}

/** Most requests one host's queue serves with shared reads and block writes. */
const MAX_BATCH = 64;

interface Pending {
  args: AutoAssignArgs;
  resolve: (r: AutoAssignResult) => void;
  reject: (err: unknown) => void;
}

interface AssignContext {
  host: string;
  handleId: string;
  attrs: Record<string, string> | undefined;
  reserved: CIDR[];
}

export class IPAMClient {
  readonly store: IPAMStore;
  #hostQueue = new KeyedQueue();
  #pending = new Map<string, Pending[]>();
  #serialize: boolean;

  constructor(datastore: Datastore, options: IPAMClientOptions = {}) {
    this.store = new IPAMStore(datastore, options.clock ?? systemClock);
    this.#serialize = options.serializePerHost ?? true;
  }

  /**
   * Assigns `num4` IPv4 (and `num6` IPv6) addresses to the handle; all or nothing.
   * @example await ipam.autoAssign({ num4: 1, handleId: 'k8s-pod-network.abc', hostname: 'node1', attrs: { pod: 'p', namespace: 'ns', node: 'node1' } })
   */
  async autoAssign(args: AutoAssignArgs): Promise<AutoAssignResult> {
    if (!args.handleId) throw new CalicoError('CALICO_ERR_VALIDATION', 'Cannot auto-assign: handleId is required');
    if (!args.hostname) throw new CalicoError('CALICO_ERR_VALIDATION', 'Cannot auto-assign: hostname is required');
    if (!(args.num4 >= 0) || !((args.num6 ?? 0) >= 0)) {
      throw new CalicoError('CALICO_ERR_VALIDATION', `Cannot auto-assign: num4/num6 must be >= 0 (got ${args.num4}/${args.num6})`);
    }
    if (!this.#serialize) return this.#autoAssignLocked(args);
    return new Promise((resolve, reject) => {
      const q = this.#pending.get(args.hostname) ?? [];
      q.push({ args, resolve, reject });
      this.#pending.set(args.hostname, q);
      if (q.length === 1) void this.#hostQueue.run(args.hostname, () => this.#drainLocked(args.hostname));
    });
  }

  /** Serves everything queued for the host, in batches; new arrivals while it runs join the next batch. */
  async #drainLocked(host: string): Promise<void> {
    for (;;) {
      const batch = (this.#pending.get(host) ?? []).splice(0, MAX_BATCH);
      if (batch.length === 0) {
        this.#pending.delete(host);
        return;
      }
      await this.#autoAssignBatchLocked(host, batch);
    }
  }

  /**
   * Fast path for single-family IPv4 requests: serve as many as fit from the host's affine blocks with
   * one block write per block; everything else (and every leftover) goes through the full algorithm alone.
   */
  async #autoAssignBatchLocked(host: string, batch: Pending[]): Promise<void> {
    const settle = async (p: Pending): Promise<void> => {
      try {
        p.resolve(await this.#autoAssignLocked(p.args));
      } catch (err) {
        p.reject(err);
      }
    };
    const simple = batch.filter((p) => (p.args.num6 ?? 0) === 0 && p.args.num4 > 0 && !p.args.ipv4Pools?.length && !p.args.namespace
      && !p.args.namespaceLabels && !p.args.maxBlocksPerHost && (p.args.use ?? 'Workload') === 'Workload');
    let left = batch.filter((p) => !simple.includes(p));
    const done = new Set<Pending>();
    if (simple.length > 1) {
      try {
        const [pools, reserved, nodeLabels] = await Promise.all([this.store.readPools(), this.store.readReservations(), this.store.nodeLabels(host)]);
        const chosen = selectPools(pools, { family: 4, use: 'Workload', nodeLabels });
        let waiting = simple;
        for (const cidr of chosen.length > 0 ? await this.#affineBlocks(host, chosen) : []) {
          if (waiting.length === 0) break;
          const served = await assignBatchFromBlock(this.store, host, cidr,
            waiting.map((p) => ({ num: p.args.num4, handleId: p.args.handleId, attrs: p.args.attrs })), reserved);
          for (const [i, ips] of served) {
            waiting[i]!.resolve({ ipv4: ips, ipv6: [] });
            done.add(waiting[i]!);
          }
          waiting = waiting.filter((_, i) => !served.has(i));
        }
        left = [...waiting, ...left];
      } catch {
        // Anything unusual (bad pool, conflicts): let each request find and report it on its own.
        left = batch.filter((p) => !done.has(p));
      }
    } else {
      left = batch;
    }
    for (const p of left) await settle(p);
  }

  async #autoAssignLocked(args: AutoAssignArgs): Promise<AutoAssignResult> {
    const [config, pools, reserved, nodeLabels] = await Promise.all([
      this.store.readConfig(), this.store.readPools(), this.store.readReservations(), this.store.nodeLabels(args.hostname),
    ]);
    const namespaceLabels = args.namespaceLabels ?? (args.namespace ? await this.store.namespaceLabels(args.namespace) : undefined);
    const ctx: AssignContext = { host: args.hostname, handleId: args.handleId, attrs: args.attrs, reserved };
    const use: PoolUse = args.use ?? 'Workload';
    const result: AutoAssignResult = { ipv4: [], ipv6: [] };
    try {
      for (const [family, num, requested] of [[4, args.num4, args.ipv4Pools], [6, args.num6 ?? 0, args.ipv6Pools]] as const) {
        if (num <= 0) continue;
        const chosen = selectPools(pools, { family, use, nodeLabels, namespaceLabels, requested: requested ? [...requested] : undefined });
        const out = family === 4 ? result.ipv4 : result.ipv6;
        await this.#assignFamily(ctx, family, num, chosen, config, args.maxBlocksPerHost ?? 0, out);
      }
    } catch (err) {
      // All or nothing: give back what this call took before failing.
      const taken = [...result.ipv4, ...result.ipv6];
      if (taken.length > 0) await this.releaseIPs(taken.map((a) => ({ ip: a.ip, handleId: args.handleId })));
      throw err;
    }
    return result;
  }

  async #assignFamily(
    ctx: AssignContext, family: IPFamily, num: number, pools: PoolView[], config: IPAMConfig, requestCap: number, out: AssignedIP[],
  ): Promise<void> {
    const want = num;
    if (pools.length === 0) {
      throw new CalicoError('CALICO_ERR_IPAM_POOL_EXHAUSTED', `Cannot assign IPv${family} address for host "${ctx.host}": no configured Calico pools for node ${ctx.host}`);
    }
    const globalCap = config.maxBlocksPerHost > 0 ? config.maxBlocksPerHost : DEFAULT_MAX_BLOCKS_PER_HOST;
    const cap = requestCap > 0 ? Math.min(globalCap, requestCap) : globalCap;

    // 1. Blocks already affine to this host.
    for (const cidr of await this.#affineBlocks(ctx.host, pools)) {
      if (out.length >= want) return;
      out.push(...(await this.#assignFromBlock(ctx, cidr, want - out.length, true)));
    }
    // 2. Claim new blocks while under the cap.
    let blockLimitHit = false;
    for (let attempt = 0; out.length < want && config.autoAllocateBlocks && attempt < MAX_CAS_RETRIES; attempt++) {
      const owned = await this.#affineBlocks(ctx.host, pools);
      if (owned.length >= cap) {
        blockLimitHit = true;
        break;
      }
      const cidr = await this.#claimNewBlock(ctx, pools);
      if (!cidr) break;
      out.push(...(await this.#assignFromBlock(ctx, cidr, want - out.length, true)));
    }
    if (out.length < want && blockLimitHit) {
      throw new CalicoError('CALICO_ERR_IPAM_BLOCK_LIMIT',
        `Cannot assign ${want} IPv${family} address(es) for host "${ctx.host}": host already has the maximum of ${cap} affine blocks (maxBlocksPerHost) and they are full`);
    }
    // 3. Borrow from other hosts' blocks unless strict affinity forbids it.
    if (out.length < want && !config.strictAffinity) {
      const existing = (await this.store.listBlocks()).map((b) => ({ b, cidr: blockCIDR(b.spec!) }));
      for (const pool of pools) {
        for (const { b, cidr } of orderForHost(pool, ctx.host, existing)) {
          if (out.length >= want) break;
          if (freeCount(b.spec!, reservedOrdinals(cidr, ctx.reserved)) === 0) continue;
          out.push(...(await this.#assignFromBlock(ctx, b.spec!.cidr, want - out.length, false)));
        }
      }
    }
    if (out.length < want) {
      const names = pools.map((p) => `"${p.cidrText}"`).join(', ');
      throw new CalicoError('CALICO_ERR_IPAM_POOL_EXHAUSTED',
        `Cannot assign ${want} IPv${family} address(es) for host "${ctx.host}" from pool(s) ${names}: only ${out.length} free address(es) available${config.strictAffinity ? ' without borrowing (strictAffinity is true)' : ''}`);
    }
  }

  /** CIDRs of this host's confirmed blocks inside `pools`, in pool order. */
  async #affineBlocks(host: string, pools: PoolView[]): Promise<string[]> {
    const affs = (await this.store.listAffinities(host)).filter((a) => a.spec!.state === 'confirmed');
    const out: string[] = [];
    for (const p of pools) {
      for (const a of affs) {
        const c = parseCIDR(a.spec!.cidr);
        if (poolForCIDR([p], c)) out.push(a.spec!.cidr);
      }
    }
    return out;
  }

  /** Finds and claims a block for the host; undefined when every subnet of every pool is taken. */
  async #claimNewBlock(ctx: AssignContext, pools: PoolView[]): Promise<string | undefined> {
    const existing = new Map((await this.store.listBlocks()).map((b) => [b.spec!.cidr, b]));
    for (const pool of pools) {
      for (const sub of blockSubnets(pool, ctx.host)) {
        const text = formatCIDR(sub);
        const isReserved = reservedOrdinals(sub, ctx.reserved);
        const b = existing.get(text);
        if (!b) {
          // A fully reserved subnet could never serve an address.
          if (freeCount(newBlockSpec(sub, null, 0), isReserved) === 0) continue;
          if (await claimBlock(this.store, ctx.host, sub)) return text;
          continue;
        }
        const spec = b.spec!;
        if (spec.affinity === hostAffinity(ctx.host) && freeCount(spec, isReserved) > 0) {
          // Ours but its affinity was lost (e.g. a crash mid-claim): restore it.
          await confirmAffinity(this.store, ctx.host, text);
          return text;
        }
        if (affinityHost(spec.affinity) !== undefined && (await reclaimEmptyBlock(this.store, ctx.host, b))) return text;
      }
    }
    return undefined;
  }

  /**
   * Allocates up to `num` addresses in one block with compare-and-swap, retrying on conflicts.
   * With `mustBeAffine` it gives up if the block stopped being this host's.
   */
  async #assignFromBlock(ctx: AssignContext, cidr: string, num: number, mustBeAffine: boolean): Promise<AssignedIP[]> {
    for (let i = 0; i < MAX_CAS_RETRIES; i++) {
      const block = await this.store.getBlock(cidr);
      if (!block) return [];
      const spec = block.spec!;
      if (mustBeAffine && spec.affinity !== hostAffinity(ctx.host)) return [];
      const c = blockCIDR(spec);
      const ords = assignFromBlock(spec, { num, handleId: ctx.handleId, attrs: ctx.attrs, isReserved: reservedOrdinals(c, ctx.reserved) });
      if (ords.length === 0) return [];
      await incrementHandle(this.store, ctx.handleId, spec.cidr, ords.length);
      try {
        await this.store.updateBlock(block);
      } catch (err) {
        await decrementHandle(this.store, ctx.handleId, spec.cidr, ords.length);
        if (isConflict(err) || isNotFound(err)) continue;
        throw err;
      }
      return ords.map((o) => ({ ip: ordinalToIPString(c, o), cidr: `${ordinalToIPString(c, o)}/${c.prefix}`, family: c.family }));
    }
    throw new CalicoError('CALICO_ERR_CONFLICT', `Cannot assign from block ${cidr}: gave up after ${MAX_CAS_RETRIES} conflicting writes`);
  }

  /** Assigns one specific address (the `cni.projectcalico.org/ipAddrs` path). */
  async assignIP(args: { ip: string; handleId: string; attrs?: Record<string, string>; hostname: string }): Promise<AssignedIP> {
    const ip = parseIP(args.ip);
    const pools = await this.store.readPools();
    const pool = pools.find((p) => cidrContainsIP(p.cidr, ip));
    if (!pool) {
      throw new CalicoError('CALICO_ERR_VALIDATION', `Cannot assign ${args.ip}: the address is not in any configured IP pool`);
    }
    const sub = enclosingCIDR(ip, pool.blockSize);
    const text = formatCIDR(sub);
    for (let i = 0; i < MAX_CAS_RETRIES; i++) {
      let block = await this.store.getBlock(text);
      if (!block) {
        // Claim it for this host; if another host won the race we still assign from its block.
        await claimBlock(this.store, args.hostname, sub);
        block = await this.store.getBlock(text);
        if (!block) continue;
      }
      const spec = block.spec!;
      const ord = ipToOrdinal(sub, ip);
      if (spec.allocations[ord] !== null) {
        throw new CalicoError('CALICO_ERR_ALREADY_EXISTS', `Cannot assign ${args.ip}: address is already assigned in block ${text}`,
          { resource: { kind: 'IPAMBlock', name: block.metadata.name } });
      }
      assignOrdinal(spec, ord, args.handleId, args.attrs);
      await incrementHandle(this.store, args.handleId, text, 1);
      try {
        await this.store.updateBlock(block);
      } catch (err) {
        await decrementHandle(this.store, args.handleId, text, 1);
        if (isConflict(err) || isNotFound(err)) continue;
        throw err;
      }
      return { ip: ordinalToIPString(sub, ord), cidr: `${ordinalToIPString(sub, ord)}/${sub.prefix}`, family: sub.family };
    }
    throw new CalicoError('CALICO_ERR_CONFLICT', `Cannot assign ${args.ip}: gave up after ${MAX_CAS_RETRIES} conflicting writes`);
  }


  /**
   * Releases addresses. An address whose handle or sequence number no longer matches the request
   * is left allocated and reported in `mismatched`.
   * @example await ipam.releaseIPs([{ ip: '10.0.0.5', handleId: 'k8s-pod-network.abc', sequenceNumber: 42 }])
   */
  releaseIPs(opts: ReleaseOptions[]): Promise<ReleaseResult> {
    return releaseIPs(this.store, opts);
  }

  /** Releases every address held by the handle and deletes it. Returns the released addresses. */
  releaseByHandle(handleId: string): Promise<string[]> {
    return releaseByHandle(this.store, handleId);
  }

  /** Owner of an address, or undefined when it is not assigned. */
  getAssignmentAttributes(ip: string): Promise<AssignmentAttributes | undefined> {
    return getAssignmentAttributes(this.store, ip);
  }

  /** Addresses currently held by the handle. */
  ipsByHandle(handleId: string): Promise<string[]> {
    return ipsByHandle(this.store, handleId);
  }

  releaseAffinity(host: string, cidr: string, opts?: ReleaseAffinityOptions): Promise<boolean> {
    return releaseAffinity(this.store, host, cidr, opts);
  }

  /** Releases every affinity the host holds; returns how many were released. */
  async releaseHostAffinities(host: string, opts?: ReleaseAffinityOptions): Promise<number> {
    let n = 0;
    for (const a of await this.store.listAffinities(host)) if (await releaseAffinity(this.store, host, a.spec!.cidr, opts)) n++;
    return n;
  }

  getIPAMConfig(): Promise<IPAMConfig> {
    return this.store.readConfig();
  }

  /** Writes IPAMConfiguration `default` (create or compare-and-swap update). */
  async setIPAMConfig(cfg: Partial<IPAMConfig>): Promise<IPAMConfig> {
    for (let i = 0; i < MAX_CAS_RETRIES; i++) {
      const current = await this.store.readConfigResource();
      const spec = { ...(current?.spec ?? {}), ...cfg };
      if (spec.strictAffinity === false && spec.autoAllocateBlocks === false) {
        throw new CalicoError('CALICO_ERR_VALIDATION',
          'Cannot set IPAMConfiguration "default": autoAllocateBlocks must be true when strictAffinity is false',
          { resource: { kind: 'IPAMConfiguration', name: 'default' } });
      }
      if (spec.maxBlocksPerHost !== undefined && !(Number.isInteger(spec.maxBlocksPerHost) && spec.maxBlocksPerHost >= 0 && spec.maxBlocksPerHost <= 1_000_000)) {
        throw new CalicoError('CALICO_ERR_VALIDATION',
          `Cannot set IPAMConfiguration "default": spec.maxBlocksPerHost must be an integer 0-1000000 (value ${spec.maxBlocksPerHost})`,
          { resource: { kind: 'IPAMConfiguration', name: 'default' } });
      }
      try {
        if (current) await this.store.ds.update({ ...current, spec });
        else await this.store.ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPAMConfiguration', metadata: { name: 'default' }, spec });
        return await this.store.readConfig();
      } catch (err) {
        if (isConflict(err) || isAlreadyExists(err)) continue;
        throw err;
      }
    }
    throw new CalicoError('CALICO_ERR_CONFLICT', 'Cannot update IPAMConfiguration "default": too many conflicting writes');
  }
}
