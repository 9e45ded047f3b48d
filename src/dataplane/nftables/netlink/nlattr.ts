/**
 * Minimal netlink message / attribute encoder and decoder (host byte order for netlink headers, as the
 * kernel expects; attribute payloads are whatever the caller passes: nf_tables uses big endian u32/u64).
 */
import { endianness } from 'node:os';
import { NLA_F_NESTED } from './constants.js';

// Netlink headers are host byte order; this encoder writes little endian.
if (endianness() !== 'LE') throw new Error('nlattr: big-endian hosts are not supported');

export const NLMSG_HDRLEN = 16;
export const NLA_HDRLEN = 4;
export const align4 = (n: number): number => (n + 3) & ~3;

/** Append-only byte writer with nested-attribute and message-length back-patching. */
export class NlWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initial = 4096) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.pos;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private pad(): void {
    const p = align4(this.pos) - this.pos;
    if (p) {
      this.reserve(p);
      this.buf.fill(0, this.pos, this.pos + p);
      this.pos += p;
    }
  }

  /** Start a netlink message (nlmsghdr + nfgenmsg); returns a token for endMsg. */
  beginMsg(type: number, flags: number, seq: number, family: number, resId: number): number {
    this.pad();
    const start = this.pos;
    this.reserve(NLMSG_HDRLEN + 4);
    const b = this.buf;
    b.writeUInt32LE(0, start); // length, patched in endMsg (netlink headers are host order: LE on x86/arm64)
    b.writeUInt16LE(type, start + 4);
    b.writeUInt16LE(flags, start + 6);
    b.writeUInt32LE(seq >>> 0, start + 8);
    b.writeUInt32LE(0, start + 12); // port id: 0 = let the kernel fill in
    b.writeUInt8(family, start + 16); // nfgenmsg.nfgen_family
    b.writeUInt8(0, start + 17); // nfgenmsg.version = NFNETLINK_V0
    b.writeUInt16BE(resId, start + 18); // nfgenmsg.res_id, big endian
    this.pos += NLMSG_HDRLEN + 4;
    return start;
  }

  endMsg(start: number): void {
    this.pad();
    this.buf.writeUInt32LE(this.pos - start, start);
  }

  attr(type: number, payload: Uint8Array): this {
    this.pad();
    const len = NLA_HDRLEN + payload.length;
    this.reserve(align4(len));
    this.buf.writeUInt16LE(len, this.pos);
    this.buf.writeUInt16LE(type, this.pos + 2);
    this.buf.set(payload, this.pos + NLA_HDRLEN);
    this.pos += len;
    return this;
  }

  /** NUL-terminated string attribute (NLA_STRING / NLA_NUL_STRING). */
  str(type: number, s: string): this {
    return this.attr(type, Buffer.from(s + '\0', 'utf8'));
  }

  be32(type: number, v: number): this {
    const b = Buffer.allocUnsafe(4);
    if (v < 0) b.writeInt32BE(v);
    else b.writeUInt32BE(v >>> 0);
    return this.attr(type, b);
  }

  be64(type: number, v: bigint): this {
    const b = Buffer.allocUnsafe(8);
    b.writeBigUInt64BE(v);
    return this.attr(type, b);
  }

  /** Nested attribute: `fill` writes the children. NLA_F_NESTED is set, as libnftnl does. */
  nest(type: number, fill: (w: this) => void): this {
    this.pad();
    const start = this.pos;
    this.reserve(NLA_HDRLEN);
    this.buf.writeUInt16LE(type | NLA_F_NESTED, start + 2);
    this.pos += NLA_HDRLEN;
    fill(this);
    this.pad();
    this.buf.writeUInt16LE(this.pos - start, start); // includes the last child's padding, like libmnl
    return this;
  }

  /** The encoded bytes (a copy-free view). */
  finish(): Buffer {
    this.pad();
    return this.buf.subarray(0, this.pos);
  }
}

export interface NlMsg {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  /** Payload after the 16-byte nlmsghdr. */
  payload: Buffer;
}

/** Split a datagram into netlink messages. */
export function parseMessages(buf: Buffer): NlMsg[] {
  const out: NlMsg[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > buf.length) break;
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** Parse a flat attribute stream into type -> payload (last one wins; NLA_F_NESTED stripped). */
export function parseAttrs(buf: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let off = 0;
  while (off + NLA_HDRLEN <= buf.length) {
    const len = buf.readUInt16LE(off);
    const type = buf.readUInt16LE(off + 2) & 0x3fff;
    if (len < NLA_HDRLEN || off + len > buf.length) break;
    out.set(type, buf.subarray(off + NLA_HDRLEN, off + len));
    off += align4(len);
  }
  return out;
}
