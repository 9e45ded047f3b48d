/**
 * prepareResource: what calicoctl does to one manifest resource before writing it — convert Kubernetes kinds,
 * check apiVersion/kind, apply Calico's defaults, validate. The result is exactly what gets stored.
 */
import { ValidationError } from '../lib/errors.js';
import { applyDefaults } from './defaults.js';
import { convertToCalico, isKubernetesResource, K8S_NETWORK_POLICY_NAME_PREFIX } from './k8s.js';
import { isV3Kind, kindInfo } from './kinds.js';
import { API_VERSION, type Resource } from './types.js';
import { show } from './validate/field-errors.js';
import { assertValid, canonicalizeResource } from './validate/index.js';

export interface PrepareOptions {
  /** Namespace for namespaced resources that do not name one (calicoctl `-n`; default `default`). */
  namespace?: string;
  /**
   * Keep every metadata field. By default only name, namespace, resourceVersion, labels and annotations are
   * kept, as calicoctl does before a write: uid, creationTimestamp and the like belong to the datastore.
   */
  keepMetadata?: boolean;
  /**
   * Accept projectcalico.org/v3 NetworkPolicies named `knp.default.*`. calicoctl refuses them (those names
   * belong to converted Kubernetes policies, managed through the Kubernetes API); internal writers that
   * round-trip stored policies set this.
   */
  allowKubernetesPolicyNames?: boolean;
}

const CALICOCTL_METADATA = ['name', 'namespace', 'resourceVersion', 'labels', 'annotations'] as const;

function refOf(raw: unknown): { kind: string; name: string; namespace?: string } {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const meta = (typeof r['metadata'] === 'object' && r['metadata'] !== null ? r['metadata'] : {}) as Record<string, unknown>;
  const ref: { kind: string; name: string; namespace?: string } = {
    kind: typeof r['kind'] === 'string' ? r['kind'] : 'Unknown',
    name: typeof meta['name'] === 'string' ? meta['name'] : '',
  };
  if (typeof meta['namespace'] === 'string' && meta['namespace'] !== '') ref.namespace = meta['namespace'];
  return ref;
}

function pick(meta: Record<string, unknown>, keys: readonly string[]): Resource['metadata'] {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (meta[k] !== undefined) out[k] = meta[k];
  return out as unknown as Resource['metadata'];
}

/**
 * Convert, default and validate one resource. Throws ValidationError naming kind, name and field.
 * @example prepareResource(parseManifests(text)[0]).spec.blockSize // 26
 */
export function prepareResource(raw: Resource, options: PrepareOptions = {}): Resource {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValidationError(refOf(raw), [{ field: '', message: 'resource must be an object' }]);
  }
  const metadata: unknown = (raw as Resource).metadata;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new ValidationError(refOf(raw), [{ field: 'metadata', message: 'metadata is required' }]);
  }
  const fromKubernetes = isKubernetesResource(raw);
  // Field names first: `Name:` must be seen as `name:` by everything below.
  const canonical = fromKubernetes ? raw : canonicalizeResource(raw);
  const meta = canonical.metadata as unknown as Record<string, unknown>;
  if (
    !fromKubernetes &&
    canonical.kind === 'NetworkPolicy' &&
    options.allowKubernetesPolicyNames !== true &&
    typeof meta['name'] === 'string' &&
    meta['name'].startsWith(K8S_NETWORK_POLICY_NAME_PREFIX)
  ) {
    throw new ValidationError(refOf(canonical), [
      {
        field: 'metadata.name',
        message: `names starting with "${K8S_NETWORK_POLICY_NAME_PREFIX}" belong to Kubernetes network policies, which are managed through the Kubernetes API`,
        value: meta['name'],
      },
    ]);
  }
  const trimmed = options.keepMetadata === true || fromKubernetes ? canonical : { ...canonical, metadata: pick(meta, CALICOCTL_METADATA) };
  const converted = convertToCalico(trimmed);
  if (typeof converted.kind !== 'string' || !isV3Kind(converted.kind)) {
    const internal = typeof converted.kind === 'string' && kindInfo(converted.kind)?.internal === true;
    throw new ValidationError(refOf(converted), [
      {
        field: 'kind',
        message: internal
          ? `resource type "${converted.kind}" is managed by Calico IPAM and cannot be written directly`
          : `unknown resource type "${show(converted.kind)}" and/or version "${show(converted.apiVersion)}"`,
        value: converted.kind,
      },
    ]);
  }
  if (converted.apiVersion !== API_VERSION) {
    throw new ValidationError(refOf(converted), [
      { field: 'apiVersion', message: `unknown version "${show(converted.apiVersion)}" for kind ${converted.kind}: use ${API_VERSION}`, value: converted.apiVersion },
    ]);
  }
  const defaulted = applyDefaults(converted, options.namespace === undefined ? {} : { namespace: options.namespace });
  assertValid(defaulted);
  return defaulted;
}
