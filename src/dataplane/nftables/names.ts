/**
 * Calico's names and mark bits as they appear in our nftables tables.
 *
 * Felix's nftables mode keeps one table per family (`ip calico`, `ip6 calico`); we add workload shard tables
 * beside it (`calico-wl<n>`, see table.ts), whose chains and sets keep the same names. Filter-layer chains keep
 * Felix's iptables names (`cali-tw-<iface>`, `cali-pi-<id>`); chains that exist once per layer (base chains,
 * and policy chains rendered for the raw/mangle layers) carry the layer as a prefix (`filter-FORWARD`,
 * `raw-cali-pi-<id>`), as Felix's nftables table layer does.
 *
 * nft 1.0.6 cannot quote chain or set names, so a name must be a plain nft identifier. Every name we emit
 * starts with a fixed prefix (`cali`, `filter-`, `raw-`, `mangle-`, `nat-`), so none can be an nft keyword
 * (the `chain fwd` pitfall); an ID with characters outside the identifier alphabet is hashed instead.
 */
import { createHash } from 'node:crypto';

export type NftFamily = 'ip' | 'ip6';

export const TABLE_NAME = 'calico';

/** Mark bits, allocated from the lowest bit of Felix's default mark mask 0xffff0000. */
export const MARK_ACCEPT = 0x10000;
export const MARK_PASS = 0x20000;
/** Clears accept and pass together. */
export const MARK_CLEAR_ACCEPT_PASS = (0xffffffff & ~(MARK_ACCEPT | MARK_PASS)) >>> 0;
export const MARK_CLEAR_PASS = (0xffffffff & ~MARK_PASS) >>> 0;

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

// Rule fragments for the mark scheme (shared by every chain builder).
export const SET_ACCEPT = `meta mark set meta mark | ${hex(MARK_ACCEPT)}`;
export const SET_PASS = `meta mark set meta mark | ${hex(MARK_PASS)}`;
export const IF_ACCEPTED = `meta mark & ${hex(MARK_ACCEPT)} == ${hex(MARK_ACCEPT)}`;
export const IF_NOT_PASSED = `meta mark & ${hex(MARK_PASS)} == 0x0`;
export const IF_NOT_ACCEPTED = `meta mark & ${hex(MARK_ACCEPT)} == 0x0`;
/** Neither accepted nor passed yet in this tier. */
export const IF_UNDECIDED = `meta mark & ${hex(MARK_ACCEPT | MARK_PASS)} == 0x0`;
export const CLEAR_ACCEPT_PASS = `meta mark set meta mark & ${hex(MARK_CLEAR_ACCEPT_PASS)}`;
export const CLEAR_PASS = `meta mark set meta mark & ${hex(MARK_CLEAR_PASS)}`;

/** Longest chain name we emit; the kernel allows 256 bytes, keep a margin. */
const MAX_CHAIN_NAME = 200;
const IDENT = /^[A-Za-z0-9_./-]+$/;

/** `prefix + id`, or `prefix + "_" + base64url(sha256(id))` when id is not a safe nft identifier. */
export function chainName(prefix: string, id: string): string {
  const plain = prefix + id;
  if (IDENT.test(id) && plain.length <= MAX_CHAIN_NAME) return plain;
  return `${prefix}_${createHash('sha256').update(id).digest('base64url').slice(0, 40)}`;
}

/** Which direction an endpoint or policy chain is for. */
export type Direction = 'ingress' | 'egress';

export function policyChainName(key: string, dir: Direction, layer = ''): string {
  return chainName(`${layer}${dir === 'ingress' ? 'cali-pi-' : 'cali-po-'}`, key);
}

export function profileChainName(name: string, dir: Direction): string {
  return chainName(dir === 'ingress' ? 'cali-pri-' : 'cali-pro-', name);
}

/**
 * Felix's IP set name: `cali4`/`cali6` + `0` + set ID, truncated to 31 characters, with `:` (and any other
 * character nft does not accept in a name) replaced by `-`.
 */
export function ipSetName(family: NftFamily, id: string): string {
  const raw = `cali${family === 'ip' ? '4' : '6'}0${id}`.slice(0, 31);
  return raw.replace(/[^A-Za-z0-9_.-]/g, '-');
}

/** Workload dispatch: the verdict maps (interface → endpoint chain) and the chains that look them up. */
export const WL_TO_DISPATCH = 'cali-to-wl-dispatch';
export const WL_FROM_DISPATCH = 'cali-from-wl-dispatch';

/**
 * Interfaces whose workload chain (`cali-tw-` / `cali-fw-`) is programmed, for the conntrack rule the
 * workload dispatch chains apply before jumping to it (see table.ts).
 */
export const WL_TO_PROGRAMMED = 'cali-to-wl-programmed';
export const WL_FROM_PROGRAMMED = 'cali-from-wl-programmed';

/** Static sets for NAT outgoing (Felix's `masq-ipam-pools` and `all-ipam-pools`). */
export function masqPoolsSetName(family: NftFamily): string {
  return ipSetName(family, 'masq-ipam-pools');
}
export function allPoolsSetName(family: NftFamily): string {
  return ipSetName(family, 'all-ipam-pools');
}

/** `*` host endpoints have no interface name to put in a chain name. */
export function hostEndpointIfaceId(interfaceName: string): string {
  return interfaceName === '*' ? 'any-interface' : interfaceName;
}

/** Quote a string for nft (interface names, comments, log prefixes): nft strings cannot contain `"`. */
export function nftString(s: string, max = 127): string {
  return `"${s.replace(/["\\\n\r]/g, '_').slice(0, max)}"`;
}
