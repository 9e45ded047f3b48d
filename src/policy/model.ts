/**
 * The pure policy model: Calico policies and profiles normalised once, exactly as Felix sees them after
 * the update processors (namespace scoping folded into selectors, `types` defaulted, ports split into
 * numeric ranges and named ports). Both the calculation graph and the reference evaluator read this, so
 * the kernel and `calicoctl policy trace` cannot disagree about what a policy means.
 */
import type {
  Action,
  EntityRule,
  GlobalNetworkPolicySpec,
  ICMPFields,
  PolicyType,
  Port,
  Profile,
  Protocol,
  Resource,
  Rule,
  ServiceMatch,
  StagedAction,
} from '../api/types.js';
import { policyKey, type PolicyID, type PortRange } from '../calc/dataplane-api.js';
import { ValidationError, type ResourceRef } from '../lib/errors.js';
import {
  andSelectors,
  canonicalSelector,
  convertNamespaceSelector,
  convertServiceAccountSelector,
  namespaceClause,
  serviceAccountNamesSelector,
} from './selector-rewrite.js';

export const DEFAULT_TIER = 'default';
/** k8s NetworkPolicies converted by the API layer carry this name prefix (Calico ≤3.31 naming). */
export const KNP_PREFIX = 'knp.default.';

export const POLICY_KINDS = [
  'NetworkPolicy',
  'GlobalNetworkPolicy',
  'StagedNetworkPolicy',
  'StagedGlobalNetworkPolicy',
] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

export function isPolicyKind(kind: string): kind is PolicyKind {
  return (POLICY_KINDS as readonly string[]).includes(kind);
}

export interface EntityModel {
  nets: string[];
  notNets: string[];
  /** Canonical selector with namespace / namespaceSelector / serviceAccounts folded in; absent = no selector match. */
  selector?: string;
  /** Canonical notSelector, never namespaced. */
  notSelector?: string;
  ports: PortRange[];
  namedPorts: string[];
  notPorts: PortRange[];
  notNamedPorts: string[];
  /** Kubernetes service match, passed through (resolved only where Service endpoints are known). */
  services?: ServiceMatch;
}

export interface RuleModel {
  action: Action;
  ipVersion?: 4 | 6;
  /** Lower-case name (tcp, udp, icmp, icmpv6, sctp, udplite) or a number as a string. */
  protocol?: string;
  notProtocol?: string;
  icmp?: ICMPFields;
  notICMP?: ICMPFields;
  src: EntityModel;
  dst: EntityModel;
  /** Position in its policy's ingress or egress list. */
  index: number;
  /** Present when the rule has an L7 HTTP match (not enforceable in the L3/L4 dataplane). */
  hasHTTPMatch?: boolean;
}

export interface PolicyModel {
  /** `policyKey(id)`: `np/ns/name`, `gnp/name`, `knp/ns/name`, `snp/...`, `sgnp/...`. */
  key: string;
  id: PolicyID;
  /** Kind of the source resource. */
  kind: PolicyKind;
  /** Resource name as stored (for knp this keeps the `knp.default.` prefix). */
  name: string;
  namespace?: string;
  tier: string;
  /** undefined sorts as +infinity. */
  order?: number;
  /** Canonical selector of endpoints the policy applies to, namespace clause folded in. */
  selector: string;
  types: PolicyType[];
  inbound: RuleModel[];
  outbound: RuleModel[];
  staged: boolean;
  stagedAction?: StagedAction;
  doNotTrack: boolean;
  preDNAT: boolean;
  applyOnForward: boolean;
}

export interface ProfileModel {
  name: string;
  inbound: RuleModel[];
  outbound: RuleModel[];
  labelsToApply: Record<string, string>;
}

/** Calico's `types` defaulting: egress rules only ⇒ Egress; both ⇒ both; otherwise Ingress. */
export function defaultPolicyTypes(spec: { types?: PolicyType[]; ingress?: Rule[]; egress?: Rule[] }): PolicyType[] {
  if (spec.types && spec.types.length > 0) {
    return (['Ingress', 'Egress'] as const).filter((t) => spec.types!.includes(t));
  }
  const hasIngress = (spec.ingress?.length ?? 0) > 0;
  const hasEgress = (spec.egress?.length ?? 0) > 0;
  if (hasEgress && hasIngress) return ['Ingress', 'Egress'];
  if (hasEgress) return ['Egress'];
  return ['Ingress'];
}

