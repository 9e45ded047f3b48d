/**
 * The projectcalico.org/v3 API layer: kinds, manifest codec, Kubernetes conversion, defaulting and validation.
 * Re-exports only.
 */
export * from './types.js';
export { ALL_KINDS, isV3Kind, kindInfo, resolveKind, type KindInfo, type KnownKind } from './kinds.js';
export { parseManifests, toJSON, toList, toListJSON, toListYAML, toYAML } from './codec.js';
export { ParseError, type ParseLocation } from './parse-error.js';
export {
  convertToCalico,
  isKubernetesResource,
  k8sNetworkPolicyToCalico,
  k8sSelectorToCalico,
  K8S_NETWORK_POLICY_NAME_PREFIX,
  K8S_NETWORK_POLICY_ORDER,
  namespaceToProfile,
  NAMESPACE_LABEL_PREFIX,
  NAMESPACE_PROFILE_PREFIX,
  simplifyPorts,
} from './k8s.js';
export {
  applyDefaults,
  BGP_DEFAULTS,
  DEFAULT_TIER,
  DEFAULT_TIER_ORDER,
  defaultPolicyTypes,
  TIER_LABEL,
  type DefaultsOptions,
} from './defaults.js';
export { assertValid, canonicalizeResource, validateResource } from './validate/index.js';
export { BUILTIN_TIERS } from './validate/policy.js';
export { workloadEndpointName } from './validate/endpoints.js';
export { checkAgainstDatastore, deleteRefusal, type WriteOp } from './datastore-checks.js';
export { prepareResource, type PrepareOptions } from './prepare.js';
export { cidrContains, cidrsOverlap, formatCIDR, normalizeCIDR, parseCIDR, parseCIDROrIP, parseIP, type ParsedCIDR } from './net.js';
