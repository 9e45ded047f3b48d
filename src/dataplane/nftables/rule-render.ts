/**
 * One Calico rule (ParsedRule) to nft rule lines for one family.
 *
 * A rule becomes zero lines when it cannot match in this family (ipVersion, ICMP flavour, or nets that are
 * all of the other family), one line normally, and several when it has alternatives nft cannot OR inside one
 * rule (numeric ports together with named-port sets); the lines are then consecutive and have the same verdict,
 * which is equivalent because the first line that matches wins.
 */
import type { DataplaneConfig, ICMPMatch, ParsedRule, PortRange } from '../../calc/dataplane-api.js';
import { ipSetName, nftString, SET_ACCEPT, SET_PASS, type NftFamily } from './names.js';

const PROTOCOL_NUMBERS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, sctp: 132, udplite: 136 };

/** Protocol as nft spells it in `meta l4proto` (names nft knows, else the number). */
function nftProtocol(p: string): string {
  const lower = p.toLowerCase();
  if (lower === 'icmpv6') return 'ipv6-icmp';
  if (lower in PROTOCOL_NUMBERS) return lower;
  const n = Number(lower);
  if (!Number.isInteger(n) || n < 0 || n > 255) throw new RangeError(`Cannot render protocol "${p}": not a protocol name or number`);
  return String(n);
}

function protocolNumber(p: string): number {
  const lower = p.toLowerCase();
  return PROTOCOL_NUMBERS[lower] ?? Number(lower);
}

export function isIPv6(cidr: string): boolean {
  return cidr.includes(':');
}

function familyNets(nets: string[] | undefined, family: NftFamily): string[] | undefined {
  if (!nets || nets.length === 0) return undefined;
  return nets.filter((n) => isIPv6(n) === (family === 'ip6')).map(stripHostPrefix);
}

/** `10.0.0.1/32` → `10.0.0.1`, so nft prints exactly what we wrote. */
export function stripHostPrefix(cidr: string): string {
  if (cidr.endsWith('/32') && !isIPv6(cidr)) return cidr.slice(0, -3);
  if (cidr.endsWith('/128') && isIPv6(cidr)) return cidr.slice(0, -4);
  return cidr;
}

function anon(items: string[]): string {
  return items.length === 1 ? items[0]! : `{ ${items.join(', ')} }`;
}

function portList(ports: PortRange[]): string {
  return anon(ports.map((p) => (p.first === p.last ? String(p.first) : `${p.first}-${p.last}`)));
}

function icmpMatch(family: NftFamily, m: ICMPMatch, negate: boolean): string {
  const kw = family === 'ip' ? 'icmp' : 'icmpv6';
  if (m.code === undefined) return `${kw} type ${negate ? '!= ' : ''}${m.type}`;
  if (!negate) return `${kw} type ${m.type} ${kw} code ${m.code}`;
  return `${kw} type . ${kw} code != { ${m.type} . ${m.code} }`;
}

export interface RuleRenderOptions {
  family: NftFamily;
  config: DataplaneConfig;
}

/** The verdict part of a rule: Felix's mark scheme (allow/pass set a mark and return). */
function verdict(rule: ParsedRule, opts: RuleRenderOptions): string {
  switch (rule.action) {
    case 'allow':
      return `${SET_ACCEPT} return`;
    case 'pass':
    case 'next-tier':
      return `${SET_PASS} return`;
    case 'deny':
      return opts.config.denyAction === 'Reject' ? 'reject' : 'drop';
    case 'log':
      return `log prefix ${nftString(`${rule.logPrefix ?? opts.config.logPrefix}: `)}`;
  }
}

/** Match alternatives for one side's ports: numeric ports OR any named-port set (each a full match). */
function portAlternatives(
  addrKw: string,
  side: 'saddr' | 'daddr',
  ports: PortRange[] | undefined,
  namedSets: string[] | undefined,
  family: NftFamily,
): string[] | undefined {
  const portKw = side === 'saddr' ? 'sport' : 'dport';
  const alts: string[] = [];
  if (ports && ports.length > 0) alts.push(`th ${portKw} ${portList(ports)}`);
  for (const id of namedSets ?? []) alts.push(`${addrKw} ${side} . meta l4proto . th ${portKw} @${ipSetName(family, id)}`);
  return alts.length > 0 ? alts : undefined;
}

