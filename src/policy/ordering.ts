/**
 * Tier and policy ordering, as Felix's PolicySorter applies it: existing tiers first, then by `order`
 * (unset = +infinity), ties by name; policies in a tier by `order` (unset = +infinity), ties by the
 * string `name/namespace/kind`.
 */
import type { Resource, TierSpec } from '../api/types.js';
import { ValidationError } from '../lib/errors.js';
import { DEFAULT_TIER, type PolicyModel } from './model.js';

/** Order Calico stores for the `default` tier, and for a created tier whose order was omitted. */
export const DEFAULT_TIER_ORDER = 1_000_000;

export interface TierModel {
  name: string;
  /** undefined sorts as +infinity. */
  order?: number;
  defaultAction: 'Deny' | 'Pass';
  /**
   * False for a tier referenced by policies but with no Tier object. Felix still applies such
   * policies, in a tier sorted after every real one, with the usual end-of-tier drop.
   */
  exists: boolean;
}

/** Normalise a Tier resource. Calico stores an omitted order as 1,000,000 and defaultAction as Deny. */
export function normaliseTier(resource: Resource<string, TierSpec> | Resource): TierModel {
  const spec = (resource.spec ?? {}) as TierSpec;
  const action = spec.defaultAction ?? 'Deny';
  if (action !== 'Deny' && action !== 'Pass') {
    throw new ValidationError({ kind: 'Tier', name: resource.metadata.name }, [
      { field: 'spec.defaultAction', message: 'must be Deny or Pass', value: action },
    ]);
  }
  const tier: TierModel = { name: resource.metadata.name, defaultAction: action, exists: true };
  if (spec.order !== undefined && spec.order !== null) tier.order = Number(spec.order);
  return tier;
}

/**
 * The tier a policy names, when no Tier object exists. The `default` tier always exists in Calico
 * (it is created at start-up), so it gets its fixed settings; any other name is a missing tier.
 */
export function implicitTier(name: string): TierModel {
  if (name === DEFAULT_TIER) return { name, order: DEFAULT_TIER_ORDER, defaultAction: 'Deny', exists: true };
  return { name, defaultAction: 'Deny', exists: false };
}

/** Compare two tiers for evaluation order. */
export function compareTiers(a: TierModel, b: TierModel): number {
  if (a.exists !== b.exists) return a.exists ? -1 : 1;
  const byOrder = compareOrder(a.order, b.order);
  if (byOrder !== 0) return byOrder;
  return compareStrings(a.name, b.name);
}

/** A sorted copy of `tiers`. */
export function sortTiers(tiers: readonly TierModel[]): TierModel[] {
  return [...tiers].sort(compareTiers);
}

/** The tie-break key within equal orders: `name/namespace/kind`. */
export function policySortKey(p: Pick<PolicyModel, 'name' | 'namespace' | 'kind'>): string {
  return `${p.name}/${p.namespace ?? ''}/${p.kind}`;
}

/** Compare two policies of the same tier for evaluation order. */
export function comparePolicies(a: PolicyModel, b: PolicyModel): number {
  const byOrder = compareOrder(a.order, b.order);
  if (byOrder !== 0) return byOrder;
  return compareStrings(policySortKey(a), policySortKey(b));
}

/** A sorted copy of `policies`. */
export function sortPolicies(policies: readonly PolicyModel[]): PolicyModel[] {
  return [...policies].sort(comparePolicies);
}

function compareOrder(a: number | undefined, b: number | undefined): number {
  const x = a ?? Number.POSITIVE_INFINITY;
  const y = b ?? Number.POSITIVE_INFINITY;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Byte-wise comparison (Go's string <), not locale-aware. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
