/**
 * The labels a policy selector sees on a resource, for `calicoctl get --selector`: its own labels,
 * plus for endpoints the labels their profiles apply (`labelsToApply`, e.g. a namespace's `pcns.*`
 * from profile `kns.<ns>`), and for WorkloadEndpoints the implicit `projectcalico.org/*` labels.
 * Own labels win over profile labels; the implicit labels are Calico's and win over both.
 */
import type { Labels, Resource } from '../api/types.js';

export const LABEL_NAMESPACE = 'projectcalico.org/namespace';
export const LABEL_ORCHESTRATOR = 'projectcalico.org/orchestrator';
export const LABEL_SERVICE_ACCOUNT = 'projectcalico.org/serviceaccount';

/**
 * @param profiles labelsToApply of every Profile, by name.
 * @example effectiveLabels(wep, new Map([['kns.prod', { 'pcns.team': 'a' }]]))
 */
export function effectiveLabels(r: Resource, profiles: ReadonlyMap<string, Labels>): Labels {
  const spec = (r.spec ?? {}) as { profiles?: string[]; orchestrator?: string; serviceAccountName?: string };
  const out: Labels = {};
  if (r.kind === 'WorkloadEndpoint' || r.kind === 'HostEndpoint') {
    // Earlier profiles take precedence over later ones, as in Felix's label inheritance.
    for (const name of [...(spec.profiles ?? [])].reverse()) Object.assign(out, profiles.get(name) ?? {});
  }
  Object.assign(out, r.metadata.labels ?? {});
  if (r.kind === 'WorkloadEndpoint') {
    if (r.metadata.namespace) out[LABEL_NAMESPACE] = r.metadata.namespace;
    if (spec.orchestrator) out[LABEL_ORCHESTRATOR] = spec.orchestrator;
    if (spec.serviceAccountName) out[LABEL_SERVICE_ACCOUNT] = spec.serviceAccountName;
  }
  return out;
}

/** Whether the kind inherits profile labels (so `--selector` must load Profiles). */
export function inheritsProfileLabels(kind: string): boolean {
  return kind === 'WorkloadEndpoint' || kind === 'HostEndpoint';
}