/**
 * Normalise a NetworkPolicy, GlobalNetworkPolicy or a staged one.
 *
 * @example
 * normalisePolicy({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy',
 *   metadata: { name: 'allow-web', namespace: 'prod' }, spec: { selector: "app == 'web'", ingress: [{ action: 'Allow' }] } })
 * // selector: '(app == "web" && projectcalico.org/namespace == "prod")', types: ['Ingress'], key 'np/prod/allow-web'
 */
export function normalisePolicy(resource: Resource): PolicyModel {
  const kind = resource.kind;
  const ref = refOf(resource);
  if (!isPolicyKind(kind)) {
    throw new ValidationError(ref, [{ field: 'kind', message: 'not a Calico policy kind', value: kind }]);
  }
  if (resource.apiVersion === 'networking.k8s.io/v1') {
    // A raw k8s NetworkPolicy has a different spec (podSelector, from/to); reading it as Calico's would
    // silently select the wrong pods. The API layer converts it to `knp.default.<name>` first.
    throw new ValidationError(ref, [
      { field: 'apiVersion', message: 'a Kubernetes NetworkPolicy must be converted to projectcalico.org/v3 first', value: resource.apiVersion },
    ]);
  }
  const spec = (resource.spec ?? {}) as GlobalNetworkPolicySpec & { stagedAction?: StagedAction };
  const namespaced = kind === 'NetworkPolicy' || kind === 'StagedNetworkPolicy';
  const namespace = namespaced ? resource.metadata.namespace : undefined;
  if (namespaced && !namespace) {
    throw new ValidationError(ref, [{ field: 'metadata.namespace', message: 'namespaced policy has no namespace' }]);
  }
  const name = resource.metadata.name;
  const tier = spec.tier && spec.tier !== '' ? spec.tier : DEFAULT_TIER;
  const staged = kind === 'StagedNetworkPolicy' || kind === 'StagedGlobalNetworkPolicy';
  const id = policyIdFor(kind, name, namespace, tier);
  const fieldSel = (field: string, fn: () => string): string => withField(ref, field, fn);

  const selectorParts: string[] = [fieldSel('spec.selector', () => canonicalSelector(spec.selector ?? ''))];
  if (!namespaced && spec.namespaceSelector) {
    selectorParts.push(fieldSel('spec.namespaceSelector', () => convertNamespaceSelector(spec.namespaceSelector!)));
  }
  if (spec.serviceAccountSelector) {
    selectorParts.push(
      fieldSel('spec.serviceAccountSelector', () => convertServiceAccountSelector(spec.serviceAccountSelector!)),
    );
  }
  if (namespace) selectorParts.push(namespaceClause(namespace));
  const selector = fieldSel('spec.selector', () => andSelectors(selectorParts));

  const model: PolicyModel = {
    key: policyKey(id),
    id,
    kind,
    name,
    tier,
    selector,
    types: defaultPolicyTypes(spec),
    inbound: (spec.ingress ?? []).map((r, i) => normaliseRule(r, i, { ref, field: `spec.ingress[${i}]`, namespace })),
    outbound: (spec.egress ?? []).map((r, i) => normaliseRule(r, i, { ref, field: `spec.egress[${i}]`, namespace })),
    staged,
    doNotTrack: spec.doNotTrack === true,
    preDNAT: spec.preDNAT === true,
    applyOnForward: spec.applyOnForward === true,
  };
  if (namespace !== undefined) model.namespace = namespace;
  if (spec.order !== undefined && spec.order !== null) model.order = Number(spec.order);
  if (staged) model.stagedAction = spec.stagedAction ?? 'Set';
  return model;
}

