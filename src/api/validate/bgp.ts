/**
 * BGPConfiguration, BGPPeer, BGPFilter and Node (bgpconfig.go, bgppeer.go, bgpfilter.go, internalapi node).
 */
import type { Resource } from '../types.js';
import { parseCIDR, parseIP } from '../net.js';
import {
  checkASNumber,
  checkCIDR,
  checkDuration,
  checkEnum,
  checkIntRange,
  checkIP,
  checkName,
  checkSelector,
  isDNSSubdomain,
} from './common.js';
import { at, fail, isObject, isSet, type Errors } from './field-errors.js';

export const LOG_LEVELS = ['Trace', 'Debug', 'Info', 'Warning', 'Error', 'Fatal'] as const;
const COMMUNITY_RE = /^([0-9]+):([0-9]+)(?::([0-9]+))?$/;

/** `aa:nn` (16-bit parts) or `aa:nn:mm` (32-bit parts). */
export function isCommunityValue(v: string): boolean {
  const m = COMMUNITY_RE.exec(v);
  if (m === null) return false;
  const max = m[3] === undefined ? 65535 : 4294967295;
  return [m[1], m[2], m[3]].every((p) => p === undefined || Number(p) <= max);
}

/** Singleton-per-node names: `default` or `node.<nodename>`. */
function checkDefaultOrNodeName(r: Resource, errs: Errors): void {
  const name = r.metadata?.name;
  if (name === 'default') return;
  if (typeof name === 'string' && name.startsWith('node.') && isDNSSubdomain(name.slice(5))) return;
  fail(errs, 'metadata.name', `${r.kind} name must be "default" or "node.<nodename>"`, name);
}

export function validateBGPConfiguration(r: Resource, errs: Errors): void {
  checkDefaultOrNodeName(r, errs);
  const spec = isObject(r.spec) ? r.spec : {};
  checkEnum(spec['logSeverityScreen'], LOG_LEVELS, 'spec.logSeverityScreen', errs);
  checkASNumber(spec['asNumber'], 'spec.asNumber', errs);
  checkIntRange(spec['listenPort'], 1, 65535, 'spec.listenPort', errs);
  checkEnum(spec['bindMode'], ['None', 'NodeIP'], 'spec.bindMode', errs);
  checkEnum(spec['serviceLoadBalancerAggregation'], ['Enabled', 'Disabled'], 'spec.serviceLoadBalancerAggregation', errs);
  checkEnum(spec['programClusterRoutes'], ['Enabled', 'Disabled', 'EnabledIPIPOnly', 'EnabledNoEncapOnly'], 'spec.programClusterRoutes', errs);
  for (const field of ['serviceClusterIPs', 'serviceExternalIPs', 'serviceLoadBalancerIPs'] as const) {
    const blocks = spec[field];
    if (!Array.isArray(blocks)) continue;
    blocks.forEach((b, i) => {
      if (isObject(b)) checkCIDR(b['cidr'], at(at(`spec.${field}`, i), 'cidr'), errs, { allowIP: true });
    });
  }
  if (typeof spec['localWorkloadPeeringIPV4'] === 'string') checkIP(spec['localWorkloadPeeringIPV4'], 'spec.localWorkloadPeeringIPV4', errs, 4);
  if (typeof spec['localWorkloadPeeringIPV6'] === 'string') checkIP(spec['localWorkloadPeeringIPV6'], 'spec.localWorkloadPeeringIPV6', errs, 6);
  checkDuration(spec['nodeMeshMaxRestartTime'], 'spec.nodeMeshMaxRestartTime', errs);
  for (const field of ['nodeMeshPassword', 'nodeMeshMaxRestartTime'] as const) {
    if (!isSet(spec[field])) continue;
    if (r.metadata?.name !== 'default') fail(errs, `spec.${field}`, 'can only be set on the "default" BGPConfiguration');
    else if (spec['nodeToNodeMeshEnabled'] === false) fail(errs, `spec.${field}`, 'requires nodeToNodeMeshEnabled to be true');
  }
  checkSecretRef(spec['nodeMeshPassword'], 'spec.nodeMeshPassword', errs);

  const names = new Set<string>();
  const communities = Array.isArray(spec['communities']) ? spec['communities'] : [];
  communities.forEach((c, i) => {
    if (!isObject(c)) return;
    const p = at('spec.communities', i);
    if (!isSet(c['name'])) fail(errs, at(p, 'name'), 'community name is required');
    else if (typeof c['name'] === 'string') names.add(c['name']);
    if (typeof c['value'] !== 'string' || !isCommunityValue(c['value'])) {
      fail(errs, at(p, 'value'), 'community value must be "aa:nn" (16-bit parts) or "aa:nn:mm" (32-bit parts)', c['value']);
    }
  });
  const used = new Set<string>();
  const adverts = Array.isArray(spec['prefixAdvertisements']) ? spec['prefixAdvertisements'] : [];
  adverts.forEach((a, i) => {
    if (!isObject(a)) return;
    const p = at('spec.prefixAdvertisements', i);
    if (!isSet(a['cidr'])) fail(errs, at(p, 'cidr'), 'cidr is required');
    else checkCIDR(a['cidr'], at(p, 'cidr'), errs, { allowIP: true });
    const list = Array.isArray(a['communities']) ? a['communities'] : [];
    if (list.length === 0) fail(errs, at(p, 'communities'), 'communities are required');
    list.forEach((c, j) => {
      if (typeof c !== 'string') return;
      if (names.has(c)) used.add(c);
      else if (!isCommunityValue(c)) fail(errs, at(at(p, 'communities'), j), 'must name a community defined in spec.communities or be a literal "aa:nn" / "aa:nn:mm"', c);
    });
  });
  communities.forEach((c, i) => {
    if (isObject(c) && typeof c['name'] === 'string' && !used.has(c['name'])) {
      fail(errs, at(at('spec.communities', i), 'name'), 'community is not used by any prefixAdvertisement', c['name']);
    }
  });
}

