/**
 * Pure address accounting per pool and per block, for `calicoctl ipam show` and metrics.
 * An address allocated before it was reserved counts as both in use and reserved.
 */
import { blockCIDR, freeCount, inUseCount } from './block.js';
import { type CIDR, cidrContainsCIDR, cidrSize, cidrsOverlap, parseCIDR } from './ip.js';
import { type PoolView, reservedOrdinals } from './pools.js';
import type { IPAMBlock } from './types.js';

export interface Usage {
  cidr: string;
  capacity: number;
  inUse: number;
  reserved: number;
  free: number;
}

export interface PoolUsage extends Usage {
  /** undefined for the group of blocks that lie in no pool. */
  pool: PoolView | undefined;
  blocks: Usage[];
}

function countReserved(c: CIDR, reserved: CIDR[]): number {
  // Reservations can be huge (an IPv6 /64), so count by overlap arithmetic, not by address.
  let n = 0n;
  const parts = reserved.filter((r) => cidrsOverlap(r, c)).map((r) => (r.prefix >= c.prefix ? r : c));
  // Drop reservations contained in another so overlaps are not counted twice.
  const distinct = parts.filter((r, i) => !parts.some((o, j) => j !== i && cidrContainsCIDR(o, r) && (o.prefix < r.prefix || j < i)));
  for (const r of distinct) n += cidrSize(r);
  return Number(n);
}

function blockUsage(b: IPAMBlock, reserved: CIDR[]): Usage {
  const spec = b.spec!;
  const c = blockCIDR(spec);
  const isReserved = reservedOrdinals(c, reserved);
  const resv = spec.allocations.reduce<number>((n, _a, o) => n + (isReserved(o) ? 1 : 0), 0);
  return { cidr: spec.cidr, capacity: spec.allocations.length, inUse: inUseCount(spec), reserved: resv, free: freeCount(spec, isReserved) };
}

function byAddress(a: { cidr: string }, b: { cidr: string }): number {
  const x = parseCIDR(a.cidr);
  const y = parseCIDR(b.cidr);
  return x.family !== y.family ? x.family - y.family : x.base < y.base ? -1 : x.base > y.base ? 1 : 0;
}

export function utilization(pools: PoolView[], blocks: IPAMBlock[], reserved: CIDR[]): PoolUsage[] {
  const out: PoolUsage[] = [];
  const placed = new Set<string>();
  for (const p of pools) {
    const mine = blocks.filter((b) => cidrContainsCIDR(p.cidr, blockCIDR(b.spec!)));
    mine.forEach((b) => placed.add(b.spec!.cidr));
    const usages = mine.map((b) => blockUsage(b, reserved)).sort(byAddress);
    const capacity = Number(cidrSize(p.cidr));
    const inUse = usages.reduce((n, u) => n + u.inUse, 0);
    const reservedCount = countReserved(p.cidr, reserved);
    // Addresses both allocated and reserved are only subtracted once: per block that is
    // reserved - (capacity - inUse - free).
    const reservedInUse = usages.reduce((n, u) => n + u.reserved - (u.capacity - u.inUse - u.free), 0);
    out.push({ pool: p, cidr: p.cidrText, capacity, inUse, reserved: reservedCount, free: capacity - inUse - (reservedCount - reservedInUse), blocks: usages });
  }
  const orphans = blocks.filter((b) => !placed.has(b.spec!.cidr)).map((b) => blockUsage(b, reserved)).sort(byAddress);
  if (orphans.length > 0) {
    const sum = (k: keyof Usage): number => orphans.reduce((n, u) => n + (u[k] as number), 0);
    out.push({ pool: undefined, cidr: '', capacity: sum('capacity'), inUse: sum('inUse'), reserved: sum('reserved'), free: sum('free'), blocks: orphans });
  }
  return out;
}
