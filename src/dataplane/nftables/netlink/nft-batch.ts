/**
 * Builds one nf_tables transaction: BATCH_BEGIN, commands, BATCH_END, in one buffer (one sendmsg).
 * Messages carry batch-relative sequence numbers 0..n+1 (BEGIN = 0, commands 1..n, END = n+1);
 * NftSocket.commit() rewrites them to socket-unique numbers just before sending, so batches can be built
 * independently of the socket and errors still map back to the command.
 */
import * as C from './constants.js';
import { NlWriter } from './nlattr.js';
import { u32host, writeExpressions, type AnonSet, type Expr } from './exprs.js';

const nftType = (msg: number): number => (C.NFNL_SUBSYS_NFTABLES << 8) | msg;

export type Family = 'ip' | 'ip6' | 'inet';
const FAMILY: Record<Family, number> = { ip: C.NFPROTO_IPV4, ip6: C.NFPROTO_IPV6, inet: C.NFPROTO_INET };

export interface BatchOptions {
  /** Ask for an ack per command (NLM_F_ACK). Errors are reported either way. Default true. */
  ack?: boolean;
  /** NFNL_BATCH_GENID: the kernel refuses the batch with ERESTART if the ruleset generation moved on. */
  genId?: number;
}

export interface EncodedBatch {
  bytes: Buffer;
  /** Number of netlink messages (BEGIN + commands + END). */
  messages: number;
  /** Relative seq (1..n) -> human description of each command, for error messages. */
  commands: Map<number, string>;
  acked: boolean;
}

export type SetElement = AnonSet['elements'][number];

function writeElements(w: NlWriter, elements: readonly SetElement[]): void {
  w.nest(C.NFTA_SET_ELEM_LIST_ELEMENTS, (list) => {
    for (const e of elements) {
      list.nest(C.NFTA_LIST_ELEM, (el) => {
        if (e.end) el.be32(C.NFTA_SET_ELEM_FLAGS, C.NFT_SET_ELEM_INTERVAL_END);
        el.nest(C.NFTA_SET_ELEM_KEY, (k) => k.attr(C.NFTA_DATA_VALUE, e.key));
        // libnftnl NFTNL_UDATA_SET_ELEM_FLAGS = INTERVAL_OPEN: a range up to the largest key has no end element.
        if (e.open) el.attr(C.NFTA_SET_ELEM_USERDATA, Buffer.concat([Buffer.from([1, 4]), u32host(1)]));
      });
    }
  });
}

export class NftBatch {
  private readonly w = new NlWriter();
  private readonly commands = new Map<number, string>();
  private seq = 0;
  private setId = 0;
  private readonly ack: boolean;

  constructor(opts: BatchOptions = {}) {
    this.ack = opts.ack ?? true;
    const m = this.w.beginMsg(C.NFNL_MSG_BATCH_BEGIN, C.NLM_F_REQUEST, this.seq++, C.NFPROTO_UNSPEC, C.NFNL_SUBSYS_NFTABLES);
    if (opts.genId !== undefined) this.w.be32(C.NFNL_BATCH_GENID, opts.genId);
    this.w.endMsg(m);
  }

  private cmd(msg: number, extraFlags: number, family: Family, what: string, fill: (w: NlWriter) => void): this {
    const seq = this.seq++;
    const flags = C.NLM_F_REQUEST | extraFlags | (this.ack ? C.NLM_F_ACK : 0);
    const m = this.w.beginMsg(nftType(msg), flags, seq, FAMILY[family], 0);
    fill(this.w);
    this.w.endMsg(m);
    this.commands.set(seq, what);
    return this;
  }

  /** `flush chain`: DELRULE with table and chain only. */
  flushChain(family: Family, table: string, chain: string): this {
    return this.cmd(C.NFT_MSG_DELRULE, 0, family, `flush chain ${family} ${table} ${chain}`, (w) => {
      w.str(C.NFTA_RULE_TABLE, table).str(C.NFTA_RULE_CHAIN, chain);
    });
  }

