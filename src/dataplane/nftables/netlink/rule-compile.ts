/**
 * nft rule text, as our renderers write it (rule-render.ts, names.ts), to nf_tables expressions, so
 * that a chain can be rewritten over netlink without `nft`. Pure.
 *
 * Only the statement forms we emit are understood; anything else (`ct`, `iifname`, overlapping
 * ranges in a `{ ... }` list, ...) returns undefined and the caller sends that chain through nft instead. The encoding
 * follows nft 1.0.6's own (`nft --debug=netlink`): shortened loads for byte-aligned prefixes, `cmp gte`
 * + `cmp lte` for a port range, an implicit `meta l4proto` before ICMP header matches. The kernel
 * differential test (test/dataplane/netlink-rules.test.ts) checks that both list alike.
 */
import type { NftFamily } from '../names.js';
import * as C from './constants.js';
import { commentUserdata, u32host, type AnonSet, type CmpOp, type Expr } from './exprs.js';

export interface CompiledRule {
  exprs: Expr[];
  userdata?: Buffer;
  /** Anonymous sets the rule's lookups refer to by index (`anon`). */
  anonSets?: AnonSet[];
}

const PROTOCOLS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, 'ipv6-icmp': 58, sctp: 132, udplite: 136 };
/** Registers: NFT_REG_1 (16 bytes), and the 32-bit registers nft uses for concatenation parts. */
const REG1 = 1;

class Unsupported extends Error {}

function fail(): never {
  throw new Unsupported();
}

/** Splits on spaces, keeping "quoted strings" (no escapes: nftString never writes one) as one token. */
function tokenize(line: string): string[] {
  const out: string[] = [];
  const re = /"[^"]*"|\S+/g;
  for (const m of line.matchAll(re)) out.push(m[0]);
  return out;
}

function protocolNumber(tok: string): number {
  const n = PROTOCOLS[tok] ?? (/^\d+$/.test(tok) ? Number(tok) : NaN);
  if (!Number.isInteger(n) || n < 0 || n > 255) fail();
  return n;
}

function be16(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) fail();
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function parseIPv4(s: string): Buffer {
  const parts = s.split('.');
  if (parts.length !== 4) fail();
  return Buffer.from(parts.map((p) => {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) fail();
    return Number(p);
  }));
}

function parseIPv6(s: string): Buffer {
  if (!/^[0-9a-fA-F:]+$/.test(s) || s.split('::').length > 2) fail();
  const [head, tail] = s.includes('::') ? s.split('::') as [string, string] : [s, undefined];
  const hs = head === '' ? [] : head.split(':');
  const ts = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? 0 : 8 - hs.length - ts.length;
  if (zeros < 0 || (tail === undefined && hs.length !== 8)) fail();
  const groups = [...hs, ...Array<string>(zeros).fill('0'), ...ts];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) fail();
    b.writeUInt16BE(parseInt(g, 16), i * 2);
  });
  return b;
}

/** `10.0.0.0/8` → address bytes and prefix length (host bits must be zero, as nft requires). */
export function parseCidr(family: NftFamily, s: string): { addr: Buffer; bits: number } {
  const [a, p] = s.split('/');
  const addr = family === 'ip' ? parseIPv4(a!) : parseIPv6(a!);
  const max = addr.length * 8;
  const bits = p === undefined ? max : /^\d+$/.test(p) ? Number(p) : NaN;
  if (!Number.isInteger(bits) || bits < 0 || bits > max) fail();
  const mask = prefixMask(addr.length, bits);
  if (addr.some((byte, i) => (byte & ~mask[i]!) !== 0)) fail();
  return { addr, bits };
}

/** A CIDR in a rule match. A /0 there matches everything and we have not checked how nft encodes it: nft's job. */
function matchCidr(family: NftFamily, s: string): { addr: Buffer; bits: number } {
  const c = parseCidr(family, s);
  if (c.bits === 0) fail();
  return c;
}

function prefixMask(len: number, bits: number): Buffer {
  const m = Buffer.alloc(len);
  for (let i = 0; i < len; i++) {
    const b = Math.max(0, Math.min(8, bits - i * 8));
    m[i] = (0xff << (8 - b)) & 0xff;
  }
  return m;
}

