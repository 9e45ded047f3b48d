/**
 * Policies, staged policies, tiers and profiles (networkpolicy.go, globalnetworkpolicy.go, staged*.go, tier.go).
 */
import type { Resource } from '../types.js';
import { checkEnum, checkLabels, checkSelector, isDNSLabel, isDNSSubdomain } from './common.js';
import { at, fail, isObject, isSet, type Errors } from './field-errors.js';
import { checkK8sPolicySpec } from './k8s.js';
import { checkRules } from './rules.js';

const POLICY_TYPES = ['Ingress', 'Egress'] as const;
const STAGED_ACTIONS = ['Set', 'Delete', 'Learn', 'Ignore'] as const;
const PERFORMANCE_HINTS = ['AssumeNeededOnEveryNode'] as const;
const TIER_ACTIONS = ['Deny', 'Pass'] as const;

/** Tiers Calico creates itself, with the order and default action it fixes for them. */
export const BUILTIN_TIERS: Record<string, { order: number; defaultAction: 'Deny' | 'Pass' }> = {
  default: { order: 1_000_000, defaultAction: 'Deny' },
  'kube-admin': { order: 1_000, defaultAction: 'Pass' },
  'kube-baseline': { order: 10_000_000, defaultAction: 'Pass' },
};

const K8S_POLICY_NAME_RE = /^(knp|ossg)\.default\.(.+)$/;

/** NetworkPolicy / StagedNetworkPolicy names: `label`, `label.label`, or `(knp|ossg).default.<subdomain>`. */
function checkNamespacedPolicyName(name: string, path: string, errs: Errors): void {
  const k8s = K8S_POLICY_NAME_RE.exec(name);
  if (k8s !== null && isDNSSubdomain(k8s[2] as string)) return;
  checkGlobalPolicyName(name, path, errs);
}

/** GlobalNetworkPolicy names: `label` or `label.label` (one dot at most). */
function checkGlobalPolicyName(name: string, path: string, errs: Errors): void {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every(isDNSLabel)) {
    fail(errs, path, 'policy name must be a DNS label, or two DNS labels joined by "." (e.g. "tier.name")', name);
  }
}

export function checkPolicyName(kind: string, name: unknown, path: string, errs: Errors): void {
  if (typeof name !== 'string' || name === '') return; // reported by the generic metadata check
  if (kind === 'NetworkPolicy' || kind === 'StagedNetworkPolicy') checkNamespacedPolicyName(name, path, errs);
  else checkGlobalPolicyName(name, path, errs);
}

function checkTypes(types: unknown, path: string, errs: Errors): void {
  if (!Array.isArray(types)) return;
  if (types.length > 2) fail(errs, path, 'at most 2 types allowed', types);
  const seen = new Set<unknown>();
  types.forEach((t, i) => {
    checkEnum(t, POLICY_TYPES, at(path, i), errs);
    if (seen.has(t)) fail(errs, at(path, i), 'duplicate policy type', t);
    seen.add(t);
  });
}

/** Spec checks common to every Calico (non-k8s) policy kind. */
function checkPolicySpec(kind: string, spec: Record<string, unknown>, errs: Errors): void {
  const global = kind === 'GlobalNetworkPolicy' || kind === 'StagedGlobalNetworkPolicy';
  const tier = spec['tier'];
  if (typeof tier === 'string' && tier !== '' && !isDNSLabel(tier)) {
    fail(errs, 'spec.tier', 'tier name must be a DNS label (lower case alphanumerics and "-", at most 63 characters)', tier);
  }
  checkSelector(spec['selector'], 'spec.selector', errs, 'forbid');
  checkSelector(spec['serviceAccountSelector'], 'spec.serviceAccountSelector', errs, 'forbid');
  if (global) checkSelector(spec['namespaceSelector'], 'spec.namespaceSelector', errs, 'forbid');
  checkTypes(spec['types'], 'spec.types', errs);
  const hints = spec['performanceHints'];
  if (Array.isArray(hints)) hints.forEach((h, i) => checkEnum(h, PERFORMANCE_HINTS, `spec.performanceHints[${i}]`, errs));
  checkRules(spec['ingress'], 'spec.ingress', { direction: 'ingress', global }, errs);
  checkRules(spec['egress'], 'spec.egress', { direction: 'egress', global }, errs);

  if (global) checkGlobalPolicyModes(spec, errs);
}

