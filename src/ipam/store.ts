/**
 * Typed access to the IPAM objects and the configuration AutoAssign reads, over the Datastore
 * contract. Every write here is a single compare-and-swap; retry loops live with the callers.
 */
import { LABEL_NAME, NAMESPACE_LABEL_PREFIX, NAMESPACE_PROFILE_PREFIX } from '../api/labels.js';
import type { CalicoNode, IPAMConfiguration, IPPool, IPReservation, Profile, Resource } from '../api/types.js';
import type { Datastore } from '../datastore/types.js';
import { CalicoError, type ErrorCode } from '../lib/errors.js';
import type { CIDR } from './ip.js';
import { type PoolView, poolView, reservedCIDRs } from './pools.js';
import { affinityName, blockName } from './block.js';
import { KeyedQueue } from './keyed-queue.js';
import {
  type BlockAffinity,
  type BlockAffinitySpec,
  type Clock,
  IPAM_API_VERSION,
  type IPAMBlock,
  type IPAMBlockSpec,
  type IPAMConfig,
  type IPAMHandle,
  type IPAMHandleSpec,
} from './types.js';

/** Calico's bound on compare-and-swap retries for one operation. */
export const MAX_CAS_RETRIES = 100;

export function hasCode(err: unknown, code: ErrorCode): boolean {
  return err instanceof CalicoError ? err.code === code : (err as { code?: unknown } | null)?.code === code;
}

export const isConflict = (err: unknown): boolean => hasCode(err, 'CALICO_ERR_CONFLICT');
export const isNotFound = (err: unknown): boolean => hasCode(err, 'CALICO_ERR_NOT_FOUND');
export const isAlreadyExists = (err: unknown): boolean => hasCode(err, 'CALICO_ERR_ALREADY_EXISTS');

function resource<K extends string, S>(kind: K, name: string, spec: S): Resource<K, S> {
  return { apiVersion: IPAM_API_VERSION, kind, metadata: { name }, spec };
}

/** Deep copy so callers can mutate what they read without touching the datastore's objects. */
function copy<T>(r: T): T {
  return structuredClone(r);
}

export function handleName(handleId: string): string {
  return handleId.toLowerCase();
}

export class IPAMStore {
  readonly ds: Datastore;
  readonly clock: Clock;
  /** Serialises this process's read-modify-write cycles per block CIDR. */
  readonly blockQueue = new KeyedQueue();
  constructor(ds: Datastore, clock: Clock) {
    this.ds = ds;
    this.clock = clock;
  }