/** Felix's policy ID: kinds np/gnp/knp/snp/sgnp; converted k8s policies lose their `knp.default.` prefix. */
export function policyIdFor(kind: PolicyKind, name: string, namespace: string | undefined, tier: string): PolicyID {
  let idKind: PolicyID['kind'];
  let idName = name;
  switch (kind) {
    case 'NetworkPolicy':
      if (name.startsWith(KNP_PREFIX)) {
        idKind = 'knp';
        idName = name.slice(KNP_PREFIX.length);
      } else {
        idKind = 'np';
      }
      break;
    case 'GlobalNetworkPolicy':
      idKind = 'gnp';
      break;
    case 'StagedNetworkPolicy':
      idKind = 'snp';
      break;
    case 'StagedGlobalNetworkPolicy':
      idKind = 'sgnp';
      break;
  }
  const id: PolicyID = { kind: idKind, name: idName, tier };
  if (namespace) id.namespace = namespace;
  return id;
}

/** Normalise a Profile; its rules are never namespaced. */
export function normaliseProfile(resource: Profile | Resource): ProfileModel {
  const ref = refOf(resource);
  const spec = (resource.spec ?? {}) as Profile['spec'] & object;
  return {
    name: resource.metadata.name,
    inbound: (spec.ingress ?? []).map((r, i) => normaliseRule(r, i, { ref, field: `spec.ingress[${i}]` })),
    outbound: (spec.egress ?? []).map((r, i) => normaliseRule(r, i, { ref, field: `spec.egress[${i}]` })),
    labelsToApply: { ...(spec.labelsToApply ?? {}) },
  };
}

interface RuleContext {
  ref: ResourceRef;
  /** Field path of the rule, for error messages. */
  field: string;
  /** Namespace of a namespaced policy; undefined for global policies and profiles. */
  namespace?: string;
}

/** Normalise one rule (exported for the calc graph's rule scanner and for tests). */
export function normaliseRule(rule: Rule, index: number, ctx: RuleContext): RuleModel {
  if (!rule || typeof rule !== 'object' || !['Allow', 'Deny', 'Log', 'Pass'].includes(rule.action)) {
    throw new ValidationError(ctx.ref, [
      { field: `${ctx.field}.action`, message: 'must be one of Allow, Deny, Log, Pass', value: rule?.action },
    ]);
  }
  const model: RuleModel = {
    action: rule.action,
    src: normaliseEntity(rule.source ?? {}, { ...ctx, field: `${ctx.field}.source` }),
    dst: normaliseEntity(rule.destination ?? {}, { ...ctx, field: `${ctx.field}.destination` }),
    index,
  };
  if (rule.ipVersion !== undefined) model.ipVersion = rule.ipVersion;
  if (rule.protocol !== undefined && rule.protocol !== '') {
    model.protocol = normaliseProtocol(rule.protocol, ctx, `${ctx.field}.protocol`);
  }
  if (rule.notProtocol !== undefined && rule.notProtocol !== '') {
    model.notProtocol = normaliseProtocol(rule.notProtocol, ctx, `${ctx.field}.notProtocol`);
  }
  if (rule.icmp) model.icmp = { ...rule.icmp };
  if (rule.notICMP) model.notICMP = { ...rule.notICMP };
  if (rule.http && ((rule.http.methods?.length ?? 0) > 0 || (rule.http.paths?.length ?? 0) > 0)) {
    model.hasHTTPMatch = true;
  }
  return model;
}