function checkSecretRef(v: unknown, path: string, errs: Errors): void {
  if (!isObject(v)) return;
  const ref = v['secretKeyRef'];
  if (!isObject(ref)) return;
  if (!isSet(ref['name'])) fail(errs, at(at(path, 'secretKeyRef'), 'name'), 'secret name is required');
  if (!isSet(ref['key'])) fail(errs, at(at(path, 'secretKeyRef'), 'key'), 'secret key is required');
}

/** `ip`, `ip:port`, `[v6]:port`; returns the family. */
export function parsePeerIP(text: string): 4 | 6 | undefined {
  const direct = parseIP(text);
  if (direct !== undefined) return direct.family;
  const v6 = /^\[([^\]]+)\]:([0-9]{1,5})$/.exec(text);
  const v4 = /^([0-9.]+):([0-9]{1,5})$/.exec(text);
  const m = v6 ?? v4;
  if (m === null || Number(m[2]) < 1 || Number(m[2]) > 65535) return undefined;
  const ip = parseIP(m[1] as string);
  if (ip === undefined || (v6 !== null && ip.family !== 6) || (v4 !== null && ip.family !== 4)) return undefined;
  return ip.family;
}

export function validateBGPPeer(r: Resource, errs: Errors): void {
  const spec = isObject(r.spec) ? r.spec : {};
  if (isSet(spec['node']) && isSet(spec['nodeSelector'])) fail(errs, 'spec.nodeSelector', 'node and nodeSelector cannot both be set');
  if (isSet(spec['peerIP']) && isSet(spec['peerSelector'])) fail(errs, 'spec.peerSelector', 'peerIP and peerSelector cannot both be set');
  if (!isSet(spec['peerIP']) && !isSet(spec['peerSelector']) && !isSet(spec['localWorkloadSelector'])) {
    fail(errs, 'spec.peerIP', 'one of peerIP, peerSelector or localWorkloadSelector is required');
  }
  if (isSet(spec['peerSelector']) && isSet(spec['asNumber'])) {
    fail(errs, 'spec.asNumber', 'asNumber must be empty with peerSelector (the remote AS comes from the peer nodes)');
  }
  checkSelector(spec['nodeSelector'], 'spec.nodeSelector', errs, 'forbid');
  checkSelector(spec['peerSelector'], 'spec.peerSelector', errs, 'forbid');
  checkSelector(spec['localWorkloadSelector'], 'spec.localWorkloadSelector', errs, 'forbid');
  if (isSet(spec['localWorkloadSelector'])) {
    if (!isSet(spec['asNumber'])) fail(errs, 'spec.asNumber', 'asNumber is required with localWorkloadSelector');
    if (isSet(spec['peerIP']) || isSet(spec['peerSelector'])) {
      fail(errs, 'spec.localWorkloadSelector', 'localWorkloadSelector cannot be combined with peerIP or peerSelector');
    }
  }
  let family: 4 | 6 | undefined;
  if (typeof spec['peerIP'] === 'string' && spec['peerIP'] !== '') {
    family = parsePeerIP(spec['peerIP']);
    if (family === undefined) fail(errs, 'spec.peerIP', 'peerIP must be an IP address, "ip:port" or "[ipv6]:port"', spec['peerIP']);
  }
  checkASNumber(spec['asNumber'], 'spec.asNumber', errs);
  checkASNumber(spec['localASNumber'], 'spec.localASNumber', errs);
  if (spec['keepOriginalNextHop'] === true && isSet(spec['nextHopMode'])) {
    fail(errs, 'spec.nextHopMode', 'nextHopMode cannot be set together with the deprecated keepOriginalNextHop');
  }
  checkEnum(spec['nextHopMode'], ['Auto', 'Self', 'Keep'], 'spec.nextHopMode', errs);
  checkEnum(spec['sourceAddress'], ['UseNodeIP', 'None'], 'spec.sourceAddress', errs);
  checkEnum(spec['reversePeering'], ['Auto', 'Manual'], 'spec.reversePeering', errs);
  checkDuration(spec['maxRestartTime'], 'spec.maxRestartTime', errs);
  checkDuration(spec['keepaliveTime'], 'spec.keepaliveTime', errs);
  checkIntRange(spec['numAllowedLocalASNumbers'], 0, 2147483647, 'spec.numAllowedLocalASNumbers', errs);
  checkIntRange(spec['ttlSecurity'], 0, 255, 'spec.ttlSecurity', errs);
  checkSecretRef(spec['password'], 'spec.password', errs);
  const reach = spec['reachableBy'];
  if (typeof reach === 'string' && reach !== '') {
    const f = checkIP(reach, 'spec.reachableBy', errs);
    if (!isSet(spec['peerIP'])) fail(errs, 'spec.reachableBy', 'reachableBy requires peerIP');
    else if (f !== undefined && family !== undefined && f !== family) fail(errs, 'spec.reachableBy', 'reachableBy must be the same IP family as peerIP', reach);
  }
  const filters = spec['filters'];
  if (Array.isArray(filters)) filters.forEach((f, i) => checkName(f, `spec.filters[${i}]`, errs));
}

