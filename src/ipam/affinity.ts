/**
 * Block affinity transactions. A claim goes: BlockAffinity `pending` -> IPAMBlock created with
 * `host:<node>` affinity -> BlockAffinity `confirmed`. Release goes the other way through
 * `pendingDeletion`. Each step is one compare-and-swap write; a crash between steps leaves a state
 * the next claim or the GC can finish.
 */
import { CalicoError } from '../lib/errors.js';
import { affinityHost, hostAffinity, isEmpty, newBlockSpec } from './block.js';
import { type CIDR, formatCIDR } from './ip.js';
import { type IPAMStore, MAX_CAS_RETRIES, isAlreadyExists, isConflict, isNotFound } from './store.js';
import type { IPAMBlock } from './types.js';

/** Calico's EmptyBlockMinReclaimAge: a host's empty block is only taken over once its claim is this old. */
export const EMPTY_BLOCK_MIN_RECLAIM_AGE_MS = 60_000;

/** Marks the host's affinity for the block confirmed, creating it if missing. */
export async function confirmAffinity(store: IPAMStore, host: string, cidr: string): Promise<void> {
  for (let i = 0; i < MAX_CAS_RETRIES; i++) {
    const a = await store.getAffinity(host, cidr);
    try {
      if (!a) await store.createAffinity(host, cidr, 'confirmed');
      else if (a.spec!.state === 'confirmed') return;
      else {
        a.spec!.state = 'confirmed';
        await store.updateAffinity(a);
      }
      return;
    } catch (err) {
      if (isConflict(err) || isAlreadyExists(err) || isNotFound(err)) continue;
      throw err;
    }
  }
  throw new CalicoError('CALICO_ERR_CONFLICT', `Cannot confirm affinity of block ${cidr} for host "${host}": too many conflicting writes`);
}

async function dropPendingAffinity(store: IPAMStore, host: string, cidr: string): Promise<void> {
  const a = await store.getAffinity(host, cidr);
  if (!a || a.spec!.state !== 'pending') return;
  try {
    await store.deleteAffinity(a);
  } catch (err) {
    if (!isConflict(err) && !isNotFound(err)) throw err;
  }
}

/**
 * Tries to make the unclaimed subnet `cidr` a block affine to `host`. Returns false when another
 * host created the block first. Concurrent claims by the same host converge on one block.
 */
export async function claimBlock(store: IPAMStore, host: string, cidr: CIDR): Promise<boolean> {
  const text = formatCIDR(cidr);
  try {
    await store.createAffinity(host, text, 'pending');
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  try {
    await store.createBlock(newBlockSpec(cidr, hostAffinity(host), store.clock.now()));
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const existing = await store.getBlock(text);
    if (existing?.spec!.affinity !== hostAffinity(host)) {
      await dropPendingAffinity(store, host, text);
      return false;
    }
  }
  await confirmAffinity(store, host, text);
  return true;
}

/**
 * Takes over an empty block another host claimed at least EMPTY_BLOCK_MIN_RECLAIM_AGE_MS ago.
 * Returns false when it is no longer empty, no longer theirs, or someone else won the race.
 */
export async function reclaimEmptyBlock(store: IPAMStore, host: string, block: IPAMBlock): Promise<boolean> {
  const spec = block.spec!;
  const previous = affinityHost(spec.affinity);
  const claimedAt = spec.affinityClaimTime ? Date.parse(spec.affinityClaimTime) : 0;
  if (!previous || previous === host || !isEmpty(spec) || store.clock.now() - claimedAt < EMPTY_BLOCK_MIN_RECLAIM_AGE_MS) return false;
  spec.affinity = hostAffinity(host);
  spec.affinityClaimTime = new Date(store.clock.now()).toISOString();
  spec.sequenceNumber++;
  try {
    await store.updateBlock(block);
  } catch (err) {
    if (isConflict(err) || isNotFound(err)) return false;
    throw err;
  }
  const theirs = await store.getAffinity(previous, spec.cidr);
  if (theirs) {
    try {
      await store.deleteAffinity(theirs);
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err)) throw err;
    }
  }
  await confirmAffinity(store, host, spec.cidr);
  return true;
}

export interface ReleaseAffinityOptions {
  /** Only release when the block holds no addresses (the GC's mode); otherwise keep the block, unowned. */
  mustBeEmpty?: boolean;
}

/**
 * Releases `host`'s affinity for the block. An empty block is deleted; a block still holding
 * addresses keeps them and loses its owner. Returns false when `mustBeEmpty` and it is not.
 */
export async function releaseAffinity(store: IPAMStore, host: string, cidr: string, opts: ReleaseAffinityOptions = {}): Promise<boolean> {
  for (let i = 0; i < MAX_CAS_RETRIES; i++) {
    const a = await store.getAffinity(host, cidr);
    const block = await store.getBlock(cidr);
    try {
      if (a && a.spec!.state !== 'pendingDeletion') {
        a.spec!.state = 'pendingDeletion';
        await store.updateAffinity(a);
        continue;
      }
      if (block && block.spec!.affinity === hostAffinity(host)) {
        if (!isEmpty(block.spec!)) {
          if (opts.mustBeEmpty) {
            if (a) {
              a.spec!.state = 'confirmed';
              await store.updateAffinity(a);
            }
            return false;
          }
          block.spec!.affinity = null;
          block.spec!.sequenceNumber++;
          await store.updateBlock(block);
        } else {
          await store.deleteBlock(block);
        }
      }
      if (a) await store.deleteAffinity(a);
      return true;
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) continue;
      throw err;
    }
  }
  throw new CalicoError('CALICO_ERR_CONFLICT', `Cannot release affinity of block ${cidr} for host "${host}": too many conflicting writes`);
}
