/**
 * The IP pool a lab starts with, as calico/node creates one on a fresh cluster: `default-ipv4-ippool`,
 * made only when no IPPool exists yet, with Calico's defaults (/26 blocks, natOutgoing on, no
 * encapsulation in the lab since nodes share one L2 underlay).
 */
import type { IPPool } from '../api/types.js';
import type { Datastore } from '../datastore/types.js';
import { applyResource } from './apply.js';

export const DEFAULT_POOL_NAME = 'default-ipv4-ippool';
/** Private, clear of the lab's underlay (172.31.0.0/24) and of Calico's 192.168.0.0/16 default. */
export const LAB_DEFAULT_POOL_CIDR = '10.65.0.0/16';

export function defaultPool(cidr: string): IPPool {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'IPPool',
    metadata: { name: DEFAULT_POOL_NAME },
    spec: { cidr, blockSize: 26, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: true, nodeSelector: 'all()' },
  };
}

/**
 * Creates the default pool when the datastore has no pool. Resolves the pool's name when it made
 * one; an explicit `cidr` that no existing pool has is an error rather than silently ignored.
 */
export async function ensureDefaultPool(ds: Datastore, cidr?: string): Promise<string | undefined> {
  const pools = (await ds.list<IPPool>({ kind: 'IPPool' })).items;
  if (pools.length === 0) {
    await applyResource(ds, defaultPool(cidr ?? LAB_DEFAULT_POOL_CIDR));
    return DEFAULT_POOL_NAME;
  }
  if (cidr !== undefined && !pools.some((p) => p.spec?.cidr === cidr)) {
    throw new RangeError(`Cannot use --pool-cidr ${cidr}: IP pools already exist (${pools.map((p) => `${p.metadata.name} ${p.spec?.cidr}`).join(', ')}) and the lab only creates ${DEFAULT_POOL_NAME} when there is none`);
  }
  return undefined;
}