const FILTER_OPERATORS = ['Equal', 'NotEqual', 'In', 'NotIn'] as const;

function checkFilterRule(rule: unknown, path: string, family: 4 | 6, errs: Errors): void {
  if (!isObject(rule)) return;
  if (!isSet(rule['action'])) fail(errs, at(path, 'action'), 'action is required');
  else checkEnum(rule['action'], ['Accept', 'Reject'], at(path, 'action'), errs);
  const hasCIDR = isSet(rule['cidr']);
  const hasOp = isSet(rule['matchOperator']);
  if (hasCIDR !== hasOp) fail(errs, at(path, hasCIDR ? 'matchOperator' : 'cidr'), 'cidr and matchOperator must be set together');
  checkEnum(rule['matchOperator'], FILTER_OPERATORS, at(path, 'matchOperator'), errs);
  if (hasCIDR) {
    const c = checkCIDR(rule['cidr'], at(path, 'cidr'), errs);
    if (c !== undefined && c.family !== family) fail(errs, at(path, 'cidr'), `must be an IPv${family} CIDR in a V${family} rule`, rule['cidr']);
  }
  const pl = rule['prefixLength'];
  if (isObject(pl)) {
    if (!hasCIDR) fail(errs, at(path, 'prefixLength'), 'prefixLength requires cidr');
    const max = family === 4 ? 32 : 128;
    checkIntRange(pl['min'], 0, max, at(at(path, 'prefixLength'), 'min'), errs);
    checkIntRange(pl['max'], 0, max, at(at(path, 'prefixLength'), 'max'), errs);
    if (typeof pl['min'] === 'number' && typeof pl['max'] === 'number' && pl['min'] > pl['max']) {
      fail(errs, at(path, 'prefixLength'), 'min must not exceed max', pl);
    }
  }
  checkEnum(rule['source'], ['RemotePeers'], at(path, 'source'), errs);
  checkEnum(rule['peerType'], ['eBGP', 'iBGP'], at(path, 'peerType'), errs);
  const iface = rule['interface'];
  if (typeof iface === 'string' && (iface.length === 0 || iface.length > 15 || /[\s/]/.test(iface))) {
    fail(errs, at(path, 'interface'), 'interface must be an interface name or glob of at most 15 characters', iface);
  }
  const comm = rule['communities'];
  if (isObject(comm)) {
    const values = Array.isArray(comm['values']) ? comm['values'] : [];
    if (values.length !== 1) fail(errs, at(at(path, 'communities'), 'values'), 'exactly one community value is required', values);
    values.forEach((v, i) => {
      if (typeof v !== 'string' || !isCommunityValue(v)) fail(errs, at(at(at(path, 'communities'), 'values'), i), 'invalid community value', v);
    });
  }
  const asPath = rule['asPathPrefix'];
  if (Array.isArray(asPath)) asPath.forEach((a, i) => checkASNumber(a, at(at(path, 'asPathPrefix'), i), errs));
  checkIntRange(rule['priority'], 1, 2147483647, at(path, 'priority'), errs);
  const ops = rule['operations'];
  if (!Array.isArray(ops)) return;
  if (rule['action'] !== 'Accept') fail(errs, at(path, 'operations'), 'operations are only allowed with action Accept');
  if (ops.length < 1 || ops.length > 10) fail(errs, at(path, 'operations'), 'between 1 and 10 operations allowed', ops.length);
  ops.forEach((op, i) => {
    if (!isObject(op)) return;
    const p = at(at(path, 'operations'), i);
    const set = ['addCommunity', 'prependASPath', 'setPriority'].filter((k) => op[k] !== undefined && op[k] !== null);
    if (set.length !== 1) fail(errs, p, 'each operation must set exactly one of addCommunity, prependASPath, setPriority');
    const add = op['addCommunity'];
    if (isObject(add) && (typeof add['value'] !== 'string' || !isCommunityValue(add['value']))) {
      fail(errs, at(at(p, 'addCommunity'), 'value'), 'invalid community value', add['value']);
    }
    const prepend = op['prependASPath'];
    if (isObject(prepend)) {
      const prefix = Array.isArray(prepend['prefix']) ? prepend['prefix'] : [];
      if (prefix.length === 0) fail(errs, at(at(p, 'prependASPath'), 'prefix'), 'at least one AS number is required');
      prefix.forEach((a, j) => checkASNumber(a, at(at(at(p, 'prependASPath'), 'prefix'), j), errs));
    }
    const prio = op['setPriority'];
    if (isObject(prio)) checkIntRange(prio['value'], 1, 2147483647, at(at(p, 'setPriority'), 'value'), errs);
  });
}