  async #getOrUndefined<R extends Resource>(kind: string, name: string): Promise<R | undefined> {
    try {
      return copy(await this.ds.get<R>({ kind, name }));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  // Blocks --------------------------------------------------------------------------------------

  async getBlock(cidr: string): Promise<IPAMBlock | undefined> {
    const b = await this.#getOrUndefined<IPAMBlock>('IPAMBlock', blockName(cidr));
    return b && !b.spec?.deleted ? b : undefined;
  }

  async listBlocks(): Promise<IPAMBlock[]> {
    const res = await this.ds.list<IPAMBlock>({ kind: 'IPAMBlock' });
    return res.items.filter((b) => b.spec && !b.spec.deleted).map(copy);
  }

  /** Throws AlreadyExistsError when another writer created it first. */
  async createBlock(spec: IPAMBlockSpec): Promise<IPAMBlock> {
    return copy(await this.ds.create(resource('IPAMBlock', blockName(spec.cidr), spec)));
  }

  /** Compare-and-swap on the resourceVersion the block was read with. */
  async updateBlock(block: IPAMBlock): Promise<IPAMBlock> {
    return copy(await this.ds.update(block));
  }

  async deleteBlock(block: IPAMBlock): Promise<void> {
    await this.ds.delete({ kind: 'IPAMBlock', name: block.metadata.name }, { resourceVersion: block.metadata.resourceVersion });
  }

  // Affinities ----------------------------------------------------------------------------------

  async getAffinity(host: string, cidr: string): Promise<BlockAffinity | undefined> {
    const a = await this.#getOrUndefined<BlockAffinity>('BlockAffinity', affinityName(host, cidr));
    return a && a.spec?.deleted !== 'true' ? a : undefined;
  }

  /** All affinities, or one host's (names are prefixed by the host but prefixes can collide, so filter on spec.node). */
  async listAffinities(host?: string): Promise<BlockAffinity[]> {
    const res = await this.ds.list<BlockAffinity>(host === undefined ? { kind: 'BlockAffinity' } : { kind: 'BlockAffinity', namePrefix: `${host}-` });
    return res.items.filter((a) => a.spec && a.spec.deleted !== 'true' && (host === undefined || a.spec.node === host)).map(copy);
  }

  async createAffinity(host: string, cidr: string, state: BlockAffinitySpec['state']): Promise<BlockAffinity> {
    const spec: BlockAffinitySpec = { state, node: host, type: 'host', cidr, deleted: 'false' };
    const r = resource('BlockAffinity', affinityName(host, cidr), spec);
    r.metadata.labels = { 'projectcalico.org/affinity-type': 'host', 'projectcalico.org/ip-version': cidr.includes(':') ? '6' : '4' };
    return copy(await this.ds.create(r));
  }

  async updateAffinity(a: BlockAffinity): Promise<BlockAffinity> {
    return copy(await this.ds.update(a));
  }

  async deleteAffinity(a: BlockAffinity): Promise<void> {
    await this.ds.delete({ kind: 'BlockAffinity', name: a.metadata.name }, { resourceVersion: a.metadata.resourceVersion });
  }

  // Handles -------------------------------------------------------------------------------------

  async getHandle(handleId: string): Promise<IPAMHandle | undefined> {
    const h = await this.#getOrUndefined<IPAMHandle>('IPAMHandle', handleName(handleId));
    return h && !h.spec?.deleted ? h : undefined;
  }

  async listHandles(): Promise<IPAMHandle[]> {
    const res = await this.ds.list<IPAMHandle>({ kind: 'IPAMHandle' });
    return res.items.filter((h) => h.spec && !h.spec.deleted).map(copy);
  }

  async createHandle(spec: IPAMHandleSpec): Promise<IPAMHandle> {
    return copy(await this.ds.create(resource('IPAMHandle', handleName(spec.handleID), spec)));
  }

  async updateHandle(h: IPAMHandle): Promise<IPAMHandle> {
    return copy(await this.ds.update(h));
  }

  async deleteHandle(h: IPAMHandle): Promise<void> {
    await this.ds.delete({ kind: 'IPAMHandle', name: h.metadata.name }, { resourceVersion: h.metadata.resourceVersion });
  }

  // Configuration -------------------------------------------------------------------------------

  async readConfigResource(): Promise<IPAMConfiguration | undefined> {
    return this.#getOrUndefined<IPAMConfiguration>('IPAMConfiguration', 'default');
  }

  /** IPAMConfiguration `default` with Calico's defaults (strictAffinity false, autoAllocateBlocks true). */
  async readConfig(): Promise<IPAMConfig> {
    const spec = (await this.readConfigResource())?.spec ?? {};
    return {
      strictAffinity: spec.strictAffinity ?? false,
      maxBlocksPerHost: spec.maxBlocksPerHost ?? 0,
      autoAllocateBlocks: spec.autoAllocateBlocks ?? true,
    };
  }

  async readPoolResources(): Promise<IPPool[]> {
    return (await this.ds.list<IPPool>({ kind: 'IPPool' })).items;
  }

  async readPools(): Promise<PoolView[]> {
    return (await this.readPoolResources()).map(poolView);
  }

  async readReservations(): Promise<CIDR[]> {
    return reservedCIDRs((await this.ds.list<IPReservation>({ kind: 'IPReservation' })).items);
  }

  /** The Calico Node's labels (nodeSelector input); an unregistered node has none. */
  async nodeLabels(host: string): Promise<Record<string, string>> {
    const n = await this.#getOrUndefined<CalicoNode>('Node', host);
    return n?.metadata.labels ?? {};
  }

  /**
   * Namespace labels as the namespace profile `kns.<ns>` carries them (`pcns.`-prefixed in
   * labelsToApply, the prefix stripped here).
   */
  async namespaceLabels(namespace: string): Promise<Record<string, string>> {
    const p = await this.#getOrUndefined<Profile>('Profile', `${NAMESPACE_PROFILE_PREFIX}${namespace}`);
    const out: Record<string, string> = { [LABEL_NAME]: namespace };
    for (const [k, v] of Object.entries(p?.spec?.labelsToApply ?? {})) out[k.startsWith(NAMESPACE_LABEL_PREFIX) ? k.slice(NAMESPACE_LABEL_PREFIX.length) : k] = v;
    return out;
  }
}
