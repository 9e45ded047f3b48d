/**
 * A NETLINK_NETFILTER socket (via the `netlink` npm package's RawNetlinkSocket: a libuv-polled AF_NETLINK
 * socket) that commits nf_tables batches and reports per-command errors.
 *
 * Completion: the kernel processes a batch synchronously inside sendmsg() and queues every reply (acks,
 * errors, a commit error on the BATCH_BEGIN seq) before it looks at the next sendmsg. So after the batch
 * we send a GETGEN request (a barrier); its NEWGEN reply proves that all replies for the batch have been
 * received, and it carries the new ruleset generation id.
 *
 * The socket lives in the network namespace of the calling thread at creation time.
 */
import { getSystemErrorName } from 'node:util';
import { RawNetlinkSocket } from 'netlink';
import * as C from './constants.js';
import { NlWriter, parseAttrs, parseMessages, type NlMsg } from './nlattr.js';
import type { EncodedBatch } from './nft-batch.js';

const nftType = (msg: number): number => (C.NFNL_SUBSYS_NFTABLES << 8) | msg;

export interface CommandError {
  seq: number;
  /** Which command failed ('batch' for a commit / batch-level error). */
  command: string;
  errno: number;
  code: string;
  /** Extended ack message, if the kernel sent one. */
  extack?: string;
}

export class NftBatchError extends Error {
  constructor(readonly errors: CommandError[]) {
    super(errors.map((e) => `${e.command}: ${e.code} (${describeErrno(e.errno)})${e.extack ? ` ${e.extack}` : ''}`).join('; '));
    this.name = 'NftBatchError';
  }
}

/** nf_tables meanings of the errnos it returns. */
const NFT_ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such table/chain/set/element',
  EEXIST: 'exists (or interval overlaps an existing one)',
  EINVAL: 'invalid argument (malformed message, wrong key length, …)',
  EBUSY: 'resource busy (e.g. set or chain in use)',
  ELOOP: 'loop detected in jump/goto graph',
  EOPNOTSUPP: 'operation not supported',
  ERESTART: 'ruleset generation changed (NFNL_BATCH_GENID mismatch)',
  EPERM: 'operation not permitted (CAP_NET_ADMIN required)',
  ENOSPC: 'set is full',
  EMLINK: 'too many links / jump depth',
  ENOTEMPTY: 'interval overlap',
  E2BIG: 'too big',
};

export function describeErrno(errno: number): string {
  const code = errnoCode(errno);
  return NFT_ERRNO_TEXT[code] ?? code;
}

function errnoCode(errno: number): string {
  try {
    return getSystemErrorName(-Math.abs(errno));
  } catch {
    return `E${errno}`;
  }
}

/** Overwrite nlmsg_seq of every message in `bytes` with base, base+1, … (in place). */
function renumber(bytes: Buffer, base: number): void {
  let off = 0;
  let i = 0;
  while (off + 16 <= bytes.length) {
    const len = bytes.readUInt32LE(off);
    bytes.writeUInt32LE(base + i++, off + 8);
    off += (len + 3) & ~3;
  }
}

export interface CommitResult {
  /** Ruleset generation after the commit (from the barrier's NEWGEN). */
  genId: number;
  /** Number of positive acks received (== commands when acks were requested and all went well). */
  acks: number;
}

