/**
 * Calico's internal IPAM objects (crd.projectcalico.org/v1 in Calico), stored as cluster-scoped
 * resources of kinds IPAMBlock, BlockAffinity and IPAMHandle in the same datastore as the v3 API,
 * so every IPAM write gets the datastore's compare-and-swap.
 */
import type { Resource } from '../api/types.js';

export const IPAM_API_VERSION = 'crd.projectcalico.org/v1';

/** One owner of one or more ordinals in a block. */
export interface AllocationAttribute {
  /** The IPAMHandle this allocation belongs to (Calico's `handle_id`). */
  handle_id?: string;
  /** Owner attributes: `pod`, `namespace`, `node`, `timestamp`, `type`, ... */
  secondary?: Record<string, string>;
}

export interface IPAMBlockSpec {
  /** Block CIDR, e.g. `10.244.1.0/26`. */
  cidr: string;
  /** `host:<node>`, `virtual:<name>`, or null when no host owns the block. */
  affinity: string | null;
  /** RFC 3339 time the affinity was claimed (drives the empty-block reclaim age). */
  affinityClaimTime?: string;
  /** Per ordinal: index into `attributes`, or null when free. */
  allocations: Array<number | null>;
  /** Free ordinals in FIFO order: allocate from the head, released ones go to the tail. */
  unallocated: number[];
  attributes: AllocationAttribute[];
  /** Bumped on every write; an ordinal records the value current when it was allocated. */
  sequenceNumber: number;
  sequenceNumberForAllocation: Record<string, number>;
  deleted: boolean;
}

export type BlockAffinityState = 'pending' | 'confirmed' | 'pendingDeletion';

export interface BlockAffinitySpec {
  state: BlockAffinityState;
  node: string;
  type: 'host' | 'virtual';
  cidr: string;
  /** A string "true"/"false", as in Calico's v1 CRD. */
  deleted: string;
}

export interface IPAMHandleSpec {
  handleID: string;
  /** Block CIDR -> number of addresses this handle holds there. */
  block: Record<string, number>;
  deleted: boolean;
}

export type IPAMBlock = Resource<'IPAMBlock', IPAMBlockSpec>;
export type BlockAffinity = Resource<'BlockAffinity', BlockAffinitySpec>;
export type IPAMHandle = Resource<'IPAMHandle', IPAMHandleSpec>;

/** Well-known allocation attribute keys. */
export const ATTR_POD = 'pod';
export const ATTR_NAMESPACE = 'namespace';
export const ATTR_NODE = 'node';
export const ATTR_TIMESTAMP = 'timestamp';
export const ATTR_TYPE = 'type';

/** Time source, injected so the allocator and the GC never call Date.now() themselves. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  #now: number;
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

/** What the caller asks AutoAssign for. */
export interface AutoAssignArgs {
  num4: number;
  num6?: number;
  handleId: string;
  attrs?: Record<string, string>;
  hostname: string;
  /** Explicitly requested pools (names or CIDRs): bypass selectors and assignmentMode. */
  ipv4Pools?: string[];
  ipv6Pools?: string[];
  /** Namespace of the workload, for pool namespaceSelector. */
  namespace?: string;
  /** Namespace labels when the caller already has them (else read from Profile `kns.<ns>`). */
  namespaceLabels?: Record<string, string>;
  /** IPPool allowedUses entry this address is for (default Workload). */
  use?: 'Workload' | 'Tunnel' | 'LoadBalancer';
  /** Per-request block cap (0 = none beyond the global one). */
  maxBlocksPerHost?: number;
}

export interface AssignedIP {
  /** Plain address, e.g. `10.0.0.5`. */
  ip: string;
  /** Block-masked form Calico returns, e.g. `10.0.0.5/26`. */
  cidr: string;
  family: 4 | 6;
}

export interface AutoAssignResult {
  ipv4: AssignedIP[];
  ipv6: AssignedIP[];
}

export interface ReleaseOptions {
  ip: string;
  /** Only release when the allocation belongs to this handle. */
  handleId?: string;
  /** Only release when the ordinal still carries this sequence number (ABA protection). */
  sequenceNumber?: number;
}

export interface ReleaseResult {
  released: string[];
  /** Addresses that were not allocated at all. */
  notAllocated: string[];
  /** Addresses left alone because handle or sequence number did not match. */
  mismatched: string[];
}

export interface AssignmentAttributes {
  ip: string;
  blockCIDR: string;
  handleId: string | undefined;
  attrs: Record<string, string>;
  sequenceNumber: number;
}

/** IPAMConfiguration after defaulting. */
export interface IPAMConfig {
  strictAffinity: boolean;
  /** 0 means Calico's default of 20. */
  maxBlocksPerHost: number;
  autoAllocateBlocks: boolean;
}
