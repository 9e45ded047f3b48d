/**
 * IPPool, IPReservation and IPAMConfiguration (ippool.go, ipreservation.go, ipamconfig.go, clientv3/ippool.go).
 */
import type { Resource } from '../types.js';
import { cidrsOverlap, parseCIDR } from '../net.js';
import { checkCIDR, checkEnum, checkIntRange, checkSelector } from './common.js';
import { at, fail, isObject, isSet, type Errors } from './field-errors.js';

const ENCAP_MODES = ['Never', 'Always', 'CrossSubnet'] as const;
const ALLOWED_USES = ['Workload', 'Tunnel', 'LoadBalancer'] as const;
const ASSIGNMENT_MODES = ['Automatic', 'Manual'] as const;
const LINK_LOCAL_V4 = parseCIDR('169.254.0.0/16');
const LINK_LOCAL_V6 = parseCIDR('fe80::/10');
const MAX_POOL_CIDR_LENGTH = 48;

export function validateIPPool(r: Resource, errs: Errors): void {
  const spec = isObject(r.spec) ? r.spec : {};
  const cidrText = spec['cidr'];
  if (!isSet(cidrText)) fail(errs, 'spec.cidr', 'cidr is required');
  if (typeof cidrText === 'string' && cidrText.length > MAX_POOL_CIDR_LENGTH) {
    fail(errs, 'spec.cidr', `must be at most ${MAX_POOL_CIDR_LENGTH} characters`, cidrText);
  }
  const cidr = isSet(cidrText) ? checkCIDR(cidrText, 'spec.cidr', errs, { strict: true }) : undefined;
  if (cidr !== undefined) {
    const linkLocal = cidr.family === 4 ? LINK_LOCAL_V4 : LINK_LOCAL_V6;
    if (linkLocal !== undefined && cidrsOverlap(cidr, linkLocal)) {
      fail(errs, 'spec.cidr', `IP pool range overlaps with the link local range ${cidr.family === 4 ? '169.254.0.0/16' : 'fe80::/10'}`, cidrText);
    }
  }

  const blockSize = spec['blockSize'];
  if (typeof blockSize === 'number' && cidr !== undefined) {
    const [min, max] = cidr.family === 4 ? [20, 32] : [116, 128];
    if (blockSize < min || blockSize > max) {
      fail(errs, 'spec.blockSize', `IPv${cidr.family} block size must be between ${min} and ${max}`, blockSize);
    } else if (cidr.prefix > blockSize && spec['disabled'] !== true) {
      fail(errs, 'spec.cidr', `IP pool size is too small (min /${blockSize}) for use with Calico IPAM: the pool must hold at least one block`, cidrText);
    }
  }

  checkEnum(spec['ipipMode'], ENCAP_MODES, 'spec.ipipMode', errs);
  checkEnum(spec['vxlanMode'], ENCAP_MODES, 'spec.vxlanMode', errs);
  const ipip = spec['ipipMode'] ?? 'Never';
  const vxlan = spec['vxlanMode'] ?? 'Never';
  // A mode checkEnum already rejected is not "enabled": one bad value gets one error.
  const ipipOn = ipip === 'Always' || ipip === 'CrossSubnet';
  const vxlanOn = vxlan === 'Always' || vxlan === 'CrossSubnet';
  if (ipipOn && vxlanOn) fail(errs, 'spec.vxlanMode', 'ipipMode and vxlanMode cannot both be enabled', vxlan);
  if (cidr?.family === 6 && ipipOn) fail(errs, 'spec.ipipMode', 'IPIP is not supported on an IPv6 pool', ipip);

  if (spec['ipip'] !== undefined) fail(errs, 'spec.ipip', 'deprecated API v1 field: use ipipMode');
  if (spec['nat-outgoing'] !== undefined) fail(errs, 'spec.nat-outgoing', 'deprecated API v1 field: use natOutgoing');

  checkSelector(spec['nodeSelector'], 'spec.nodeSelector', errs, 'forbid');
  checkSelector(spec['namespaceSelector'], 'spec.namespaceSelector', errs, 'forbid');
  checkEnum(spec['assignmentMode'], ASSIGNMENT_MODES, 'spec.assignmentMode', errs);

  const uses = Array.isArray(spec['allowedUses']) ? (spec['allowedUses'] as unknown[]) : [];
  const seen = new Set<unknown>();
  uses.forEach((u, i) => {
    checkEnum(u, ALLOWED_USES, `spec.allowedUses[${i}]`, errs);
    if (seen.has(u)) fail(errs, `spec.allowedUses[${i}]`, 'duplicate allowed use', u);
    seen.add(u);
  });
  if (uses.includes('Tunnel') && isSet(spec['namespaceSelector'])) {
    fail(errs, 'spec.namespaceSelector', 'namespaceSelector cannot be used on a pool that allows Tunnel use');
  }
  if (uses.includes('LoadBalancer')) {
    if (uses.length > 1) fail(errs, 'spec.allowedUses', 'LoadBalancer cannot be combined with other allowed uses', uses);
    if (ipipOn || vxlanOn) fail(errs, ipipOn ? 'spec.ipipMode' : 'spec.vxlanMode', 'a LoadBalancer pool must not use IPIP or VXLAN');
    const sel = spec['nodeSelector'];
    if (sel !== undefined && sel !== 'all()') fail(errs, 'spec.nodeSelector', 'a LoadBalancer pool must have nodeSelector all()', sel);
    if (spec['disableBGPExport'] === true) fail(errs, 'spec.disableBGPExport', 'a LoadBalancer pool cannot disable BGP export');
  }
}

export function validateIPReservation(r: Resource, errs: Errors): void {
  const spec = isObject(r.spec) ? r.spec : {};
  const cidrs = spec['reservedCIDRs'];
  if (Array.isArray(cidrs)) cidrs.forEach((c, i) => checkCIDR(c, at('spec.reservedCIDRs', i), errs, { allowIP: true }));
}

export function validateIPAMConfiguration(r: Resource, errs: Errors): void {
  if (r.metadata?.name !== 'default') fail(errs, 'metadata.name', 'IPAMConfiguration is a singleton: its name must be "default"', r.metadata?.name);
  const spec = isObject(r.spec) ? r.spec : {};
  checkIntRange(spec['maxBlocksPerHost'], 0, 1_000_000, 'spec.maxBlocksPerHost', errs);
  checkIntRange(spec['ipCooldownSeconds'], 0, 1200, 'spec.ipCooldownSeconds', errs);
  checkEnum(spec['kubeVirtVMAddressPersistence'], ['Enabled', 'Disabled'], 'spec.kubeVirtVMAddressPersistence', errs);
  // maxBlocksPerHost > 0 with strictAffinity false is accepted: Calico's own sample uses exactly that.
  // Defaults apply before this check: strictAffinity false, autoAllocateBlocks true.
  const strict = spec['strictAffinity'] === true;
  const autoAllocate = spec['autoAllocateBlocks'] !== false;
  if (!strict && !autoAllocate) {
    fail(errs, 'spec.autoAllocateBlocks', 'autoAllocateBlocks cannot be false when strictAffinity is false (no way to get addresses)');
  }
}