interface Pending {
  batch: EncodedBatch;
  base: number;
  barrierSeq: number;
  errors: CommandError[];
  acks: number;
  resolve: (r: CommitResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export interface NftSocketOptions {
  /** SO_RCVBUF; acks for big batches need room (each error echoes its request). Default 4 MiB. */
  recvBufferSize?: number;
  sendBufferSize?: number;
  timeoutMs?: number;
}

export class NftSocket {
  private readonly sock: RawNetlinkSocket;
  private seq = 1;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly timeoutMs: number;
  private closed = false;

  constructor(opts: NftSocketOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.sock = new RawNetlinkSocket(C.NETLINK_NETFILTER, {
      recvBufferSize: opts.recvBufferSize ?? 4 * 2 ** 20,
      sendBufferSize: opts.sendBufferSize ?? 4 * 2 ** 20,
    });
    this.sock.on('message', (buf: Buffer) => this.onData(buf));
    this.sock.on('truncatedMessage', () => this.fail(new Error('netlink: truncated reply')));
    this.sock.on('error', (err: Error) => this.fail(err));
  }

  /** Send one encoded batch and wait for the kernel's verdict. Calls are serialised. */
  commit(batch: EncodedBatch): Promise<CommitResult> {
    const run = (): Promise<CommitResult> =>
      new Promise<CommitResult>((resolve, reject) => {
        if (this.closed) return reject(new Error('NftSocket closed'));
        // Give the batch's messages the seqs base..base+messages-1 and the barrier the next one.
        if (this.seq + batch.messages + 1 > 0x7fffffff) this.seq = 1;
        const base = this.seq;
        renumber(batch.bytes, base);
        const barrierSeq = base + batch.messages;
        this.seq = barrierSeq + 1;
        const timer = setTimeout(() => this.fail(new Error(`netlink: no reply within ${this.timeoutMs} ms`)), this.timeoutMs);
        this.pending = { batch, base, barrierSeq, errors: [], acks: 0, resolve, reject, timer };
        const w = new NlWriter(64);
        const m = w.beginMsg(nftType(C.NFT_MSG_GETGEN), C.NLM_F_REQUEST, barrierSeq, C.NFPROTO_UNSPEC, 0);
        w.endMsg(m);
        const onSent = (err?: Error): void => {
          if (err) this.fail(err);
        };
        // Two sendmsg calls: the kernel treats everything in one datagram that starts with BATCH_BEGIN as the batch.
        this.sock.send(batch.bytes, undefined, onSent);
        this.sock.send(w.finish(), undefined, onSent);
      });
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fail(new Error('NftSocket closed'));
    this.sock.close();
  }

  private fail(err: Error): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    p.reject(err);
  }

  private onData(buf: Buffer): void {
    for (const msg of parseMessages(buf)) this.onMessage(msg);
  }

  private onMessage(msg: NlMsg): void {
    const p = this.pending;
    if (!p) return; // late reply for a failed/timed-out commit
    const { batch } = p;
    if (msg.type === C.NLMSG_ERROR) {
      const errno = -msg.payload.readInt32LE(0);
      const origSeq = msg.payload.readUInt32LE(4 + 8);
      if (errno === 0) {
        if (origSeq !== p.barrierSeq) p.acks++;
        return;
      }
      let extack: string | undefined;
      if (msg.flags & C.NLM_F_ACK_TLVS) {
        const origLen = msg.flags & C.NLM_F_CAPPED ? 16 : msg.payload.readUInt32LE(4);
        const tlvs = parseAttrs(msg.payload.subarray(4 + ((origLen + 3) & ~3)));
        extack = tlvs.get(C.NLMSGERR_ATTR_MSG)?.toString('utf8').replace(/\0+$/, '');
      }
      if (origSeq === p.barrierSeq) {
        p.errors.push({ seq: origSeq, command: 'getgen barrier', errno, code: errnoCode(errno), ...(extack ? { extack } : {}) });
        return this.settle(p, 0);
      }
      const rel = origSeq - p.base;
      const command = batch.commands.get(rel) ?? (rel === 0 ? 'batch (commit)' : `seq ${origSeq}`);
      p.errors.push({ seq: origSeq, command, errno, code: errnoCode(errno), ...(extack ? { extack } : {}) });
      return;
    }
    if (msg.type === nftType(C.NFT_MSG_NEWGEN) && msg.seq === p.barrierSeq) {
      const attrs = parseAttrs(msg.payload.subarray(4));
      const gen = attrs.get(C.NFTA_GEN_ID);
      this.settle(p, gen ? gen.readUInt32BE(0) : 0);
    }
  }

  private settle(p: Pending, genId: number): void {
    this.pending = undefined;
    clearTimeout(p.timer);
    if (p.errors.length) p.reject(new NftBatchError(p.errors));
    else p.resolve({ genId, acks: p.acks });
  }
}
