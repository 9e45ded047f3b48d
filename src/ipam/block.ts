/**
 * Pure operations on one allocation block (Calico's AllocationBlock): ordinal math, the FIFO free
 * queue, per-ordinal sequence numbers and owner attributes. Functions mutate the spec they are given;
 * callers hand in a copy read from the datastore and write it back with compare-and-swap.
 */
import { nodeCrypto } from '../lib/lazy-crypto.js';
import { type CIDR, type IPAddr, cidrSize, formatCIDR, formatIP, parseCIDR } from './ip.js';
import type { AllocationAttribute, IPAMBlockSpec } from './types.js';

/** Block object name: the CIDR with `.`, `:` and `/` turned into `-` (`10-244-1-0-26`). */
export function blockName(cidr: string): string {
  return cidr.replace(/[.:/]/g, '-');
}

/** BlockAffinity name `<host>-<blockname>`; over 253 chars it is cut and suffixed with a hash, as Calico does. */
export function affinityName(host: string, cidr: string): string {
  const name = `${host}-${blockName(cidr)}`;
  if (name.length <= 253) return name;
  const hash = nodeCrypto().createHash('sha256').update(name).digest('hex').slice(0, 11);
  return `${name.slice(0, 253 - 12)}-${hash}`;
}

export function hostAffinity(host: string): string {
  return `host:${host}`;
}

/** The host a `host:<node>` affinity names, or undefined for virtual/none. */
export function affinityHost(affinity: string | null | undefined): string | undefined {
  return affinity?.startsWith('host:') ? affinity.slice(5) : undefined;
}

export function newBlockSpec(cidr: CIDR, affinity: string | null, nowMs: number): IPAMBlockSpec {
  const size = Number(cidrSize(cidr));
  return {
    cidr: formatCIDR(cidr),
    affinity,
    affinityClaimTime: new Date(nowMs).toISOString(),
    allocations: Array<number | null>(size).fill(null),
    unallocated: Array.from({ length: size }, (_, i) => i),
    attributes: [],
    // Calico starts from the creation time so a re-created block never reuses old sequence numbers.
    sequenceNumber: nowMs,
    sequenceNumberForAllocation: {},
    deleted: false,
  };
}

export function blockCIDR(spec: IPAMBlockSpec): CIDR {
  return parseCIDR(spec.cidr);
}

export function ordinalToIP(cidr: CIDR, ordinal: number): IPAddr {
  return { family: cidr.family, value: cidr.base + BigInt(ordinal) };
}

export function ordinalToIPString(cidr: CIDR, ordinal: number): string {
  return formatIP(ordinalToIP(cidr, ordinal));
}

/** Ordinal of `ip` in the block, or -1 when outside it. */
export function ipToOrdinal(cidr: CIDR, ip: IPAddr): number {
  if (ip.family !== cidr.family) return -1;
  const off = ip.value - cidr.base;
  return off < 0n || off >= cidrSize(cidr) ? -1 : Number(off);
}

export function inUseCount(spec: IPAMBlockSpec): number {
  let n = 0;
  for (const a of spec.allocations) if (a !== null) n++;
  return n;
}

export function isEmpty(spec: IPAMBlockSpec): boolean {
  return spec.unallocated.length === spec.allocations.length;
}

/** Free ordinals that are not reserved. */
export function freeCount(spec: IPAMBlockSpec, isReserved: (ordinal: number) => boolean = () => false): number {
  let n = 0;
  for (const o of spec.unallocated) if (!isReserved(o)) n++;
  return n;
}

function sameAttrs(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  return ka.length === kb.length && ka.every((k) => a?.[k] === b?.[k]);
}

/** Index of the attribute entry for (handle, attrs), appending one when new. */
function attributeIndex(spec: IPAMBlockSpec, handleId: string | undefined, attrs: Record<string, string> | undefined): number {
  const i = spec.attributes.findIndex((a) => a.handle_id === handleId && sameAttrs(a.secondary, attrs));
  if (i >= 0) return i;
  const entry: AllocationAttribute = {};
  if (handleId !== undefined) entry.handle_id = handleId;
  if (attrs && Object.keys(attrs).length > 0) entry.secondary = { ...attrs };
  spec.attributes.push(entry);
  return spec.attributes.length - 1;
}

/** Drops attribute entries no ordinal points at and renumbers the rest. */
function compactAttributes(spec: IPAMBlockSpec): void {
  const used = new Set<number>();
  for (const a of spec.allocations) if (a !== null) used.add(a);
  if (used.size === spec.attributes.length) return;
  const remap = new Map<number, number>();
  const kept: AllocationAttribute[] = [];
  spec.attributes.forEach((attr, i) => {
    if (used.has(i)) {
      remap.set(i, kept.length);
      kept.push(attr);
    }
  });
  spec.attributes = kept;
  spec.allocations = spec.allocations.map((a) => (a === null ? null : (remap.get(a) ?? null)));
}