export function validateBGPFilter(r: Resource, errs: Errors): void {
  const spec = isObject(r.spec) ? r.spec : {};
  for (const [field, family] of [
    ['exportV4', 4],
    ['importV4', 4],
    ['exportV6', 6],
    ['importV6', 6],
  ] as const) {
    const rules = spec[field];
    if (Array.isArray(rules)) rules.forEach((rule, i) => checkFilterRule(rule, at(`spec.${field}`, i), family, errs));
  }
}

const MAC_RE = /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/;

export function validateNode(r: Resource, errs: Errors): void {
  const spec = isObject(r.spec) ? r.spec : {};
  const bgp = spec['bgp'];
  if (isObject(bgp)) {
    if (Object.values(bgp).every((v) => !isSet(v))) fail(errs, 'spec.bgp', 'spec.bgp must not be empty: omit it instead');
    checkASNumber(bgp['asNumber'], 'spec.bgp.asNumber', errs);
    for (const [field, family] of [
      ['ipv4Address', 4],
      ['ipv6Address', 6],
    ] as const) {
      const v = bgp[field];
      if (typeof v !== 'string' || v === '') continue;
      const c = checkCIDR(v, `spec.bgp.${field}`, errs, { allowIP: true });
      if (c !== undefined && c.family !== family) fail(errs, `spec.bgp.${field}`, `must be an IPv${family} address`, v);
    }
    if (isSet(bgp['ipv4IPIPTunnelAddr'])) checkIP(bgp['ipv4IPIPTunnelAddr'], 'spec.bgp.ipv4IPIPTunnelAddr', errs, 4);
    if (isSet(bgp['routeReflectorClusterID'])) checkIP(bgp['routeReflectorClusterID'], 'spec.bgp.routeReflectorClusterID', errs, 4);
  }
  if (isSet(spec['ipv4VXLANTunnelAddr'])) checkIP(spec['ipv4VXLANTunnelAddr'], 'spec.ipv4VXLANTunnelAddr', errs, 4);
  if (isSet(spec['ipv6VXLANTunnelAddr'])) checkIP(spec['ipv6VXLANTunnelAddr'], 'spec.ipv6VXLANTunnelAddr', errs, 6);
  for (const field of ['vxlanTunnelMACAddr', 'vxlanTunnelMACAddrV6'] as const) {
    const v = spec[field];
    if (typeof v === 'string' && v !== '' && !MAC_RE.test(v)) fail(errs, `spec.${field}`, 'invalid MAC address', v);
  }
  const wg = spec['wireguard'];
  if (isObject(wg)) {
    if (isSet(wg['interfaceIPv4Address'])) checkIP(wg['interfaceIPv4Address'], 'spec.wireguard.interfaceIPv4Address', errs, 4);
    if (isSet(wg['interfaceIPv6Address'])) checkIP(wg['interfaceIPv6Address'], 'spec.wireguard.interfaceIPv6Address', errs, 6);
  }
  const refs = spec['orchRefs'];
  if (Array.isArray(refs)) {
    refs.forEach((ref, i) => {
      if (isObject(ref) && !isSet(ref['orchestrator'])) fail(errs, `spec.orchRefs[${i}].orchestrator`, 'orchestrator is required');
    });
  }
  const addrs = spec['addresses'];
  if (Array.isArray(addrs)) {
    addrs.forEach((a, i) => {
      if (!isObject(a)) return;
      if (typeof a['address'] === 'string' && parseIP(a['address']) === undefined && parseCIDR(a['address']) === undefined) {
        fail(errs, `spec.addresses[${i}].address`, 'invalid IP address', a['address']);
      }
      checkEnum(a['type'], ['CalicoNodeIP', 'InternalIP', 'ExternalIP'], `spec.addresses[${i}].type`, errs);
    });
  }
}
