/**
 * The labels a policy selector sees on a resource, for `calicoctl get --selector`. Endpoints and network
 * sets go through the policy model's label functions (the same ones Felix and `policy trace` use), so
 * `get --selector` can never disagree with what a policy selects; other kinds show their own labels.
 */
import type { Labels, Resource } from '../api/types.js';
import { endpointLabels, hostEndpointLabels, networkSetLabels, type ProfileLookup } from '../policy/labels.js';

/**
 * @param profiles labelsToApply of every Profile, by name.
 * @example effectiveLabels(wep, new Map([['kns.prod', { 'pcns.team': 'a' }]]))
 */
export function effectiveLabels(r: Resource, profiles: ReadonlyMap<string, Labels>): Labels {
  const lookup: ProfileLookup = new Map([...profiles].map(([name, labelsToApply]) => [name, { labelsToApply }]));
  switch (r.kind) {
    case 'WorkloadEndpoint':
      return endpointLabels(r, lookup);
    case 'HostEndpoint':
      return hostEndpointLabels(r, lookup);
    case 'NetworkSet':
    case 'GlobalNetworkSet':
      return networkSetLabels(r, lookup);
    default:
      return { ...(r.metadata.labels ?? {}) };
  }
}

/** Whether the kind inherits profile labels (so `--selector` must load Profiles). */
export function inheritsProfileLabels(kind: string): boolean {
  return kind === 'WorkloadEndpoint' || kind === 'HostEndpoint' || kind === 'NetworkSet';
}
