/**
 * The rtnetlink messages CNI ADD/DEL send, and the parsing of the kernel's answers: pure bytes in,
 * bytes out (no socket; see netns-addon.ts for that). Each builder sends exactly what the `ip` command
 * in ip-script.ts sends, so both paths leave the same kernel state. Netlink headers are host byte
 * order (little endian on every host we run on); addresses are network order.
 */
import { endianness } from 'node:os';

if (endianness() !== 'LE') throw new Error('rtnetlink: big-endian hosts are not supported');

// <linux/netlink.h>
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLM_F_REQUEST = 0x1;
export const NLM_F_ACK = 0x4;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
/** On an NLMSG_ERROR: the request was not echoed back beyond its header (NETLINK_CAP_ACK). */
export const NLM_F_CAPPED = 0x100;
/** On an NLMSG_ERROR: extended-ack attributes follow (NETLINK_EXT_ACK). */
export const NLM_F_ACK_TLVS = 0x200;
export const NLMSGERR_ATTR_MSG = 1;
// <linux/rtnetlink.h>
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_NEWROUTE = 24;
export const RT_TABLE_MAIN = 254;
/** What `ip route add` stamps on routes it adds (no `proto` given). */
export const RTPROT_BOOT = 3;
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RTN_UNICAST = 1;
export const RTA_DST = 1;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
// <linux/if_link.h>, <linux/veth.h>, <linux/if_addr.h>
export const IFLA_ADDRESS = 1;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINKINFO = 18;
export const IFLA_NET_NS_FD = 28;
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const VETH_INFO_PEER = 1;
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_F_NODAD = 0x02;
export const IFF_UP = 0x1;
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;

export const NLMSG_HDRLEN = 16;
const IFINFOMSG_LEN = 16;
const align4 = (n: number): number => (n + 3) & ~3;

/** A netlink attribute: a payload, or nested attributes after an optional fixed header (VETH_INFO_PEER's ifinfomsg). */
export interface NlAttr {
  type: number;
  value: Uint8Array | NlAttr[];
  header?: Uint8Array;
}

/** A request before it has a sequence number: the socket assigns that. */
export interface RtRequest {
  type: number;
  flags: number;
  body: Buffer;
  /** What `ip` command this is, for error messages, e.g. `link del cali123`. */
  what: string;
}

export interface NlMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  payload: Buffer;
}

const attrLength = (a: NlAttr): number =>
  4 + (Array.isArray(a.value) ? (a.header?.length ?? 0) + attrsLength(a.value) : a.value.length);
const attrsLength = (attrs: NlAttr[]): number => attrs.reduce((n, a) => n + align4(attrLength(a)), 0);

function writeAttrs(buf: Buffer, pos: number, attrs: NlAttr[]): number {
  for (const a of attrs) {
    const len = attrLength(a);
    buf.writeUInt16LE(len, pos);
    buf.writeUInt16LE(a.type, pos + 2);
    let p = pos + 4;
    if (Array.isArray(a.value)) {
      if (a.header) {
        buf.set(a.header, p);
        p += a.header.length;
      }
      writeAttrs(buf, p, a.value);
    } else {
      buf.set(a.value, p);
    }
    pos += align4(len);
  }
  return pos;
}

/** Encodes attributes, each padded to 4 bytes (padding zeroed). */
export function encodeAttrs(attrs: NlAttr[]): Buffer {
  const buf = Buffer.alloc(attrsLength(attrs));
  writeAttrs(buf, 0, attrs);
  return buf;
}

/** nlmsghdr + body; the port id is 0 (the kernel fills it in). */
export function encodeMessage(req: { type: number; flags: number; body: Uint8Array }, seq: number): Buffer {
  const buf = Buffer.alloc(NLMSG_HDRLEN + align4(req.body.length));
  buf.writeUInt32LE(NLMSG_HDRLEN + req.body.length, 0);
  buf.writeUInt16LE(req.type, 4);
  buf.writeUInt16LE(req.flags, 6);
  buf.writeUInt32LE(seq >>> 0, 8);
  buf.set(req.body, NLMSG_HDRLEN);
  return buf;
}