export function toBig(b: Buffer): bigint {
  return b.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
}

export function fromBig(n: bigint, len: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = len - 1; i >= 0; i--) {
    b[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return b;
}

/**
 * The anonymous set for closed ranges [lo, hi] of `len`-byte keys: plain keys (duplicates dropped) when
 * `interval` is false, else start/end pairs with overlapping and adjacent ranges merged, as nft does.
 */
function anonSet(keyType: number, len: number, ranges: Array<[bigint, bigint]>, interval: boolean): AnonSet {
  const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged: Array<[bigint, bigint]> = [];
  for (const [lo, hi] of sorted) {
    const last = merged.at(-1);
    if (last && (interval ? lo <= last[1] + 1n : lo === last[0])) last[1] = hi > last[1] ? hi : last[1];
    else merged.push([lo, hi]);
  }
  const max = (1n << BigInt(len * 8)) - 1n;
  const elements: AnonSet['elements'] = [];
  for (const [lo, hi] of merged) {
    if (!interval) {
      elements.push({ key: fromBig(lo, len) });
    } else if (hi === max) {
      elements.push({ key: fromBig(lo, len), open: true });
    } else {
      elements.push({ key: fromBig(lo, len) }, { key: fromBig(hi + 1n, len), end: true });
    }
  }
  return { keyType, keyLen: len, interval, elements };
}

function addrOffset(family: NftFamily, side: string): number {
  if (side === 'saddr') return family === 'ip' ? 12 : 8;
  if (side === 'daddr') return family === 'ip' ? 16 : 24;
  return fail();
}

function portOffset(side: string): number {
  if (side === 'sport') return 0;
  if (side === 'dport') return 2;
  return fail();
}

function cmpOp(neg: boolean): CmpOp {
  return neg ? 'neq' : 'eq';
}

/** Reads a token stream statement by statement. */
class Reader {
  #i = 0;
  constructor(readonly toks: string[]) {}
  get done(): boolean {
    return this.#i >= this.toks.length;
  }
  peek(k = 0): string | undefined {
    return this.toks[this.#i + k];
  }
  next(): string {
    const t = this.toks[this.#i++];
    if (t === undefined) fail();
    return t;
  }
  expect(t: string): void {
    if (this.next() !== t) fail();
  }
  /** `{ a, b, c }` after the `{` has been read: the items, commas dropped. */
  list(): string[] {
    const items: string[] = [];
    for (;;) {
      const t = this.next();
      if (t === '}') break;
      for (const part of t.split(',')) if (part !== '') items.push(part);
    }
    if (items.length === 0) fail();
    return items;
  }
  /** Consumes `!=` if present. */
  negation(): boolean {
    if (this.peek() !== '!=') return false;
    this.#i++;
    return true;
  }
}

function parseHex(tok: string): number {
  if (!/^0x[0-9a-fA-F]{1,8}$/.test(tok)) fail();
  return parseInt(tok, 16) >>> 0;
}

function unquote(tok: string): string {
  if (!/^"[^"]*"$/.test(tok)) fail();
  return tok.slice(1, -1);
}

/** `ip saddr ...`: an address, a prefix, or a named set; or the start of a named-port concatenation. */
function addressMatch(r: Reader, family: NftFamily, out: Expr[], anon: AnonSet[]): void {
  const side = r.next();
  const offset = addrOffset(family, side);
  const addrLen = family === 'ip' ? 4 : 16;
  if (r.peek() === '.') {
    // `ip daddr . meta l4proto . th dport [!=] @set`: each part in its own 32-bit register(s).
    r.expect('.');
    r.expect('meta');
    r.expect('l4proto');
    r.expect('.');
    r.expect('th');
    const portOff = portOffset(r.next());
    const neg = r.negation();
    const set = r.next();
    if (!set.startsWith('@')) fail();
    const protoReg = family === 'ip' ? 9 : 12;
    out.push(
      { type: 'payload', base: 'network', offset, len: addrLen, dreg: REG1 },
      { type: 'meta', key: 'l4proto', dreg: protoReg },
      { type: 'payload', base: 'transport', offset: portOff, len: 2, dreg: protoReg + 1 },
      { type: 'lookup', sreg: REG1, set: set.slice(1), invert: neg },
    );
    return;
  }
  const neg = r.negation();
  const value = r.next();
  if (value.startsWith('@')) {
    out.push({ type: 'payload', base: 'network', offset, len: addrLen, dreg: REG1 }, { type: 'lookup', sreg: REG1, set: value.slice(1), invert: neg });
    return;
  }
  if (value === '{') {
    const nets = r.list().map((n) => matchCidr(family, n));
    const ranges = nets.map(({ addr, bits }): [bigint, bigint] => {
      const lo = toBig(addr);
      return [lo, lo | ((1n << BigInt(addrLen * 8 - bits)) - 1n)];
    });
    const interval = nets.some((n) => n.bits < addrLen * 8);
    anon.push(anonSet(family === 'ip' ? C.TYPE_IPADDR : C.TYPE_IP6ADDR, addrLen, ranges, interval));
    out.push({ type: 'payload', base: 'network', offset, len: addrLen, dreg: REG1 }, { type: 'lookup', sreg: REG1, anon: anon.length - 1, invert: neg });
    return;
  }
  const { addr, bits } = matchCidr(family, value);
  if (bits % 8 === 0) {
    // Byte-aligned prefix: load only the prefix bytes, as nft does.
    out.push({ type: 'payload', base: 'network', offset, len: bits / 8, dreg: REG1 }, { type: 'cmp', sreg: REG1, op: cmpOp(neg), data: addr.subarray(0, bits / 8) });
    return;
  }
  out.push(
    { type: 'payload', base: 'network', offset, len: addrLen, dreg: REG1 },
    { type: 'bitwise', sreg: REG1, dreg: REG1, mask: prefixMask(addrLen, bits), xor: Buffer.alloc(addrLen) },
    { type: 'cmp', sreg: REG1, op: cmpOp(neg), data: addr },
  );
}

/** `th dport [!=] 80` or `80-90`. */
function portMatch(r: Reader, out: Expr[], anon: AnonSet[]): void {
  const offset = portOffset(r.next());
  const neg = r.negation();
  const value = r.next();
  out.push({ type: 'payload', base: 'transport', offset, len: 2, dreg: REG1 });
  if (value === '{') {
    const ranges = r.list().map((item): [bigint, bigint] => {
      const m = /^(\d+)(?:-(\d+))?$/.exec(item);
      if (!m) fail();
      const lo = Number(m[1]);
      const hi = m[2] === undefined ? lo : Number(m[2]);
      if (lo > hi || hi > 0xffff) fail();
      return [BigInt(lo), BigInt(hi)];
    });
    anon.push(anonSet(C.TYPE_INET_SERVICE, 2, ranges, ranges.some(([lo, hi]) => lo !== hi)));
    out.push({ type: 'lookup', sreg: REG1, anon: anon.length - 1, invert: neg });
    return;
  }
  const range = /^(\d+)-(\d+)$/.exec(value);
  if (range) {
    const from = be16(Number(range[1]));
    const to = be16(Number(range[2]));
    if (neg) out.push({ type: 'range', sreg: REG1, op: 'neq', from, to });
    else out.push({ type: 'cmp', sreg: REG1, op: 'gte', data: from }, { type: 'cmp', sreg: REG1, op: 'lte', data: to });
    return;
  }
  if (!/^\d+$/.test(value)) fail();
  out.push({ type: 'cmp', sreg: REG1, op: cmpOp(neg), data: be16(Number(value)) });
}

/** `icmp type [!=] 8 [icmp code 0]`, with nft's implicit protocol match unless one precedes it. */
function icmpMatch(r: Reader, family: NftFamily, kw: string, out: Expr[], protocolSeen: number | undefined): void {
  if ((family === 'ip') !== (kw === 'icmp')) fail();
  const proto = family === 'ip' ? 1 : 58;
  if (protocolSeen !== proto) {
    out.push({ type: 'meta', key: 'l4proto', dreg: REG1 }, { type: 'cmp', sreg: REG1, op: 'eq', data: Buffer.from([proto]) });
  }
  const field = r.next();
  const offset = field === 'type' ? 0 : field === 'code' ? 1 : fail();
  const neg = r.negation();
  const value = r.next();
  if (!/^\d{1,3}$/.test(value) || Number(value) > 255) fail();
  out.push({ type: 'payload', base: 'transport', offset, len: 1, dreg: REG1 }, { type: 'cmp', sreg: REG1, op: cmpOp(neg), data: Buffer.from([Number(value)]) });
}

/** `meta mark set meta mark | X` / `& X`, and `meta mark & X == Y`. */
function markStatement(r: Reader, out: Expr[]): void {
  r.expect('mark');
  if (r.peek() === 'set') {
    r.expect('set');
    r.expect('meta');
    r.expect('mark');
    const op = r.next();
    const v = parseHex(r.next());
    const [mask, xor] = op === '|' ? [~v >>> 0, v] : op === '&' ? [v, 0] : fail();
    out.push(
      { type: 'meta', key: 'mark', dreg: REG1 },
      { type: 'bitwise', sreg: REG1, dreg: REG1, mask: u32host(mask), xor: u32host(xor) },
      { type: 'metaSet', key: 'mark', sreg: REG1 },
    );
    return;
  }
  r.expect('&');
  const mask = parseHex(r.next());
  const op = r.next();
  if (op !== '==' && op !== '!=') fail();
  const value = parseHex(r.next());
  out.push(
    { type: 'meta', key: 'mark', dreg: REG1 },
    { type: 'bitwise', sreg: REG1, dreg: REG1, mask: u32host(mask), xor: u32host(0) },
    { type: 'cmp', sreg: REG1, op: op === '==' ? 'eq' : 'neq', data: u32host(value) },
  );
}

/**
 * Compiles one rule line for `family`; undefined when the line uses a form this compiler does not know.
 * @example compileRule('ip', 'ip saddr @cali40s-x th dport 80 drop comment "cali:abc"')
 */
export function compileRule(family: NftFamily, line: string): CompiledRule | undefined {
  try {
    return compile(family, tokenize(line));
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}

function compile(family: NftFamily, toks: string[]): CompiledRule {
  const r = new Reader(toks);
  const exprs: Expr[] = [];
  const anon: AnonSet[] = [];
  let userdata: Buffer | undefined;
  let protocolSeen: number | undefined;
  let ended = false;
  while (!r.done) {
    const t = r.next();
    if (ended && t !== 'comment') fail();
    switch (t) {
      case 'meta':
        if (r.peek() === 'l4proto') {
          r.expect('l4proto');
          const neg = r.negation();
          const p = protocolNumber(r.next());
          exprs.push({ type: 'meta', key: 'l4proto', dreg: REG1 }, { type: 'cmp', sreg: REG1, op: cmpOp(neg), data: Buffer.from([p]) });
          if (!neg) protocolSeen = p;
        } else {
          markStatement(r, exprs);
        }
        break;
      case 'ip':
      case 'ip6':
        if ((t === 'ip') !== (family === 'ip')) fail();
        addressMatch(r, family, exprs, anon);
        break;
      case 'th':
        portMatch(r, exprs, anon);
        break;
      case 'icmp':
      case 'icmpv6':
        icmpMatch(r, family, t, exprs, protocolSeen);
        break;
      case 'accept':
      case 'drop':
      case 'return':
        exprs.push({ type: 'immediate', verdict: { kind: t } });
        ended = true;
        break;
      case 'jump':
      case 'goto':
        exprs.push({ type: 'immediate', verdict: { kind: t, chain: r.next() } });
        ended = true;
        break;
      case 'reject':
        exprs.push({ type: 'reject', icmpCode: family === 'ip' ? 3 : 4 });
        ended = true;
        break;
      case 'log':
        r.expect('prefix');
        exprs.push({ type: 'log', prefix: unquote(r.next()) });
        break;
      case 'comment':
        userdata = commentUserdata(unquote(r.next()));
        if (!r.done) fail();
        break;
      default:
        fail();
    }
  }
  return { exprs, ...(userdata ? { userdata } : {}), ...(anon.length > 0 ? { anonSets: anon } : {}) };
}
