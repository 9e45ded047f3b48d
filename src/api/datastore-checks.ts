/**
 * Write-time rules that need stored state (libcalico-go clientv3): IPPool overlap and immutability,
 * a policy's tier must exist, ClusterInformation is read-only for apply; and for deletes, built-in
 * tiers stay and a tier that still holds policies stays.
 * Pure with respect to the datastore: reads only.
 */
import { NotFoundError, type FieldError } from '../lib/errors.js';
import type { Datastore } from '../datastore/types.js';
import type { Resource } from './types.js';
import { cidrContains, cidrsOverlap, formatCIDR, parseCIDR } from './net.js';
import { show } from './validate/field-errors.js';
import { BUILTIN_TIERS } from './validate/policy.js';

export type WriteOp = 'create' | 'replace' | 'apply';

const TIERED_KINDS = new Set(['NetworkPolicy', 'GlobalNetworkPolicy', 'StagedNetworkPolicy', 'StagedGlobalNetworkPolicy']);

async function getStored(ds: Datastore, r: Resource): Promise<Resource | undefined> {
  try {
    const key = r.metadata.namespace === undefined ? { kind: r.kind, name: r.metadata.name } : { kind: r.kind, name: r.metadata.name, namespace: r.metadata.namespace };
    return await ds.get(key);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

function spec(r: Resource | undefined): Record<string, unknown> {
  const s = r?.spec;
  return typeof s === 'object' && s !== null ? (s as Record<string, unknown>) : {};
}

async function checkIPPoolCreate(pool: Resource, ds: Datastore, errs: FieldError[]): Promise<void> {
  const cidrText = spec(pool)['cidr'];
  const cidr = typeof cidrText === 'string' ? parseCIDR(cidrText) : undefined;
  if (cidr === undefined) return;
  const { items } = await ds.list({ kind: 'IPPool' });
  for (const other of items) {
    if (other.metadata.name === pool.metadata.name) continue;
    const otherText = spec(other)['cidr'];
    const o = typeof otherText === 'string' ? parseCIDR(otherText) : undefined;
    if (o !== undefined && cidrsOverlap(cidr, o)) {
      errs.push({ field: 'spec.cidr', message: `IPPool(${pool.metadata.name}) CIDR overlaps with IPPool(${other.metadata.name}) CIDR ${formatCIDR(o)}`, value: cidrText });
    }
  }
  // Blocks left over from an earlier pool must match the new block size, or IPAM would mix sizes.
  const blockSize = spec(pool)['blockSize'];
  if (typeof blockSize !== 'number') return;
  const blocks = await ds.list({ kind: 'IPAMBlock' });
  for (const b of blocks.items) {
    const bc = spec(b)['cidr'];
    const c = typeof bc === 'string' ? parseCIDR(bc) : undefined;
    if (c !== undefined && cidrContains(cidr, c) && c.prefix !== blockSize) {
      errs.push({ field: 'spec.blockSize', message: `existing IPAM block ${formatCIDR(c)} in this range has a different block size`, value: blockSize });
      return;
    }
  }
}

function checkIPPoolUpdate(pool: Resource, stored: Resource, errs: FieldError[]): void {
  const now = spec(pool);
  const was = spec(stored);
  const nowCIDR = typeof now['cidr'] === 'string' ? parseCIDR(now['cidr']) : undefined;
  const wasCIDR = typeof was['cidr'] === 'string' ? parseCIDR(was['cidr']) : undefined;
  const sameCIDR = nowCIDR !== undefined && wasCIDR !== undefined ? formatCIDR(nowCIDR) === formatCIDR(wasCIDR) : now['cidr'] === was['cidr'];
  if (!sameCIDR) errs.push({ field: 'spec.cidr', message: `IPPool CIDR cannot be modified (stored: ${show(was['cidr'])})`, value: now['cidr'] });
  if (now['blockSize'] !== was['blockSize']) {
    errs.push({ field: 'spec.blockSize', message: `IPPool blockSize cannot be modified (stored: ${show(was['blockSize'])})`, value: now['blockSize'] });
  }
  const wasUses = Array.isArray(was['allowedUses']) ? was['allowedUses'] : [];
  const nowUses = Array.isArray(now['allowedUses']) ? now['allowedUses'] : [];
  if (wasUses.includes('LoadBalancer') && !nowUses.includes('LoadBalancer')) {
    errs.push({ field: 'spec.allowedUses', message: 'allowedUses cannot be changed from LoadBalancer', value: nowUses });
  }
}

async function checkTierExists(policy: Resource, ds: Datastore, errs: FieldError[]): Promise<void> {
  const tier = spec(policy)['tier'];
  const name = typeof tier === 'string' && tier !== '' ? tier : 'default';
  if (BUILTIN_TIERS[name] !== undefined) return; // Calico creates these itself
  const stored = await getStored(ds, { apiVersion: '', kind: 'Tier', metadata: { name } });
  if (stored === undefined) errs.push({ field: 'spec.tier', message: `tier "${name}" does not exist`, value: name });
}

/**
 * FieldErrors for rules that depend on what is already stored. `apply` behaves as create when the
 * resource is absent and as replace when present.
 * @example await checkAgainstDatastore(pool, ds, 'create') // [] or [{ field: 'spec.cidr', ... }]
 */
export async function checkAgainstDatastore(resource: Resource, ds: Datastore, op: WriteOp): Promise<FieldError[]> {
  const errs: FieldError[] = [];
  if (op === 'apply' && resource.kind === 'ClusterInformation') {
    errs.push({ field: 'kind', message: 'ClusterInformation is read-only: calico-node manages it' });
    return errs;
  }
  const needsStored = resource.kind === 'IPPool' && op !== 'create';
  const stored = needsStored ? await getStored(ds, resource) : undefined;
  const creating = op === 'create' || (op === 'apply' && stored === undefined);

  if (resource.kind === 'IPPool') {
    if (creating) await checkIPPoolCreate(resource, ds, errs);
    else if (stored !== undefined) checkIPPoolUpdate(resource, stored, errs);
  }
  if (TIERED_KINDS.has(resource.kind)) await checkTierExists(resource, ds, errs);
  return errs;
}

/** The kinds whose policies keep a tier from being deleted (libcalico-go checks exactly these two). */
const TIER_HOLDING_KINDS = ['NetworkPolicy', 'GlobalNetworkPolicy'] as const;

/**
 * Why a delete must be refused, or undefined when it may go ahead. Calico refuses to delete its
 * built-in tiers, and any tier that NetworkPolicies or GlobalNetworkPolicies still belong to.
 * @example await deleteRefusal({ kind: 'Tier', name: 'default' }, ds) // 'the built-in tier "default" cannot be deleted'
 */
export async function deleteRefusal(ref: { kind: string; name: string }, ds: Datastore): Promise<string | undefined> {
  if (ref.kind !== 'Tier') return undefined;
  if (BUILTIN_TIERS[ref.name] !== undefined) return `the built-in tier "${ref.name}" cannot be deleted`;
  for (const kind of TIER_HOLDING_KINDS) {
    const { items } = await ds.list({ kind });
    const member = items.find((p) => (spec(p)['tier'] ?? 'default') === ref.name);
    if (member !== undefined) {
      const ns = member.metadata.namespace ? `${member.metadata.namespace}/` : '';
      return `tier "${ref.name}" is not empty: ${kind}(${ns}${member.metadata.name}) is in it; delete or move its policies first`;
    }
  }
  return undefined;
}
