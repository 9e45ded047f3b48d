/**
 * IPAMHandle bookkeeping: per block, how many addresses a handle holds. Increments happen before
 * the block write (so ReleaseByHandle never misses an address) and are undone if that write fails.
 */
import { InvariantError } from '../lib/errors.js';
import { type IPAMStore, MAX_CAS_RETRIES, isAlreadyExists, isConflict, isNotFound } from './store.js';

export async function incrementHandle(store: IPAMStore, handleId: string, blockCIDR: string, n: number): Promise<void> {
  for (let i = 0; i < MAX_CAS_RETRIES; i++) {
    const h = await store.getHandle(handleId);
    try {
      if (!h) {
        await store.createHandle({ handleID: handleId, block: { [blockCIDR]: n }, deleted: false });
      } else {
        const spec = h.spec!;
        spec.block[blockCIDR] = (spec.block[blockCIDR] ?? 0) + n;
        await store.updateHandle(h);
      }
      return;
    } catch (err) {
      if (isConflict(err) || isAlreadyExists(err) || isNotFound(err)) continue;
      throw err;
    }
  }
  throw new InvariantError(`Cannot update IPAMHandle "${handleId}": gave up after ${MAX_CAS_RETRIES} conflicting writes`);
}

/** Removes `n` addresses in `blockCIDR` from the handle; deletes the handle when it holds nothing. */
export async function decrementHandle(store: IPAMStore, handleId: string, blockCIDR: string, n: number): Promise<void> {
  for (let i = 0; i < MAX_CAS_RETRIES; i++) {
    const h = await store.getHandle(handleId);
    if (!h) return;
    const spec = h.spec!;
    const left = (spec.block[blockCIDR] ?? 0) - n;
    if (left > 0) spec.block[blockCIDR] = left;
    else delete spec.block[blockCIDR];
    try {
      if (Object.keys(spec.block).length === 0) await store.deleteHandle(h);
      else await store.updateHandle(h);
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) continue;
      throw err;
    }
  }
  throw new InvariantError(`Cannot update IPAMHandle "${handleId}": gave up after ${MAX_CAS_RETRIES} conflicting writes`);
}