export interface AssignRequest {
  num: number;
  handleId: string | undefined;
  attrs?: Record<string, string>;
  /** Ordinals covered by an IPReservation stay in the queue but are never handed out. */
  isReserved?: (ordinal: number) => boolean;
}

/**
 * Takes up to `num` free ordinals from the head of the queue (skipping reserved ones), records the
 * owner and the sequence number, and bumps the block's sequence number. Returns the ordinals taken.
 */
export function assignFromBlock(spec: IPAMBlockSpec, req: AssignRequest): number[] {
  const isReserved = req.isReserved ?? (() => false);
  const taken: number[] = [];
  const remaining: number[] = [];
  for (const o of spec.unallocated) {
    if (taken.length < req.num && !isReserved(o)) taken.push(o);
    else remaining.push(o);
  }
  if (taken.length === 0) return taken;
  const idx = attributeIndex(spec, req.handleId, req.attrs);
  for (const o of taken) {
    spec.allocations[o] = idx;
    spec.sequenceNumberForAllocation[String(o)] = spec.sequenceNumber;
  }
  spec.unallocated = remaining;
  spec.sequenceNumber++;
  return taken;
}

/** Allocates one specific ordinal (Calico's AssignIP). Throws when it is already taken. */
export function assignOrdinal(spec: IPAMBlockSpec, ordinal: number, handleId: string | undefined, attrs?: Record<string, string>): void {
  const pos = spec.unallocated.indexOf(ordinal);
  if (pos < 0 || spec.allocations[ordinal] !== null) {
    throw new RangeError(`Cannot assign ${ordinalToIPString(blockCIDR(spec), ordinal)}: address is already assigned in block ${spec.cidr}`);
  }
  spec.unallocated.splice(pos, 1);
  spec.allocations[ordinal] = attributeIndex(spec, handleId, attrs);
  spec.sequenceNumberForAllocation[String(ordinal)] = spec.sequenceNumber;
  spec.sequenceNumber++;
}

export function attributeFor(spec: IPAMBlockSpec, ordinal: number): AllocationAttribute | undefined {
  const idx = spec.allocations[ordinal];
  return idx === null || idx === undefined ? undefined : spec.attributes[idx];
}

export function sequenceNumberFor(spec: IPAMBlockSpec, ordinal: number): number {
  return spec.sequenceNumberForAllocation[String(ordinal)] ?? 0;
}

export interface OrdinalRelease {
  ordinal: number;
  handleId?: string;
  sequenceNumber?: number;
}

export interface BlockReleaseResult {
  released: number[];
  notAllocated: number[];
  mismatched: number[];
  /** Handle -> number of its addresses released here. */
  handles: Map<string, number>;
}

/**
 * Frees ordinals, appending them to the tail of the queue (FIFO reuse). An ordinal whose owner handle
 * or sequence number differs from the request is left alone: the address was re-allocated since
 * the caller looked.
 */
export function releaseFromBlock(spec: IPAMBlockSpec, reqs: OrdinalRelease[]): BlockReleaseResult {
  const result: BlockReleaseResult = { released: [], notAllocated: [], mismatched: [], handles: new Map() };
  for (const r of reqs) {
    const attr = attributeFor(spec, r.ordinal);
    if (spec.allocations[r.ordinal] === null || spec.allocations[r.ordinal] === undefined) {
      result.notAllocated.push(r.ordinal);
      continue;
    }
    if ((r.handleId !== undefined && attr?.handle_id !== r.handleId) ||
        (r.sequenceNumber !== undefined && r.sequenceNumber !== sequenceNumberFor(spec, r.ordinal))) {
      result.mismatched.push(r.ordinal);
      continue;
    }
    spec.allocations[r.ordinal] = null;
    delete spec.sequenceNumberForAllocation[String(r.ordinal)];
    spec.unallocated.push(r.ordinal);
    result.released.push(r.ordinal);
    if (attr?.handle_id !== undefined) result.handles.set(attr.handle_id, (result.handles.get(attr.handle_id) ?? 0) + 1);
  }
  if (result.released.length > 0) {
    compactAttributes(spec);
    spec.sequenceNumber++;
  }
  return result;
}

/** Ordinals held by `handleId` in this block. */
export function ordinalsForHandle(spec: IPAMBlockSpec, handleId: string): number[] {
  const out: number[] = [];
  spec.allocations.forEach((a, o) => {
    if (a !== null && spec.attributes[a]?.handle_id === handleId) out.push(o);
  });
  return out;
}

/** Ordinals currently allocated. */
export function allocatedOrdinals(spec: IPAMBlockSpec): number[] {
  const out: number[] = [];
  spec.allocations.forEach((a, o) => {
    if (a !== null) out.push(o);
  });
  return out;
}
