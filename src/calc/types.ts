/**
 * The calculation graph's input: one datastore change, as the syncer delivers it.
 * Nodes never see watch events or revisions, only "this key now has this value" (or none).
 */
import type { Resource } from '../api/types.js';

/** Every kind Felix's calculation graph consumes, in the order the syncer lists them. */
export const FELIX_KINDS = [
  'ClusterInformation',
  'FelixConfiguration',
  'Node',
  'IPPool',
  'IPAMBlock',
  'Tier',
  'Profile',
  'GlobalNetworkPolicy',
  'NetworkPolicy',
  'StagedGlobalNetworkPolicy',
  'StagedNetworkPolicy',
  'StagedKubernetesNetworkPolicy',
  'GlobalNetworkSet',
  'NetworkSet',
  'HostEndpoint',
  'WorkloadEndpoint',
] as const;
export type FelixKind = (typeof FELIX_KINDS)[number];

/** Policy kinds, each normalised by the policy model. */
export const POLICY_KINDS: ReadonlySet<string> = new Set([
  'NetworkPolicy',
  'GlobalNetworkPolicy',
  'StagedNetworkPolicy',
  'StagedGlobalNetworkPolicy',
  'StagedKubernetesNetworkPolicy',
]);

/**
 * One change to one key. `value === undefined` means the key was deleted (or, after a validation
 * filter, that its value is unusable and must be treated as deleted).
 * `key` is `<namespace>/<name>` for namespaced kinds and `<name>` otherwise.
 */
export interface Update<V = unknown> {
  kind: string;
  key: string;
  value: V | undefined;
}

export type ResourceUpdate = Update<Resource>;

export type SyncStatus = 'wait-for-datastore' | 'resync' | 'in-sync';

/** The key the syncer uses for a resource. */
export function resourceKey(resource: Pick<Resource, 'metadata'>): string {
  const { namespace, name } = resource.metadata;
  return namespace ? `${namespace}/${name}` : name;
}