export const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
};
/** NUL-terminated, as iproute2 sends IFLA_IFNAME. */
export const str = (s: string): Buffer => Buffer.from(`${s}\0`, 'latin1');
export const mac = (s: string): Buffer => Buffer.from(s.split(':').map((h) => parseInt(h, 16)));

/** IPv4 or IPv6 text -> network-order bytes. */
export function ipBytes(ip: string): Buffer {
  if (!ip.includes(':')) {
    const parts = ip.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`bad IPv4 address ${ip}`);
    return Buffer.from(parts);
  }
  const [head, tail, extra] = ip.split('::');
  if (extra !== undefined) throw new Error(`bad IPv6 address ${ip}`);
  const groups = (s: string | undefined): number[] => (s ? s.split(':').map((g) => {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) throw new Error(`bad IPv6 address ${ip}`);
    return parseInt(g, 16);
  }) : []);
  const h = groups(head);
  const t = groups(tail);
  const fill = 8 - h.length - t.length;
  if (tail === undefined ? fill !== 0 : fill < 1) throw new Error(`bad IPv6 address ${ip}`);
  const all = [...h, ...new Array<number>(tail === undefined ? 0 : fill).fill(0), ...t];
  const b = Buffer.alloc(16);
  all.forEach((g, i) => b.writeUInt16BE(g, i * 2));
  return b;
}

const familyOf = (ip: string): number => (ip.includes(':') ? AF_INET6 : AF_INET);

/** `10.0.0.1/32` -> address and prefix length. */
function splitCidr(cidr: string): { ip: string; len: number } {
  const [ip, len] = cidr.split('/');
  const max = ip!.includes(':') ? 128 : 32;
  const n = len === undefined ? max : Number(len);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`bad prefix length in ${cidr}`);
  return { ip: ip!, len: n };
}

/** struct ifinfomsg: family, type, index, flags, change. */
export function ifinfomsg(index = 0, flags = 0, change = 0): Buffer {
  const b = Buffer.alloc(IFINFOMSG_LEN);
  b.writeUInt8(AF_UNSPEC, 0);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags, 8);
  b.writeUInt32LE(change, 12);
  return b;
}

export interface VethPair {
  name: string;
  mac: string;
  mtu: number;
  peerName: string;
  peerMac: string;
  peerMtu: number;
  /** An open fd of the netns the peer is created in (IFLA_NET_NS_FD). */
  peerNetnsFd: number;
}

/**
 * `ip link add <name> mtu M address A type veth peer name <peer> mtu M address A netns <ns>`, plus
 * `ip link set <name> up`: IFF_UP in the ifinfomsg brings the host end up as it is created. Not the
 * peer's: the kernel configures the peer before the pair is joined, and a veth without its peer
 * refuses to open (ENOTCONN); see setLinkUp.
 */
export function newVeth(v: VethPair): RtRequest {
  // Attribute order and the kind without its NUL as iproute2 6.1 sends them (see rtnetlink.test.ts).
  const peer: NlAttr[] = [
    { type: IFLA_MTU, value: u32(v.peerMtu) },
    { type: IFLA_ADDRESS, value: mac(v.peerMac) },
    { type: IFLA_NET_NS_FD, value: u32(v.peerNetnsFd) },
    { type: IFLA_IFNAME, value: str(v.peerName) },
  ];
  const attrs: NlAttr[] = [
    { type: IFLA_MTU, value: u32(v.mtu) },
    { type: IFLA_ADDRESS, value: mac(v.mac) },
    { type: IFLA_IFNAME, value: str(v.name) },
    {
      type: IFLA_LINKINFO,
      value: [
        { type: IFLA_INFO_KIND, value: Buffer.from('veth') },
        { type: IFLA_INFO_DATA, value: [{ type: VETH_INFO_PEER, header: ifinfomsg(), value: peer }] },
      ],
    },
  ];
  return {
    type: RTM_NEWLINK,
    flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
    body: Buffer.concat([ifinfomsg(0, IFF_UP, IFF_UP), encodeAttrs(attrs)]),
    what: `link add ${v.name} type veth peer name ${v.peerName}`,
  };
}

