/**
 * nf_tables rule expressions (the subset the Calico rule shapes need) and their netlink encoding.
 * Register numbers are the 128-bit NFT_REG_1.. as nft 1.0.6 emits them.
 */
import { endianness } from 'node:os';
import * as C from './constants.js';
import type { NlWriter } from './nlattr.js';

export type Verdict =
  | { kind: 'accept' }
  | { kind: 'drop' }
  | { kind: 'return' }
  | { kind: 'continue' }
  | { kind: 'jump' | 'goto'; chain: string };

export type Expr =
  | { type: 'payload'; base: 'll' | 'network' | 'transport'; offset: number; len: number; dreg: number }
  | { type: 'cmp'; sreg: number; op: CmpOp; data: Buffer }
  | { type: 'range'; sreg: number; op: 'eq' | 'neq'; from: Buffer; to: Buffer }
  /** `set` names a set in the table; `anon` instead indexes the rule's own anonymous sets (see AnonSet). */
  | { type: 'lookup'; sreg: number; set?: string; anon?: number; invert?: boolean }
  | { type: 'meta'; key: 'mark' | 'l4proto'; dreg: number }
  | { type: 'metaSet'; key: 'mark'; sreg: number }
  | { type: 'bitwise'; sreg: number; dreg: number; mask: Buffer; xor: Buffer }
  | { type: 'immediate'; verdict: Verdict }
  | { type: 'counter' }
  | { type: 'log'; prefix: string }
  | { type: 'reject'; icmpCode: number };

export type CmpOp = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte';
const CMP_OP: Record<CmpOp, number> = { eq: C.NFT_CMP_EQ, neq: C.NFT_CMP_NEQ, lt: C.NFT_CMP_LT, lte: C.NFT_CMP_LTE, gt: C.NFT_CMP_GT, gte: C.NFT_CMP_GTE };

const PAYLOAD_BASE = { ll: C.NFT_PAYLOAD_LL_HEADER, network: C.NFT_PAYLOAD_NETWORK_HEADER, transport: C.NFT_PAYLOAD_TRANSPORT_HEADER };
const META_KEY = { mark: C.NFT_META_MARK, l4proto: C.NFT_META_L4PROTO };

function verdictCode(v: Verdict): number {
  switch (v.kind) {
    case 'accept': return C.NF_ACCEPT;
    case 'drop': return C.NF_DROP;
    case 'return': return C.NFT_RETURN;
    case 'continue': return C.NFT_CONTINUE;
    case 'jump': return C.NFT_JUMP;
    case 'goto': return C.NFT_GOTO;
  }
}

function exprName(e: Expr): string {
  return e.type === 'metaSet' ? 'meta' : e.type;
}

function writeData(w: NlWriter, type: number, data: Buffer): void {
  w.nest(type, (d) => d.attr(C.NFTA_DATA_VALUE, data));
}

