/**
 * Group commit for one host's queued AutoAssign requests: several requests are served from one
 * affine block with a single compare-and-swap write, instead of one write each. Each request still
 * gets its own handle and attribute entry, exactly as if it had been served alone.
 */
import { CalicoError } from '../lib/errors.js';
import { assignFromBlock, blockCIDR, freeCount, hostAffinity, ordinalToIPString } from './block.js';
import { decrementHandle, incrementHandle } from './handles.js';
import type { CIDR } from './ip.js';
import { reservedOrdinals } from './pools.js';
import { type IPAMStore, MAX_CAS_RETRIES, isConflict, isNotFound } from './store.js';
import type { AssignedIP } from './types.js';

export interface BatchRequest {
  num: number;
  handleId: string;
  attrs: Record<string, string> | undefined;
}

/**
 * Serves whole requests (never part of one) from the host's block `cidr` while it has room.
 * Returns the addresses given to each served request, by index into `reqs`.
 */
export async function assignBatchFromBlock(
  store: IPAMStore, host: string, cidr: string, reqs: BatchRequest[], reserved: CIDR[],
): Promise<Map<number, AssignedIP[]>> {
  for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
    const block = await store.getBlock(cidr);
    if (!block || block.spec!.affinity !== hostAffinity(host)) return new Map();
    const spec = block.spec!;
    const c = blockCIDR(spec);
    const isReserved = reservedOrdinals(c, reserved);
    const served = new Map<number, number[]>();
    reqs.forEach((r, i) => {
      if (freeCount(spec, isReserved) < r.num) return;
      served.set(i, assignFromBlock(spec, { num: r.num, handleId: r.handleId, attrs: r.attrs, isReserved }));
    });
    if (served.size === 0) return new Map();
    const counted = [...served].map(([i, ords]) => ({ handleId: reqs[i]!.handleId, n: ords.length }));
    await Promise.all(counted.map((h) => incrementHandle(store, h.handleId, spec.cidr, h.n)));
    try {
      await store.updateBlock(block);
    } catch (err) {
      await Promise.all(counted.map((h) => decrementHandle(store, h.handleId, spec.cidr, h.n)));
      if (isConflict(err) || isNotFound(err)) continue;
      throw err;
    }
    const out = new Map<number, AssignedIP[]>();
    for (const [i, ords] of served) {
      out.set(i, ords.map((o) => ({ ip: ordinalToIPString(c, o), cidr: `${ordinalToIPString(c, o)}/${c.prefix}`, family: c.family })));
    }
    return out;
  }
  throw new CalicoError('CALICO_ERR_CONFLICT', `Cannot assign from block ${cidr}: gave up after ${MAX_CAS_RETRIES} conflicting writes`);
}
