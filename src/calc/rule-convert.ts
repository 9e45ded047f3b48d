/**
 * Lowers the policy model's rules (RuleModel, shared with `policy trace`) to the dataplane's
 * ParsedRule: every selector becomes the ID of an IP set, named ports become `ip-and-port` IP sets,
 * and the IP sets a rule needs are returned alongside it so the RuleScanner can ref-count them.
 *
 * Rules the L3/L4 dataplane cannot enforce fail closed: an Allow/Pass/Log rule with an HTTP match or a
 * Kubernetes service match is dropped (it never matches), a Deny rule with a service match denies
 * without the service restriction (it matches more).
 */
import { createHash } from 'node:crypto';
import type { EntityModel, RuleModel } from '../policy/index.js';
import { makeUniqueId, parseSelector } from '../selector/index.js';
import type { ICMPMatch, IPSetType, ParsedRule } from './dataplane-api.js';

/** What the member index needs to compute one IP set. */
export interface IPSetData {
  id: string;
  type: IPSetType;
  /** Canonical selector of the endpoints / network sets whose addresses are members. */
  selector: string;
  /** For `ip-and-port` sets: the endpoint port name to resolve. */
  namedPort?: string;
  /** For `ip-and-port` sets: tcp, udp, sctp, or `any` (the rule has no protocol; every port of that name counts). */
  namedPortProtocol?: string;
}

const ALL = 'all()';
const PORT_PROTOCOLS: Record<string, string> = { tcp: 'tcp', udp: 'udp', sctp: 'sctp', '6': 'tcp', '17': 'udp', '132': 'sctp' };

/** The IP set for a selector: ID = the selector's unique ID, so equal selectors share one set. */
export function selectorIPSet(selector: string): IPSetData {
  const sel = parseSelector(selector);
  return { id: sel.uniqueId(), type: 'net', selector: sel.toString() };
}

/** The `ip-and-port` set of endpoints matching `selector` that have a port named `name` for `protocol`. */
export function namedPortIPSet(selector: string, protocol: string, name: string): IPSetData {
  const canonical = parseSelector(selector).toString();
  return {
    id: makeUniqueId('n', `${canonical},${protocol},${name}`),
    type: 'ip-and-port',
    selector: canonical,
    namedPort: name,
    namedPortProtocol: protocol,
  };
}

/** A short stable rule ID: a hash of where the rule sits and what it says. */
export function ruleId(owner: string, direction: 'inbound' | 'outbound', rule: RuleModel): string {
  return createHash('sha224').update(`${owner}|${direction}|${rule.index}|${JSON.stringify(rule)}`).digest('base64url').slice(0, 16);
}

function icmpMatch(f: { type?: number; code?: number } | undefined): ICMPMatch | undefined {
  if (f?.type === undefined) return undefined;
  const m: ICMPMatch = { type: f.type };
  if (f.code !== undefined) m.code = f.code;
  return m;
}

/** Lower one rule. `parsed` is undefined when the rule can never match in this dataplane. */
export function convertRule(
  rule: RuleModel,
  id: string,
): { parsed: ParsedRule | undefined; ipSets: IPSetData[] } {
  const action = rule.action.toLowerCase() as ParsedRule['action'];
  const unenforceable = rule.hasHTTPMatch === true || rule.src.services !== undefined || rule.dst.services !== undefined;
  if (unenforceable && action !== 'deny') return { parsed: undefined, ipSets: [] };

  const ipSets: IPSetData[] = [];
  const parsed: ParsedRule = { action, ruleId: id };
  if (rule.ipVersion !== undefined) parsed.ipVersion = rule.ipVersion;
  if (rule.protocol !== undefined) parsed.protocol = rule.protocol;
  if (rule.notProtocol !== undefined) parsed.notProtocol = rule.notProtocol;
  const icmp = icmpMatch(rule.icmp);
  if (icmp) parsed.icmp = icmp;
  const notICMP = icmpMatch(rule.notICMP);
  if (notICMP) parsed.notICMP = notICMP;

  const namedPortProtocol = rule.protocol === undefined ? 'any' : PORT_PROTOCOLS[rule.protocol];
  const hasNamedPorts = [rule.src, rule.dst].some((e) => e.namedPorts.length > 0 || e.notNamedPorts.length > 0);
  // A named port under a protocol without ports can never match; dropping just the port would widen the rule.
  if (hasNamedPorts && namedPortProtocol === undefined && action !== 'deny') return { parsed: undefined, ipSets: [] };
  const side = (e: EntityModel, dir: 'src' | 'dst'): void => {
    const set = <K extends keyof ParsedRule>(key: K, value: ParsedRule[K] & unknown[]): void => {
      if (value.length > 0) parsed[key] = value;
    };
    const capital = dir === 'src' ? 'Src' : 'Dst';
    set(`${dir}Nets`, [...e.nets]);
    set(`not${capital}Nets`, [...e.notNets]);
    set(`${dir}Ports`, e.ports.map((p) => ({ ...p })));
    set(`not${capital}Ports`, e.notPorts.map((p) => ({ ...p })));
    if (e.selector !== undefined) {
      const s = selectorIPSet(e.selector);
      ipSets.push(s);
      parsed[`${dir}IPSetIds`] = [s.id];
    }
    if (e.notSelector !== undefined) {
      const s = selectorIPSet(e.notSelector);
      ipSets.push(s);
      parsed[`not${capital}IPSetIds`] = [s.id];
    }
    // Named ports resolve against the endpoints the rule's selector picks (all endpoints without one).
    if (namedPortProtocol !== undefined) {
      const named = (names: string[]): string[] =>
        names.map((name) => {
          const s = namedPortIPSet(e.selector ?? ALL, namedPortProtocol, name);
          ipSets.push(s);
          return s.id;
        });
      set(`${dir}NamedPortIPSetIds`, named(e.namedPorts));
      set(`not${capital}NamedPortIPSetIds`, named(e.notNamedPorts));
    }
  };
  side(rule.src, 'src');
  side(rule.dst, 'dst');
  return { parsed, ipSets };
}

/** Lower a rule list; returns the parsed rules and every IP set they use (with duplicates). */
export function convertRules(
  owner: string,
  direction: 'inbound' | 'outbound',
  rules: readonly RuleModel[],
): { parsed: ParsedRule[]; ipSets: IPSetData[] } {
  const parsed: ParsedRule[] = [];
  const ipSets: IPSetData[] = [];
  for (const rule of rules) {
    const r = convertRule(rule, ruleId(owner, direction, rule));
    if (r.parsed) parsed.push(r.parsed);
    ipSets.push(...r.ipSets);
  }
  return { parsed, ipSets };
}