function writeExprData(w: NlWriter, e: Expr): void {
  switch (e.type) {
    case 'payload':
      w.be32(C.NFTA_PAYLOAD_DREG, e.dreg).be32(C.NFTA_PAYLOAD_BASE, PAYLOAD_BASE[e.base])
        .be32(C.NFTA_PAYLOAD_OFFSET, e.offset).be32(C.NFTA_PAYLOAD_LEN, e.len);
      return;
    case 'cmp':
      w.be32(C.NFTA_CMP_SREG, e.sreg).be32(C.NFTA_CMP_OP, CMP_OP[e.op]);
      writeData(w, C.NFTA_CMP_DATA, e.data);
      return;
    case 'range':
      w.be32(C.NFTA_RANGE_SREG, e.sreg).be32(C.NFTA_RANGE_OP, e.op === 'eq' ? C.NFT_RANGE_EQ : C.NFT_RANGE_NEQ);
      writeData(w, C.NFTA_RANGE_FROM_DATA, e.from);
      writeData(w, C.NFTA_RANGE_TO_DATA, e.to);
      return;
    case 'log':
      w.str(C.NFTA_LOG_PREFIX, e.prefix);
      return;
    case 'reject':
      w.be32(C.NFTA_REJECT_TYPE, C.NFT_REJECT_ICMP_UNREACH).attr(C.NFTA_REJECT_ICMP_CODE, Buffer.from([e.icmpCode]));
      return;
    case 'lookup':
      if (e.set === undefined) throw new Error('lookup of an anonymous set not bound to a set id');
      w.str(C.NFTA_LOOKUP_SET, e.set).be32(C.NFTA_LOOKUP_SREG, e.sreg);
      if (e.anon !== undefined) w.be32(C.NFTA_LOOKUP_SET_ID, e.anon);
      if (e.invert) w.be32(C.NFTA_LOOKUP_FLAGS, C.NFT_LOOKUP_F_INV);
      return;
    case 'meta':
      w.be32(C.NFTA_META_KEY, META_KEY[e.key]).be32(C.NFTA_META_DREG, e.dreg);
      return;
    case 'metaSet':
      w.be32(C.NFTA_META_KEY, META_KEY[e.key]).be32(C.NFTA_META_SREG, e.sreg);
      return;
    case 'bitwise':
      if (e.mask.length !== e.xor.length) throw new Error('bitwise mask/xor length differ');
      w.be32(C.NFTA_BITWISE_SREG, e.sreg).be32(C.NFTA_BITWISE_DREG, e.dreg).be32(C.NFTA_BITWISE_LEN, e.mask.length);
      writeData(w, C.NFTA_BITWISE_MASK, e.mask);
      writeData(w, C.NFTA_BITWISE_XOR, e.xor);
      return;
    case 'immediate':
      w.be32(C.NFTA_IMMEDIATE_DREG, C.NFT_REG_VERDICT);
      w.nest(C.NFTA_IMMEDIATE_DATA, (d) =>
        d.nest(C.NFTA_DATA_VERDICT, (v) => {
          v.be32(C.NFTA_VERDICT_CODE, verdictCode(e.verdict));
          if (e.verdict.kind === 'jump' || e.verdict.kind === 'goto') v.str(C.NFTA_VERDICT_CHAIN, e.verdict.chain);
        }),
      );
      return;
    case 'counter':
      w.be64(C.NFTA_COUNTER_BYTES, 0n).be64(C.NFTA_COUNTER_PACKETS, 0n);
      return;
  }
}

export function writeExpressions(w: NlWriter, exprs: readonly Expr[]): void {
  w.nest(C.NFTA_RULE_EXPRESSIONS, (list) => {
    for (const e of exprs) {
      list.nest(C.NFTA_LIST_ELEM, (x) => {
        x.str(C.NFTA_EXPR_NAME, exprName(e));
        x.nest(C.NFTA_EXPR_DATA, (d) => writeExprData(d, e));
      });
    }
  });
}

/**
 * A rule's anonymous set (`{ 80, 443 }`, `{ 10.0.0.0/8, 192.0.2.1 }`): constant, created in the same
 * batch as the rule. Interval sets hold each range as a start element and an INTERVAL_END element.
 */
export interface AnonSet {
  keyType: number;
  keyLen: number;
  interval: boolean;
  elements: Array<{ key: Buffer; end?: boolean; open?: boolean }>;
}

/** Host-order u32 (meta mark is a host-order register value). */
export function u32host(v: number): Buffer {
  const b = Buffer.alloc(4);
  if (endianness() === 'LE') b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b;
}

/** nft comment as rule userdata: NFTNL_UDATA_RULE_COMMENT (0), NUL-terminated. */
export function commentUserdata(comment: string): Buffer {
  const s = Buffer.from(comment + '\0', 'utf8');
  if (s.length > 255) throw new RangeError('comment too long');
  return Buffer.concat([Buffer.from([0, s.length]), s]);
}