/** `ip link set <name> up`, by index. */
export function setLinkUp(index: number, name: string): RtRequest {
  return { type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK, body: ifinfomsg(index, IFF_UP, IFF_UP), what: `link set ${name} up` };
}

/** `ip link del <name>`. */
export function delLink(name: string): RtRequest {
  return { type: RTM_DELLINK, flags: NLM_F_REQUEST | NLM_F_ACK, body: Buffer.concat([ifinfomsg(), encodeAttrs([{ type: IFLA_IFNAME, value: str(name) }])]), what: `link del ${name}` };
}

/** `ip link show dev <name>`: answered by an RTM_NEWLINK (see linkIndex). */
export function getLink(name: string): RtRequest {
  return { type: RTM_GETLINK, flags: NLM_F_REQUEST | NLM_F_ACK, body: Buffer.concat([ifinfomsg(), encodeAttrs([{ type: IFLA_IFNAME, value: str(name) }])]), what: `link show dev ${name}` };
}

/** The interface index of an RTM_NEWLINK message. */
export function linkIndex(msg: NlMessage): number {
  if (msg.type !== RTM_NEWLINK || msg.payload.length < IFINFOMSG_LEN) throw new Error(`expected RTM_NEWLINK, got message type ${msg.type}`);
  return msg.payload.readInt32LE(4);
}

/**
 * `ip addr add <cidr> dev <ifname> [nodad]` (nodad for IPv6, whose DAD would hold the address back
 * for a second). Like ip: IFA_LOCAL and IFA_ADDRESS both the address, no broadcast.
 */
export function newAddr(index: number, ifName: string, cidr: string): RtRequest {
  const { ip, len } = splitCidr(cidr);
  const family = familyOf(ip);
  const hdr = Buffer.alloc(8);
  hdr.writeUInt8(family, 0);
  hdr.writeUInt8(len, 1);
  hdr.writeUInt8(family === AF_INET6 ? IFA_F_NODAD : 0, 2);
  hdr.writeUInt8(RT_SCOPE_UNIVERSE, 3);
  hdr.writeUInt32LE(index, 4);
  const addr = ipBytes(ip);
  return {
    type: RTM_NEWADDR,
    flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
    body: Buffer.concat([hdr, encodeAttrs([{ type: IFA_LOCAL, value: addr }, { type: IFA_ADDRESS, value: addr }])]),
    what: `addr add ${cidr} dev ${ifName}${family === AF_INET6 ? ' nodad' : ''}`,
  };
}

export interface Route {
  /** `default` (IPv4 or IPv6, by the gateway) or a CIDR (a bare address is a host route). */
  dst: string;
  gateway?: string;
  oif: number;
  /** For messages only. */
  dev: string;
  scope: 'link' | 'universe';
  /** `route replace` rather than `route add`. */
  replace?: boolean;
}

/**
 * `ip route add|replace <dst> [via <gw>] dev <dev> [scope link]`, as ip sends it: main table,
 * proto boot, unicast; RTA_DST unless the destination is `default` (`::/0` carries an all-zero one).
 */
