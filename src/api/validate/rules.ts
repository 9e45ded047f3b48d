/**
 * Rule validation (policy_common.go + libcalico-go validator): per-field checks and the cross-field rules
 * Calico enforces on a single rule.
 */
import type { IPFamily } from '../net.js';
import { checkCIDR, checkPort, checkProtocol, checkSelector, type PortKind } from './common.js';
import { at, fail, isObject, isSet, type Errors } from './field-errors.js';

export const RULE_ACTIONS = ['Allow', 'Deny', 'Log', 'Pass'] as const;
const PORT_PROTOCOLS = new Set([6, 17, 132]);
const ICMP_PROTOCOLS = new Set([1, 58]);
const MAX_NETS = 256;
const MAX_PORTS = 50;
const MAX_HTTP_ITEMS = 20;

export interface RuleContext {
  direction: 'ingress' | 'egress';
  /** Rule of a global policy (GNP/SGNP): services need an explicit namespace. */
  global: boolean;
}

/** Validate one rule at `path` (e.g. `spec.ingress[0]`). */
export function checkRule(rule: unknown, path: string, ctx: RuleContext, errs: Errors): void {
  if (!isObject(rule)) return;
  const action = rule['action'];
  if (action === undefined || action === null || action === '') fail(errs, at(path, 'action'), 'action is required');
  else if (typeof action === 'string' && !(RULE_ACTIONS as readonly string[]).includes(action)) {
    fail(errs, at(path, 'action'), 'action must be one of "Allow", "Deny", "Log", "Pass"', action);
  }

  const ipVersion = rule['ipVersion'];
  if (ipVersion !== undefined && ipVersion !== null && ipVersion !== 4 && ipVersion !== 6) {
    fail(errs, at(path, 'ipVersion'), 'ipVersion must be 4 or 6', ipVersion);
  }
  const proto = checkProtocol(rule['protocol'], at(path, 'protocol'), errs);
  checkProtocol(rule['notProtocol'], at(path, 'notProtocol'), errs);

  // ICMP fields need an ICMP protocol matching the IP version.
  for (const field of ['icmp', 'notICMP'] as const) {
    const icmp = rule[field];
    if (!isObject(icmp)) continue;
    const p = at(path, field);
    const type = icmp['type'];
    const code = icmp['code'];
    if (typeof type === 'number' && (type < 0 || type > 254)) fail(errs, at(p, 'type'), 'ICMP type must be between 0 and 254', type);
    if (typeof code === 'number' && (code < 0 || code > 255)) fail(errs, at(p, 'code'), 'ICMP code must be between 0 and 255', code);
    if (code !== undefined && code !== null && (type === undefined || type === null)) {
      fail(errs, at(p, 'code'), 'ICMP code is specified but ICMP type is not');
    }
    if (proto === undefined || !ICMP_PROTOCOLS.has(proto)) {
      fail(errs, p, 'ICMP fields are only valid with protocol ICMP or ICMPv6');
    }
  }
  if (proto === 1 && ipVersion === 6) fail(errs, at(path, 'ipVersion'), 'protocol ICMP requires ipVersion 4', ipVersion);
  if (proto === 58 && ipVersion === 4) fail(errs, at(path, 'ipVersion'), 'protocol ICMPv6 requires ipVersion 6', ipVersion);

  const families = new Set<IPFamily>();
  for (const side of ['source', 'destination'] as const) {
    const entity = rule[side];
    if (!isObject(entity)) continue;
    checkEntity(entity, at(path, side), proto, families, errs);
  }
  if (families.size > 1) fail(errs, path, 'rule mixes IPv4 and IPv6 CIDRs');
  if ((ipVersion === 4 || ipVersion === 6) && families.size === 1 && !families.has(ipVersion)) {
    fail(errs, at(path, 'ipVersion'), `rule CIDRs are not IPv${ipVersion}`, ipVersion);
  }

  checkHTTP(rule, path, ctx, proto, errs);
  checkServices(rule, path, ctx, errs);
}

