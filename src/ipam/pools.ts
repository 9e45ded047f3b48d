/**
 * Pure pool choice for AutoAssign: which IPPools a request may draw from, which block subnets
 * a host tries first, and which ordinals IPReservations hide.
 */
import type { IPPool, IPReservation } from '../api/types.js';
import { CalicoError } from '../lib/errors.js';
import { parseSelector } from '../selector/index.js';
import { type CIDR, type IPFamily, cidrContainsCIDR, cidrContainsIP, cidrsOverlap, formatCIDR, maskOf, parseCIDR, tryParseIP } from './ip.js';

export type PoolUse = 'Workload' | 'Tunnel' | 'LoadBalancer';

/** Pool fields after Calico's defaulting. */
export interface PoolView {
  name: string;
  cidr: CIDR;
  cidrText: string;
  blockSize: number;
  disabled: boolean;
  nodeSelector: string;
  namespaceSelector: string;
  allowedUses: PoolUse[];
  assignmentMode: 'Automatic' | 'Manual';
}

export function poolView(pool: IPPool): PoolView {
  const spec = pool.spec ?? { cidr: '' };
  let cidr: CIDR;
  try {
    cidr = parseCIDR(spec.cidr);
  } catch (err) {
    throw new CalicoError('CALICO_ERR_VALIDATION', `IPPool "${pool.metadata.name}" has an invalid spec.cidr "${spec.cidr}"`, {
      resource: { kind: 'IPPool', name: pool.metadata.name },
      cause: err,
    });
  }
  return {
    name: pool.metadata.name,
    cidr,
    cidrText: formatCIDR(cidr),
    blockSize: spec.blockSize ?? (cidr.family === 4 ? 26 : 122),
    disabled: spec.disabled === true,
    nodeSelector: spec.nodeSelector?.trim() || 'all()',
    namespaceSelector: spec.namespaceSelector?.trim() ?? '',
    allowedUses: spec.allowedUses && spec.allowedUses.length > 0 ? spec.allowedUses : ['Workload', 'Tunnel'],
    assignmentMode: spec.assignmentMode ?? 'Automatic',
  };
}

export interface PoolQuery {
  family: IPFamily;
  use: PoolUse;
  nodeLabels: Record<string, string>;
  /** Undefined when the request has no namespace (then namespaceSelector is not applied). */
  namespaceLabels?: Record<string, string>;
  /** Pool names or CIDRs the caller asked for; these bypass selectors and assignmentMode. */
  requested?: string[];
}

function matches(selector: string, labels: Record<string, string>): boolean {
  return parseSelector(selector).evaluate(labels);
}

/** The pools a request may use, in the order given (datastore list order). */
export function selectPools(pools: PoolView[], q: PoolQuery): PoolView[] {
  if (q.requested && q.requested.length > 0) {
    return q.requested.map((want) => {
      const wantCIDR = want.includes('/') ? tryCanonicalCIDR(want) : undefined;
      const p = pools.find((x) => x.name === want || (wantCIDR !== undefined && x.cidrText === wantCIDR));
      if (!p || p.disabled) {
        throw new CalicoError('CALICO_ERR_NOT_FOUND', `the given pool (${want}) does not exist, or is not enabled`, {
          resource: { kind: 'IPPool', name: p?.name ?? want },
        });
      }
      if (p.cidr.family !== q.family) {
        throw new CalicoError('CALICO_ERR_VALIDATION', `the given pool (${want}) is not an IPv${q.family} pool`, {
          resource: { kind: 'IPPool', name: p.name },
        });
      }
      return p;
    });
  }
  return pools.filter((p) => {
    if (p.disabled || p.cidr.family !== q.family) return false;
    if (!p.allowedUses.includes(q.use) || p.assignmentMode !== 'Automatic') return false;
    if (!matches(p.nodeSelector, q.nodeLabels)) return false;
    if (q.namespaceLabels !== undefined && p.namespaceSelector !== '' && !matches(p.namespaceSelector, q.namespaceLabels)) return false;
    return true;
  });
}

function tryCanonicalCIDR(text: string): string | undefined {
  try {
    return formatCIDR(parseCIDR(text));
  } catch {
    return undefined;
  }
}

/** The pool holding `cidr` (a block or an address), if any. */
export function poolForCIDR(pools: PoolView[], cidr: CIDR): PoolView | undefined {
  return pools.find((p) => cidrContainsCIDR(p.cidr, cidr));
}

export function poolForIP(pools: PoolView[], ipText: string): PoolView | undefined {
  const ip = tryParseIP(ipText);
  return ip ? pools.find((p) => cidrContainsIP(p.cidr, ip)) : undefined;
}

/** 64-bit FNV-1a of the hostname: the deterministic per-host seed for the starting block. */
export function hostSeed(hostname: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(hostname)) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

/**
 * Every block-sized subnet of the pool, starting at a host-seeded index and wrapping round, so
 * hosts spread over the pool instead of all fighting for its first block.
 */
export function* blockSubnets(pool: PoolView, hostname: string): Generator<CIDR> {
  const bits = pool.cidr.family === 4 ? 32 : 128;
  const count = 1n << BigInt(pool.blockSize - pool.cidr.prefix);
  const step = 1n << BigInt(bits - pool.blockSize);
  const start = hostSeed(hostname) % count;
  for (let i = 0n; i < count; i++) {
    const idx = (start + i) % count;
    yield { family: pool.cidr.family, base: pool.cidr.base + idx * step, prefix: pool.blockSize };
  }
}

/**
 * Existing blocks of the pool in the order `blockSubnets` would visit them for this host, without
 * walking the whole pool (an IPv6 pool has 2^58 block subnets).
 */
export function orderForHost<T extends { cidr: CIDR }>(pool: PoolView, hostname: string, blocks: T[]): T[] {
  const bits = pool.cidr.family === 4 ? 32 : 128;
  const count = 1n << BigInt(pool.blockSize - pool.cidr.prefix);
  const shift = BigInt(bits - pool.blockSize);
  const start = hostSeed(hostname) % count;
  const rank = (b: T): bigint => ((((b.cidr.base - pool.cidr.base) >> shift) - start) % count + count) % count;
  return blocks
    .filter((b) => b.cidr.prefix === pool.blockSize && cidrContainsCIDR(pool.cidr, b.cidr))
    .map((b) => ({ b, r: rank(b) }))
    .sort((x, y) => (x.r < y.r ? -1 : x.r > y.r ? 1 : 0))
    .map((x) => x.b);
}

/** Reserved CIDRs from all IPReservations. Bad entries are named in the error. */
export function reservedCIDRs(reservations: IPReservation[]): CIDR[] {
  const out: CIDR[] = [];
  for (const r of reservations) {
    (r.spec?.reservedCIDRs ?? []).forEach((text, i) => {
      try {
        out.push(parseCIDR(text));
      } catch (err) {
        throw new CalicoError('CALICO_ERR_VALIDATION', `IPReservation "${r.metadata.name}" has an invalid spec.reservedCIDRs[${i}] "${text}"`, {
          resource: { kind: 'IPReservation', name: r.metadata.name },
          cause: err,
        });
      }
    });
  }
  return out;
}

/** A predicate over a block's ordinals: true where an IPReservation covers the address. */
export function reservedOrdinals(block: CIDR, reserved: CIDR[]): (ordinal: number) => boolean {
  const relevant = reserved.filter((r) => cidrsOverlap(r, block));
  if (relevant.length === 0) return () => false;
  return (ordinal) => {
    const v = block.base + BigInt(ordinal);
    return relevant.some((r) => (v & maskOf(r.family, r.prefix)) === r.base);
  };
}
