/** Builders shared by the upstream and Calico case lists. */
import type { K8sNetworkPolicySpec, Resource } from '../../src/api/types.js';
import type { LabelOverrides, Protocol, TruthTable } from './model.js';

export interface NetpolCase {
  name: string;
  /** True when ported from the upstream e2e suite. */
  upstream: boolean;
  /** Resources to apply after the base topology: k8s NetworkPolicies and Calico kinds. */
  policies: Resource[];
  /** Namespace / pod label changes the case makes. */
  overrides?: LabelOverrides;
  protocol: Protocol;
  port: number;
  /** `{"x/a->y/b": true, ...}` for all 81 ordered pairs. */
  expected: TruthTable;
}

export const NS_LABEL = 'kubernetes.io/metadata.name';

/** A networking.k8s.io/v1 NetworkPolicy. */
export function knp(name: string, namespace: string, spec: K8sNetworkPolicySpec): Resource {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

/** A projectcalico.org/v3 resource. */
export function calico(kind: string, name: string, spec: Record<string, unknown>, namespace?: string, labels?: Record<string, string>): Resource {
  const metadata: Resource['metadata'] = namespace ? { name, namespace } : { name };
  if (labels) metadata.labels = labels;
  return { apiVersion: 'projectcalico.org/v3', kind, metadata, spec };
}