function normaliseEntity(entity: EntityRule, ctx: RuleContext): EntityModel {
  const sel = (field: string, fn: () => string): string => withField(ctx.ref, `${ctx.field}.${field}`, fn);
  const model: EntityModel = {
    nets: [...(entity.nets ?? [])],
    notNets: [...(entity.notNets ?? [])],
    ports: [],
    namedPorts: [],
    notPorts: [],
    notNamedPorts: [],
  };
  splitPorts(entity.ports ?? [], model.ports, model.namedPorts, ctx, `${ctx.field}.ports`);
  splitPorts(entity.notPorts ?? [], model.notPorts, model.notNamedPorts, ctx, `${ctx.field}.notPorts`);

  const sa = entity.serviceAccounts;
  const hasSA = !!sa && ((sa.names?.length ?? 0) > 0 || !!sa.selector);
  const usesSelectors = !!entity.selector || !!entity.notSelector || !!entity.namespaceSelector || hasSA;
  if (usesSelectors) {
    const parts: string[] = [];
    // Scoping: an explicit namespaceSelector replaces the policy's own namespace.
    if (entity.namespaceSelector) {
      parts.push(sel('namespaceSelector', () => convertNamespaceSelector(entity.namespaceSelector!)));
    } else if (ctx.namespace) {
      parts.push(namespaceClause(ctx.namespace));
    }
    if (entity.selector) parts.push(sel('selector', () => canonicalSelector(entity.selector!)));
    if (hasSA) {
      if (sa!.names && sa!.names.length > 0) parts.push(serviceAccountNamesSelector(sa!.names));
      if (sa!.selector) parts.push(sel('serviceAccounts.selector', () => convertServiceAccountSelector(sa!.selector!)));
    }
    const combined = sel('selector', () => andSelectors(parts));
    // A notSelector-only global rule has nothing to AND: leave `selector` unset rather than "match all".
    if (parts.length > 0) model.selector = combined;
  }
  if (entity.notSelector) model.notSelector = sel('notSelector', () => canonicalSelector(entity.notSelector!));
  if (entity.services) model.services = { ...entity.services };
  return model;
}

const PROTOCOL_NAMES: Record<string, string> = {
  tcp: 'tcp',
  udp: 'udp',
  icmp: 'icmp',
  icmpv6: 'icmpv6',
  sctp: 'sctp',
  udplite: 'udplite',
};

/** Protocol numbers for the named protocols Calico accepts. */
export const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  icmpv6: 58,
  sctp: 132,
  udplite: 136,
};

function normaliseProtocol(p: Protocol, ctx: RuleContext, field: string): string {
  if (typeof p === 'number' || /^\d+$/.test(String(p))) {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 1 || n > 255) {
      throw new ValidationError(ctx.ref, [{ field, message: 'protocol number must be 1-255', value: p }]);
    }
    return String(n);
  }
  const name = PROTOCOL_NAMES[String(p).toLowerCase()];
  if (!name) {
    throw new ValidationError(ctx.ref, [
      { field, message: 'must be TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a number 1-255', value: p },
    ]);
  }
  return name;
}

/** The protocol number of a model protocol string (`tcp` → 6, `"17"` → 17). */
export function protocolNumber(p: string): number {
  const named = PROTOCOL_NUMBERS[p.toLowerCase()];
  return named ?? Number(p);
}

function splitPorts(ports: Port[], numeric: PortRange[], named: string[], ctx: RuleContext, field: string): void {
  ports.forEach((p, i) => {
    const f = `${field}[${i}]`;
    if (typeof p === 'number') {
      numeric.push(checkedRange(p, p, ctx, f, p));
      return;
    }
    const s = String(p).trim();
    const range = /^(\d+)(?::(\d+))?$/.exec(s);
    if (range) {
      const first = Number(range[1]);
      const last = range[2] === undefined ? first : Number(range[2]);
      numeric.push(checkedRange(first, last, ctx, f, p));
    } else if (/^[a-zA-Z0-9_.-]{1,128}$/.test(s)) {
      named.push(s);
    } else {
      throw new ValidationError(ctx.ref, [{ field: f, message: 'not a port, port range or port name', value: p }]);
    }
  });
}

function checkedRange(first: number, last: number, ctx: RuleContext, field: string, value: Port): PortRange {
  if (!Number.isInteger(first) || !Number.isInteger(last) || first < 1 || last > 65535 || first > last) {
    throw new ValidationError(ctx.ref, [{ field, message: 'port must be 1-65535 and min <= max', value }]);
  }
  return { first, last };
}

function refOf(resource: Resource): ResourceRef {
  const ref: ResourceRef = { kind: resource.kind, name: resource.metadata?.name ?? '' };
  if (resource.metadata?.namespace) ref.namespace = resource.metadata.namespace;
  return ref;
}

function withField(ref: ResourceRef, field: string, fn: () => string): string {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw new ValidationError(ref, [{ field, message: err instanceof Error ? err.message : String(err) }]);
  }
}