  /** `add rule` (appended), creating its anonymous sets first; `anon: k` lookups refer to `anonSets[k]`. */
  addRule(family: Family, table: string, chain: string, exprs: readonly Expr[], userdata?: Buffer, anonSets: readonly AnonSet[] = []): this {
    const ids = anonSets.map((set) => this.anonSet(family, table, set));
    const bound = exprs.map((e) => (e.type === 'lookup' && e.anon !== undefined ? { ...e, set: '__set%d', anon: ids[e.anon]! } : e));
    return this.cmd(C.NFT_MSG_NEWRULE, C.NLM_F_CREATE | C.NLM_F_APPEND, family, `add rule ${family} ${table} ${chain}`, (w) => {
      w.str(C.NFTA_RULE_TABLE, table).str(C.NFTA_RULE_CHAIN, chain);
      writeExpressions(w, bound);
      if (userdata) w.attr(C.NFTA_RULE_USERDATA, userdata);
    });
  }

  /** `add element` / `delete element` on a named set. */
  setElements(op: 'add' | 'delete', family: Family, table: string, set: string, elements: readonly SetElement[]): this {
    const msg = op === 'add' ? C.NFT_MSG_NEWSETELEM : C.NFT_MSG_DELSETELEM;
    return this.cmd(msg, op === 'add' ? C.NLM_F_CREATE : 0, family, `${op} element ${family} ${table} ${set}`, (w) => {
      w.str(C.NFTA_SET_ELEM_LIST_TABLE, table).str(C.NFTA_SET_ELEM_LIST_SET, set);
      writeElements(w, elements);
    });
  }

  /** NEWSET + NEWSETELEM for one anonymous set, as nft sends them; returns its batch-local set id. */
  private anonSet(family: Family, table: string, set: AnonSet): number {
    const id = ++this.setId;
    const flags = C.NFT_SET_ANONYMOUS | C.NFT_SET_CONSTANT | (set.interval ? C.NFT_SET_INTERVAL : 0);
    this.cmd(C.NFT_MSG_NEWSET, C.NLM_F_CREATE, family, `add anonymous set to ${family} ${table}`, (w) => {
      w.str(C.NFTA_SET_TABLE, table).str(C.NFTA_SET_NAME, '__set%d').be32(C.NFTA_SET_FLAGS, flags)
        .be32(C.NFTA_SET_KEY_TYPE, set.keyType).be32(C.NFTA_SET_KEY_LEN, set.keyLen).be32(C.NFTA_SET_ID, id);
      w.nest(C.NFTA_SET_DESC, (d) => d.be32(C.NFTA_SET_DESC_SIZE, set.elements.length));
      w.attr(C.NFTA_SET_USERDATA, Buffer.concat([Buffer.from([C.NFTNL_UDATA_SET_KEYBYTEORDER, 4]), u32host(C.BYTEORDER_BIG_ENDIAN)]));
    });
    this.cmd(C.NFT_MSG_NEWSETELEM, C.NLM_F_CREATE, family, `add elements to anonymous set in ${family} ${table}`, (w) => {
      w.str(C.NFTA_SET_ELEM_LIST_TABLE, table).str(C.NFTA_SET_ELEM_LIST_SET, '__set%d').be32(C.NFTA_SET_ELEM_LIST_SET_ID, id);
      writeElements(w, set.elements);
    });
    return id;
  }

  get size(): number {
    return this.commands.size;
  }

  /** Close the batch. The builder must not be used afterwards. */
  finish(): EncodedBatch {
    const endSeq = this.seq++;
    const m = this.w.beginMsg(C.NFNL_MSG_BATCH_END, C.NLM_F_REQUEST, endSeq, C.NFPROTO_UNSPEC, C.NFNL_SUBSYS_NFTABLES);
    this.w.endMsg(m);
    return { bytes: this.w.finish(), messages: endSeq + 1, commands: this.commands, acked: this.ack };
  }
}