function checkEntity(entity: Record<string, unknown>, path: string, proto: number | undefined, families: Set<IPFamily>, errs: Errors): void {
  for (const field of ['nets', 'notNets'] as const) {
    const nets = entity[field];
    if (!Array.isArray(nets)) continue;
    if (nets.length > MAX_NETS) fail(errs, at(path, field), `at most ${MAX_NETS} entries allowed`, nets.length);
    nets.forEach((n, i) => {
      const c = checkCIDR(n, at(at(path, field), i), errs, { allowIP: true });
      if (c === undefined) return;
      families.add(c.family);
      // notNets of everything matches nothing: Calico refuses it as a mistake.
      if (field === 'notNets' && c.prefix === 0) fail(errs, at(at(path, field), i), 'notNets cannot match all addresses', n);
    });
  }
  const sel = entity['selector'];
  checkSelector(sel, at(path, 'selector'), errs, 'forbid');
  checkSelector(entity['notSelector'], at(path, 'notSelector'), errs, 'allow');
  checkSelector(entity['namespaceSelector'], at(path, 'namespaceSelector'), errs, 'alone');
  const sa = entity['serviceAccounts'];
  if (isObject(sa)) {
    checkSelector(sa['selector'], at(at(path, 'serviceAccounts'), 'selector'), errs, 'forbid');
    const names = sa['names'];
    if (Array.isArray(names)) {
      names.forEach((n, i) => {
        if (typeof n === 'string' && n === '') fail(errs, at(at(at(path, 'serviceAccounts'), 'names'), i), 'service account name cannot be empty');
      });
    }
  }
  for (const field of ['ports', 'notPorts'] as const) {
    const ports = entity[field];
    if (!Array.isArray(ports)) continue;
    if (ports.length > MAX_PORTS) fail(errs, at(path, field), `at most ${MAX_PORTS} ports allowed`, ports.length);
    ports.forEach((p, i) => {
      const kind: PortKind | undefined = checkPort(p, at(at(path, field), i), errs);
      if (kind === undefined) return;
      if (proto === undefined) {
        // Named ports are resolved per endpoint and carry their own protocol.
        if (kind !== 'named') fail(errs, at(at(path, field), i), 'numeric ports require the rule to specify protocol TCP, UDP or SCTP', p);
      } else if (!PORT_PROTOCOLS.has(proto)) {
        fail(errs, at(at(path, field), i), 'ports are only valid with protocol TCP, UDP or SCTP', p);
      }
    });
  }
}

const PATH_BAD_CHARS = /[?# ]/;

function checkHTTP(rule: Record<string, unknown>, path: string, ctx: RuleContext, proto: number | undefined, errs: Errors): void {
  const http = rule['http'];
  if (!isObject(http)) return;
  const p = at(path, 'http');
  if (rule['action'] !== 'Allow') fail(errs, p, 'HTTP match is only valid on Allow rules');
  if (proto !== undefined && proto !== 6) fail(errs, p, 'HTTP match is only valid with protocol TCP');
  if (ctx.direction === 'egress') fail(errs, p, 'HTTP match is not supported on egress rules');
  const methods = http['methods'];
  if (Array.isArray(methods)) {
    if (methods.length > MAX_HTTP_ITEMS) fail(errs, at(p, 'methods'), `at most ${MAX_HTTP_ITEMS} methods allowed`);
    const seen = new Set<unknown>();
    methods.forEach((m, i) => {
      if (seen.has(m)) fail(errs, at(at(p, 'methods'), i), 'duplicate HTTP method', m);
      seen.add(m);
    });
  }
  const paths = http['paths'];
  if (Array.isArray(paths)) {
    if (paths.length > MAX_HTTP_ITEMS) fail(errs, at(p, 'paths'), `at most ${MAX_HTTP_ITEMS} paths allowed`);
    paths.forEach((hp, i) => {
      if (!isObject(hp)) return;
      const pp = at(at(p, 'paths'), i);
      const set = ['exact', 'prefix'].filter((k) => isSet(hp[k]));
      if (set.length !== 1) {
        fail(errs, pp, 'each HTTP path must specify exactly one of exact or prefix');
        return;
      }
      const key = set[0] as string;
      const v = hp[key];
      if (typeof v === 'string' && (!v.startsWith('/') || PATH_BAD_CHARS.test(v))) {
        fail(errs, at(pp, key), 'HTTP path must start with "/" and contain no "?", "#" or spaces', v);
      }
    });
  }
}

function checkServices(rule: Record<string, unknown>, path: string, ctx: RuleContext, errs: Errors): void {
  for (const side of ['source', 'destination'] as const) {
    const entity = rule[side];
    if (!isObject(entity) || !isObject(entity['services'])) continue;
    const svc = entity['services'];
    const p = at(at(path, side), 'services');
    if (!isSet(svc['name'])) fail(errs, at(p, 'name'), 'service name is required');
    if (ctx.global && !isSet(svc['namespace'])) fail(errs, at(p, 'namespace'), 'service namespace is required in global policies');
    for (const other of ['selector', 'notSelector', 'namespaceSelector', 'nets', 'notNets', 'serviceAccounts'] as const) {
      if (isSet(entity[other])) fail(errs, at(at(path, side), other), 'cannot be combined with services');
    }
    if (side === 'destination' && (isSet(entity['ports']) || isSet(entity['notPorts']))) {
      fail(errs, at(at(path, side), isSet(entity['ports']) ? 'ports' : 'notPorts'), 'cannot be combined with destination services (the service defines the ports)');
    }
    if (side === 'source' && ctx.direction === 'egress') fail(errs, p, 'source services are not allowed on egress rules');
    if (side === 'destination' && ctx.direction === 'ingress') fail(errs, p, 'destination services are not allowed on ingress rules');
  }
}

/** Validate a rule list at `path` (`spec.ingress`). */
export function checkRules(rules: unknown, path: string, ctx: RuleContext, errs: Errors): void {
  if (!Array.isArray(rules)) return;
  if (rules.length > 1024) fail(errs, path, 'at most 1024 rules allowed', rules.length);
  rules.forEach((r, i) => checkRule(r, at(path, i), ctx, errs));
}

