/**
 * The labels a selector sees on an endpoint or network set: its own labels, the implicit Calico labels
 * (`projectcalico.org/namespace`, `.../orchestrator`, `.../serviceaccount`) and the `labelsToApply` of
 * its profiles (the endpoint's own labels win). Also the `kns.<ns>` profile Calico synthesises from a
 * Kubernetes Namespace: allow-all rules plus the namespace labels prefixed `pcns.`.
 */
import type { HostEndpoint, Labels, Profile, Resource, WorkloadEndpoint } from '../api/types.js';
import {
  LABEL_NAME,
  LABEL_NAMESPACE,
  LABEL_ORCHESTRATOR,
  LABEL_SERVICE_ACCOUNT,
  NAMESPACE_LABEL_PREFIX,
  NAMESPACE_PROFILE_PREFIX,
  SERVICE_ACCOUNT_LABEL_PREFIX,
  SERVICE_ACCOUNT_PROFILE_PREFIX,
} from './selector-rewrite.js';

/** Anything with profile labels: a Profile resource or a ProfileModel. */
export interface LabelSource {
  labelsToApply?: Labels;
  spec?: { labelsToApply?: Labels };
}

export type ProfileLookup = ReadonlyMap<string, LabelSource>;

/** Calico only sets the service-account label when the name fits a label value. */
const MAX_SERVICE_ACCOUNT_LABEL = 63;

/** Labels a workload endpoint presents to selectors. */
export function endpointLabels(wep: WorkloadEndpoint | Resource, profiles: ProfileLookup = new Map()): Labels {
  const spec = (wep.spec ?? {}) as WorkloadEndpoint['spec'] & object;
  const labels = inherited(spec.profiles ?? [], profiles);
  Object.assign(labels, wep.metadata.labels ?? {});
  // Implicit labels are authoritative: Calico's conversion overwrites any pod label of the same key.
  if (wep.metadata.namespace) labels[LABEL_NAMESPACE] = wep.metadata.namespace;
  if (spec.orchestrator) labels[LABEL_ORCHESTRATOR] = spec.orchestrator;
  const sa = spec.serviceAccountName;
  if (sa && sa.length < MAX_SERVICE_ACCOUNT_LABEL) labels[LABEL_SERVICE_ACCOUNT] = sa;
  return labels;
}

/** Labels a host endpoint presents to selectors (no namespace: `global()` matches it). */
export function hostEndpointLabels(hep: HostEndpoint | Resource, profiles: ProfileLookup = new Map()): Labels {
  const spec = (hep.spec ?? {}) as HostEndpoint['spec'] & object;
  return { ...inherited(spec.profiles ?? [], profiles), ...(hep.metadata.labels ?? {}) };
}

/**
 * Labels of a NetworkSet (namespaced: `projectcalico.org/namespace` plus the `kns.<ns>` profile labels)
 * or a GlobalNetworkSet (own labels only).
 */
export function networkSetLabels(set: Resource, profiles: ProfileLookup = new Map()): Labels {
  const ns = set.kind === 'NetworkSet' ? set.metadata.namespace : undefined;
  if (!ns) return { ...(set.metadata.labels ?? {}) };
  const labels = inherited([`${NAMESPACE_PROFILE_PREFIX}${ns}`], profiles);
  Object.assign(labels, set.metadata.labels ?? {});
  labels[LABEL_NAMESPACE] = ns;
  return labels;
}

function inherited(profileNames: string[], profiles: ProfileLookup): Labels {
  const labels: Labels = {};
  // Earlier profiles take precedence over later ones.
  for (const name of profileNames) {
    const p = profiles.get(name);
    const toApply = p?.labelsToApply ?? p?.spec?.labelsToApply ?? {};
    for (const [k, v] of Object.entries(toApply)) if (!(k in labels)) labels[k] = v;
  }
  return labels;
}

/**
 * The `kns.<ns>` Profile Calico derives from a Kubernetes Namespace: every namespace label prefixed
 * `pcns.`, `pcns.projectcalico.org/name`, and allow-all ingress and egress (why unselected pods are open).
 */
export function namespaceProfile(namespace: Resource): Profile {
  const name = namespace.metadata.name;
  const labelsToApply: Labels = {};
  for (const [k, v] of Object.entries(namespace.metadata.labels ?? {})) labelsToApply[`${NAMESPACE_LABEL_PREFIX}${k}`] = v;
  labelsToApply[`${NAMESPACE_LABEL_PREFIX}${LABEL_NAME}`] = name;
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'Profile',
    metadata: { name: `${NAMESPACE_PROFILE_PREFIX}${name}` },
    spec: { ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }], labelsToApply },
  };
}

/** The `ksa.<ns>.<sa>` Profile derived from a Kubernetes ServiceAccount: `pcsa.`-prefixed labels, no rules. */
export function serviceAccountProfile(serviceAccount: Resource): Profile {
  const { name, namespace } = serviceAccount.metadata;
  const labelsToApply: Labels = {};
  for (const [k, v] of Object.entries(serviceAccount.metadata.labels ?? {})) {
    labelsToApply[`${SERVICE_ACCOUNT_LABEL_PREFIX}${k}`] = v;
  }
  labelsToApply[`${SERVICE_ACCOUNT_LABEL_PREFIX}${LABEL_NAME}`] = name;
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'Profile',
    metadata: { name: `${SERVICE_ACCOUNT_PROFILE_PREFIX}${namespace ?? ''}.${name}` },
    spec: { labelsToApply },
  };
}
