/**
 * Releasing addresses and looking them up. Each block is updated with compare-and-swap and
 * retried on conflict; handle counts follow the block write.
 */
import { CalicoError } from '../lib/errors.js';
import { attributeFor, blockCIDR, ipToOrdinal, ordinalToIPString, ordinalsForHandle, releaseFromBlock, sequenceNumberFor } from './block.js';
import { decrementHandle } from './handles.js';
import { cidrContainsIP, enclosingCIDR, formatCIDR, parseIP } from './ip.js';
import { type IPAMStore, MAX_CAS_RETRIES, isConflict, isNotFound } from './store.js';
import type { AssignmentAttributes, IPAMBlock, ReleaseOptions, ReleaseResult } from './types.js';

/** Finds the block CIDR holding each address: via pool block sizes, else by scanning blocks. */
async function blocksFor(store: IPAMStore, ips: string[]): Promise<Map<string, string | undefined>> {
  const pools = await store.readPools();
  const out = new Map<string, string | undefined>();
  let blocks: IPAMBlock[] | undefined;
  for (const text of ips) {
    const ip = parseIP(text);
    const pool = pools.find((p) => cidrContainsIP(p.cidr, ip));
    if (pool) {
      out.set(text, formatCIDR(enclosingCIDR(ip, pool.blockSize)));
      continue;
    }
    blocks ??= await store.listBlocks();
    out.set(text, blocks.find((b) => cidrContainsIP(blockCIDR(b.spec!), ip))?.spec!.cidr);
  }
  return out;
}

/**
 * Releases addresses. An address whose handle or sequence number no longer matches the request
 * is left allocated and reported in `mismatched`.
 */
export async function releaseIPs(store: IPAMStore, opts: ReleaseOptions[]): Promise<ReleaseResult> {
  const result: ReleaseResult = { released: [], notAllocated: [], mismatched: [] };
  const where = await blocksFor(store, opts.map((o) => o.ip));
  const byBlock = new Map<string, ReleaseOptions[]>();
  for (const o of opts) {
    const cidr = where.get(o.ip);
    if (cidr === undefined) result.notAllocated.push(o.ip);
    else byBlock.set(cidr, [...(byBlock.get(cidr) ?? []), o]);
  }
  for (const [cidr, reqs] of byBlock) {
    const r = await releaseInBlock(store, cidr, reqs);
    result.released.push(...r.released);
    result.notAllocated.push(...r.notAllocated);
    result.mismatched.push(...r.mismatched);
  }
  return result;
}

function releaseInBlock(store: IPAMStore, cidr: string, reqs: ReleaseOptions[]): Promise<ReleaseResult> {
  // Concurrent releases in one block from this process would only fight over its compare-and-swap.
  return store.blockQueue.run(cidr, () => releaseInBlockLocked(store, cidr, reqs));
}

async function releaseInBlockLocked(store: IPAMStore, cidr: string, reqs: ReleaseOptions[]): Promise<ReleaseResult> {
  for (let i = 0; i < MAX_CAS_RETRIES; i++) {
    const block = await store.getBlock(cidr);
    if (!block) return { released: [], notAllocated: reqs.map((r) => r.ip), mismatched: [] };
    const spec = block.spec!;
    const c = blockCIDR(spec);
    const ordReqs = reqs.map((r) => ({ ordinal: ipToOrdinal(c, parseIP(r.ip)), handleId: r.handleId, sequenceNumber: r.sequenceNumber }));
    const r = releaseFromBlock(spec, ordReqs);
    if (r.released.length > 0) {
      try {
        // An empty block nobody owns has no reason to exist.
        if (spec.affinity === null && spec.unallocated.length === spec.allocations.length) await store.deleteBlock(block);
        else await store.updateBlock(block);
      } catch (err) {
        if (isConflict(err) || isNotFound(err)) continue;
        throw err;
      }
      for (const [h, n] of r.handles) await decrementHandle(store, h, spec.cidr, n);
    }
    const ip = (o: number): string => ordinalToIPString(c, o);
    return { released: r.released.map(ip), notAllocated: r.notAllocated.map(ip), mismatched: r.mismatched.map(ip) };
  }
  throw new CalicoError('CALICO_ERR_CONFLICT', `Cannot release addresses in block ${cidr}: gave up after ${MAX_CAS_RETRIES} conflicting writes`);
}

/** Releases every address held by the handle and deletes it. Returns the released addresses. */
export async function releaseByHandle(store: IPAMStore, handleId: string): Promise<string[]> {
  const handle = await store.getHandle(handleId);
  if (!handle) return [];
  const released: string[] = [];
  for (const cidr of Object.keys(handle.spec!.block)) {
    const block = await store.getBlock(cidr);
    if (!block) continue;
    const c = blockCIDR(block.spec!);
    const ips = ordinalsForHandle(block.spec!, handleId).map((o) => ({ ip: ordinalToIPString(c, o), handleId }));
    released.push(...(await releaseInBlock(store, cidr, ips)).released);
  }
  // Counts may be stale (e.g. a crash between handle and block writes): remove what is left.
  for (let i = 0; i < MAX_CAS_RETRIES; i++) {
    const h = await store.getHandle(handleId);
    if (!h) break;
    try {
      await store.deleteHandle(h);
      break;
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err)) throw err;
    }
  }
  return released;
}

/** Owner of an address, or undefined when it is not assigned. */
export async function getAssignmentAttributes(store: IPAMStore, ipText: string): Promise<AssignmentAttributes | undefined> {
  const cidr = (await blocksFor(store, [ipText])).get(ipText);
  if (!cidr) return undefined;
  const block = await store.getBlock(cidr);
  if (!block) return undefined;
  const spec = block.spec!;
  const ord = ipToOrdinal(blockCIDR(spec), parseIP(ipText));
  const attr = attributeFor(spec, ord);
  if (spec.allocations[ord] === null || !attr) return undefined;
  return { ip: ordinalToIPString(blockCIDR(spec), ord), blockCIDR: spec.cidr, handleId: attr.handle_id, attrs: { ...(attr.secondary ?? {}) }, sequenceNumber: sequenceNumberFor(spec, ord) };
}

/** Addresses currently held by the handle. */
export async function ipsByHandle(store: IPAMStore, handleId: string): Promise<string[]> {
  const handle = await store.getHandle(handleId);
  if (!handle) return [];
  const out: string[] = [];
  for (const cidr of Object.keys(handle.spec!.block)) {
    const block = await store.getBlock(cidr);
    if (!block) continue;
    const c = blockCIDR(block.spec!);
    out.push(...ordinalsForHandle(block.spec!, handleId).map((o) => ordinalToIPString(c, o)));
  }
  return out;
}