/** Render one rule; returns [] when the rule can never match in this family. */
export function renderRule(rule: ParsedRule, opts: RuleRenderOptions): string[] {
  const { family } = opts;
  const addrKw = family === 'ip' ? 'ip' : 'ip6';
  if (rule.ipVersion !== undefined && rule.ipVersion !== (family === 'ip' ? 4 : 6)) return [];
  if (rule.protocol !== undefined) {
    const n = protocolNumber(rule.protocol);
    if ((n === 1 && family === 'ip6') || (n === 58 && family === 'ip')) return [];
  }
  if (rule.icmp !== undefined || rule.notICMP !== undefined) {
    // An ICMP type match only makes sense with this family's ICMP protocol.
    const n = rule.protocol === undefined ? undefined : protocolNumber(rule.protocol);
    if (n !== undefined && n !== (family === 'ip' ? 1 : 58)) return [];
  }

  const m: string[] = [];
  if (rule.protocol !== undefined) m.push(`meta l4proto ${nftProtocol(rule.protocol)}`);
  if (rule.notProtocol !== undefined) m.push(`meta l4proto != ${nftProtocol(rule.notProtocol)}`);

  for (const [nets, notNets, side] of [
    [rule.srcNets, rule.notSrcNets, 'saddr'],
    [rule.dstNets, rule.notDstNets, 'daddr'],
  ] as const) {
    const pos = familyNets(nets, family);
    if (pos !== undefined) {
      if (pos.length === 0) return [];
      m.push(`${addrKw} ${side} ${anon(pos)}`);
    }
    const neg = familyNets(notNets, family);
    if (neg && neg.length > 0) m.push(`${addrKw} ${side} != ${anon(neg)}`);
  }
  for (const id of rule.srcIPSetIds ?? []) m.push(`${addrKw} saddr @${ipSetName(family, id)}`);
  for (const id of rule.notSrcIPSetIds ?? []) m.push(`${addrKw} saddr != @${ipSetName(family, id)}`);
  for (const id of rule.dstIPSetIds ?? []) m.push(`${addrKw} daddr @${ipSetName(family, id)}`);
  for (const id of rule.notDstIPSetIds ?? []) m.push(`${addrKw} daddr != @${ipSetName(family, id)}`);

  if (rule.notSrcPorts && rule.notSrcPorts.length > 0) m.push(`th sport != ${portList(rule.notSrcPorts)}`);
  if (rule.notDstPorts && rule.notDstPorts.length > 0) m.push(`th dport != ${portList(rule.notDstPorts)}`);
  for (const id of rule.notSrcNamedPortIPSetIds ?? []) m.push(`${addrKw} saddr . meta l4proto . th sport != @${ipSetName(family, id)}`);
  for (const id of rule.notDstNamedPortIPSetIds ?? []) m.push(`${addrKw} daddr . meta l4proto . th dport != @${ipSetName(family, id)}`);

  if (rule.icmp) m.push(icmpMatch(family, rule.icmp, false));
  if (rule.notICMP) m.push(icmpMatch(family, rule.notICMP, true));

  const srcAlts = portAlternatives(addrKw, 'saddr', rule.srcPorts, rule.srcNamedPortIPSetIds, family) ?? [''];
  const dstAlts = portAlternatives(addrKw, 'daddr', rule.dstPorts, rule.dstNamedPortIPSetIds, family) ?? [''];
  const tail = `${verdict(rule, opts)} comment ${nftString(`cali:${rule.ruleId}`)}`;
  const out: string[] = [];
  for (const s of srcAlts) {
    for (const d of dstAlts) {
      out.push([...m, s, d, tail].filter((x) => x !== '').join(' '));
    }
  }
  return out;
}