export function newRoute(r: Route): RtRequest {
  const isDefault = r.dst === 'default';
  const family = isDefault ? familyOf(r.gateway ?? '0.0.0.0') : familyOf(r.dst);
  const { ip, len } = isDefault ? { ip: '', len: 0 } : splitCidr(r.dst);
  const hdr = Buffer.alloc(12);
  hdr.writeUInt8(family, 0);
  hdr.writeUInt8(len, 1); // dst_len
  hdr.writeUInt8(RT_TABLE_MAIN, 4);
  hdr.writeUInt8(RTPROT_BOOT, 5);
  hdr.writeUInt8(r.scope === 'link' ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE, 6);
  hdr.writeUInt8(RTN_UNICAST, 7);
  const attrs: NlAttr[] = [];
  if (!isDefault) attrs.push({ type: RTA_DST, value: ipBytes(ip) });
  if (r.gateway !== undefined) attrs.push({ type: RTA_GATEWAY, value: ipBytes(r.gateway) });
  attrs.push({ type: RTA_OIF, value: u32(r.oif) });
  const verb = r.replace ? 'replace' : 'add';
  return {
    type: RTM_NEWROUTE,
    flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | (r.replace ? NLM_F_REPLACE : NLM_F_EXCL),
    body: Buffer.concat([hdr, encodeAttrs(attrs)]),
    what: `route ${verb} ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${r.dev}${r.scope === 'link' ? ' scope link' : ''}`,
  };
}

/** Splits one received datagram into its messages. */
export function parseMessages(buf: Uint8Array): NlMessage[] {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: NlMessage[] = [];
  for (let pos = 0; pos + NLMSG_HDRLEN <= b.length;) {
    const len = b.readUInt32LE(pos);
    if (len < NLMSG_HDRLEN || pos + len > b.length) throw new Error(`malformed netlink message (length ${len} at ${pos} of ${b.length})`);
    out.push({ type: b.readUInt16LE(pos + 4), flags: b.readUInt16LE(pos + 6), seq: b.readUInt32LE(pos + 8), pid: b.readUInt32LE(pos + 12), payload: b.subarray(pos + NLMSG_HDRLEN, pos + len) });
    pos += align4(len);
  }
  return out;
}

/** Attributes of a flat attribute area: type (nested flag cleared) -> payload; the first of each type wins. */
export function parseAttrs(b: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let pos = 0; pos + 4 <= b.length;) {
    const len = b.readUInt16LE(pos);
    if (len < 4 || pos + len > b.length) break;
    const type = b.readUInt16LE(pos + 2) & 0x3fff;
    if (!out.has(type)) out.set(type, b.subarray(pos + 4, pos + len));
    pos += align4(len);
  }
  return out;
}

/** An NLMSG_ERROR: errno 0 is the ack of a request that succeeded. */
export interface Ack {
  /** Positive errno (the kernel sends it negated); 0 for success. */
  errno: number;
  /** The kernel's extended-ack text, when it gave one (e.g. "Invalid prefix for given prefix length"). */
  message?: string;
}

/** Reads an NLMSG_ERROR message; undefined for any other type. */
export function parseAck(msg: NlMessage): Ack | undefined {
  if (msg.type !== NLMSG_ERROR) return undefined;
  if (msg.payload.length < 4) throw new Error('truncated NLMSG_ERROR');
  const errno = -msg.payload.readInt32LE(0) || 0; // never -0
  const ack: Ack = { errno };
  if (msg.flags & NLM_F_ACK_TLVS && msg.payload.length >= 4 + NLMSG_HDRLEN) {
    // After the error: the request's header, then (unless capped) the rest of the request.
    const reqLen = msg.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : msg.payload.readUInt32LE(4);
    const tlvs = parseAttrs(msg.payload.subarray(4 + align4(reqLen)));
    const text = tlvs.get(NLMSGERR_ATTR_MSG)?.toString('utf8').replace(/\0.*$/s, '');
    if (text) ack.message = text;
  }
  return ack;
}

/** How ip reports a failed request: `RTNETLINK answers: File exists`, or the kernel's own text when it gave one. */
export function describeAck(ack: Ack, strerror: (errno: number) => string): string {
  const base = `RTNETLINK answers: ${strerror(ack.errno)}`;
  return ack.message ? `${base} (${ack.message})` : base;
}
