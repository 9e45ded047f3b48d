/**
 * validateResource / assertValid: everything Calico checks about one resource on its own (no datastore).
 * Structural checks (known fields, JSON types) come from schema.ts; semantic rules from one module per family.
 */
import { ValidationError, type FieldError } from '../../lib/errors.js';
import { isV3Kind, kindInfo } from '../kinds.js';
import { API_VERSION, type Resource } from '../types.js';
import { checkAnnotations, checkLabels, checkName, isDNSLabel } from './common.js';
import { fail, isObject, show, type Errors } from './field-errors.js';
import { validateBGPConfiguration, validateBGPFilter, validateBGPPeer, validateNode } from './bgp.js';
import { validateClusterInformation, validateFelixConfiguration, validateKubeControllersConfiguration } from './config.js';
import { validateHostEndpoint, validateNetworkSet, validateWorkloadEndpoint } from './endpoints.js';
import { validateIPAMConfiguration, validateIPPool, validateIPReservation } from './ipam.js';
import { validateK8sNetworkPolicy } from './k8s.js';
import { validatePolicy, validateProfile, validateTier } from './policy.js';
import { canonicalizeFieldNames, checkShape, OBJECT_META, SPEC_SHAPES, STATUS_SHAPES } from './schema.js';

type KindValidator = (r: Resource, errs: Errors) => void;

const VALIDATORS: Record<string, KindValidator> = {
  NetworkPolicy: validatePolicy,
  GlobalNetworkPolicy: validatePolicy,
  StagedNetworkPolicy: validatePolicy,
  StagedGlobalNetworkPolicy: validatePolicy,
  StagedKubernetesNetworkPolicy: validatePolicy,
  Tier: validateTier,
  Profile: validateProfile,
  NetworkSet: validateNetworkSet,
  GlobalNetworkSet: validateNetworkSet,
  HostEndpoint: validateHostEndpoint,
  WorkloadEndpoint: validateWorkloadEndpoint,
  IPPool: validateIPPool,
  IPReservation: validateIPReservation,
  IPAMConfiguration: validateIPAMConfiguration,
  BGPConfiguration: validateBGPConfiguration,
  BGPPeer: validateBGPPeer,
  BGPFilter: validateBGPFilter,
  Node: validateNode,
  FelixConfiguration: validateFelixConfiguration,
  ClusterInformation: validateClusterInformation,
  KubeControllersConfiguration: validateKubeControllersConfiguration,
};

const TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

/**
 * Every rule `resource` breaks, as FieldErrors with JSON paths (`spec.ingress[0].destination.ports[1]`).
 * An empty list means valid. Kubernetes NetworkPolicy input is checked as the Kubernetes API would.
 * @example validateResource(pool).map((e) => e.field) // ['spec.cidr']
 */
export function validateResource(resource: Resource): FieldError[] {
  const errs: Errors = [];
  if (!isObject(resource)) {
    fail(errs, '', 'resource must be an object');
    return errs;
  }
  if (resource.apiVersion === 'networking.k8s.io/v1' && resource.kind === 'NetworkPolicy') {
    try {
      validateK8sNetworkPolicy(resource);
    } catch (err) {
      if (err instanceof ValidationError) return err.fields;
      throw err;
    }
    return errs;
  }
  if (resource.apiVersion === 'v1' && resource.kind === 'Namespace') {
    const meta: unknown = resource.metadata;
    const name = isObject(meta) ? meta['name'] : undefined;
    if (typeof name !== 'string' || !isDNSLabel(name)) fail(errs, 'metadata.name', 'namespace name must be a DNS label', name);
    if (isObject(meta)) checkLabels(meta['labels'], 'metadata.labels', errs);
    return errs;
  }

  const kind = resource.kind;
  if (typeof kind !== 'string' || !isV3Kind(kind)) {
    fail(errs, 'kind', `unknown resource type "${show(kind)}"`, kind);
    return errs;
  }
  if (resource.apiVersion !== API_VERSION) {
    fail(errs, 'apiVersion', `must be "${API_VERSION}" for kind ${kind}`, resource.apiVersion);
  }
  for (const k of Object.keys(resource)) if (!TOP_LEVEL.has(k)) fail(errs, k, `unknown field "${k}"`);

  const meta: unknown = resource.metadata;
  if (!isObject(meta)) {
    fail(errs, 'metadata', 'metadata is required');
    return errs;
  }
  checkShape(meta, OBJECT_META, 'metadata', errs);
  checkName(meta['name'], 'metadata.name', errs);
  const ns = meta['namespace'];
  if (kindInfo(kind)?.namespaced) {
    if (typeof ns !== 'string' || ns === '') fail(errs, 'metadata.namespace', `namespace is required for ${kind}`);
    else if (!isDNSLabel(ns)) fail(errs, 'metadata.namespace', 'namespace must be a DNS label', ns);
  }
  checkLabels(meta['labels'], 'metadata.labels', errs);
  checkAnnotations(meta['annotations'], 'metadata.annotations', errs);

  const specShape = SPEC_SHAPES[kind];
  if (specShape !== undefined) checkShape(resource.spec, specShape, 'spec', errs);
  const statusShape = STATUS_SHAPES[kind];
  if (statusShape !== undefined) checkShape(resource.status, statusShape, 'status', errs);

  VALIDATORS[kind]?.(resource, errs);
  return dedupe(errs);
}

function dedupe(errs: Errors): Errors {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const key = `${e.field}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Throws ValidationError (naming kind, name and each field path) unless `resource` is valid.
 * @example assertValid(pool)
 */
export function assertValid(resource: Resource): void {
  const errs = validateResource(resource);
  if (errs.length === 0) return;
  const meta = isObject(resource) && isObject(resource.metadata) ? resource.metadata : undefined;
  const ref = {
    kind: isObject(resource) && typeof resource.kind === 'string' ? resource.kind : 'Unknown',
    name: typeof meta?.name === 'string' ? meta.name : '',
    ...(typeof meta?.namespace === 'string' && meta.namespace !== '' ? { namespace: meta.namespace } : {}),
  };
  throw new ValidationError(ref, errs);
}

/**
 * A copy of a v3 resource with metadata and spec keys spelled as declared (`IPIPMode` -> `ipipMode`), since
 * Calico's decoding matches field names case-insensitively. Other resources are returned unchanged.
 */
export function canonicalizeResource(resource: Resource): Resource {
  if (!isObject(resource) || resource.apiVersion !== API_VERSION || typeof resource.kind !== 'string' || !isV3Kind(resource.kind)) return resource;
  const out: Resource = { ...resource };
  if (isObject(resource.metadata)) out.metadata = canonicalizeFieldNames(resource.metadata, OBJECT_META) as Resource['metadata'];
  const spec = SPEC_SHAPES[resource.kind];
  if (spec !== undefined && resource.spec !== undefined) out.spec = canonicalizeFieldNames(resource.spec, spec);
  return out;
}