/** preDNAT / doNotTrack / applyOnForward interplay on global policies. */
function checkGlobalPolicyModes(spec: Record<string, unknown>, errs: Errors): void {
  const preDNAT = spec['preDNAT'] === true;
  const doNotTrack = spec['doNotTrack'] === true;
  if (preDNAT && doNotTrack) fail(errs, 'spec.preDNAT', 'preDNAT and doNotTrack cannot both be true');
  if (preDNAT) {
    if (isSet(spec['egress'])) fail(errs, 'spec.egress', 'preDNAT policy cannot have egress rules');
    const types = spec['types'];
    if (Array.isArray(types) && types.includes('Egress')) fail(errs, 'spec.types', 'preDNAT policy cannot have Egress type', types);
  }
  if ((preDNAT || doNotTrack) && spec['applyOnForward'] !== true) {
    fail(errs, 'spec.applyOnForward', `${preDNAT ? 'preDNAT' : 'doNotTrack'} policy must have applyOnForward set to true`);
  }
}

function checkStaged(spec: Record<string, unknown>, kind: string, errs: Errors): void {
  checkEnum(spec['stagedAction'], STAGED_ACTIONS, 'spec.stagedAction', errs);
  if (spec['stagedAction'] !== 'Delete') return;
  // A staged delete names what it deletes; any other content would be ignored, so Calico refuses it.
  for (const [k, v] of Object.entries(spec)) {
    if (k === 'stagedAction' || k === 'tier' || !isSet(v)) continue;
    if (kind === 'StagedKubernetesNetworkPolicy' && k === 'podSelector' && isObject(v) && Object.keys(v).length === 0) continue;
    fail(errs, `spec.${k}`, 'must be empty when stagedAction is Delete');
  }
}

export function validatePolicy(r: Resource, errs: Errors): void {
  const spec = isObject(r.spec) ? r.spec : {};
  checkPolicyName(r.kind, r.metadata?.name, 'metadata.name', errs);
  if (r.kind === 'StagedKubernetesNetworkPolicy') {
    checkK8sPolicySpec(spec, errs);
    checkStaged(spec, r.kind, errs);
    return;
  }
  checkPolicySpec(r.kind, spec, errs);
  if (r.kind.startsWith('Staged')) checkStaged(spec, r.kind, errs);
}

export function validateTier(r: Resource, errs: Errors): void {
  const name = r.metadata?.name;
  if (typeof name === 'string' && name !== '' && !isDNSLabel(name)) {
    fail(errs, 'metadata.name', 'tier name must be a DNS label (lower case alphanumerics and "-", at most 63 characters)', name);
  }
  const spec = isObject(r.spec) ? r.spec : {};
  checkEnum(spec['defaultAction'], TIER_ACTIONS, 'spec.defaultAction', errs);
  const builtin = typeof name === 'string' ? BUILTIN_TIERS[name] : undefined;
  if (builtin === undefined) return;
  // Built-in tiers are fixed: only their defaults are accepted.
  if (spec['order'] !== undefined && spec['order'] !== null && spec['order'] !== builtin.order) {
    fail(errs, 'spec.order', `order of the built-in tier "${String(name)}" must be ${builtin.order}`, spec['order']);
  }
  if (isSet(spec['defaultAction']) && spec['defaultAction'] !== builtin.defaultAction) {
    fail(errs, 'spec.defaultAction', `defaultAction of the built-in tier "${String(name)}" must be ${builtin.defaultAction}`, spec['defaultAction']);
  }
}

export function validateProfile(r: Resource, errs: Errors): void {
  const spec = isObject(r.spec) ? r.spec : {};
  checkRules(spec['ingress'], 'spec.ingress', { direction: 'ingress', global: true }, errs);
  checkRules(spec['egress'], 'spec.egress', { direction: 'egress', global: true }, errs);
  checkLabels(spec['labelsToApply'], 'spec.labelsToApply', errs);
}
