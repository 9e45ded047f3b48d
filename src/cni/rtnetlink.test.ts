import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  IFF_UP, NLMSG_ERROR, NLM_F_ACK_TLVS, NLM_F_CAPPED, RTM_NEWLINK, delLink, describeAck, encodeAttrs, encodeMessage, getLink, ipBytes, linkIndex,
  newAddr, newRoute, newVeth, parseAck, parseAttrs, parseMessages, setLinkUp, type RtRequest,
} from './rtnetlink.js';

/**
 * What iproute2 6.1 sends for the ip-script.ts lines, recorded with
 * `strace -e trace=sendmsg -e write=3 ip ...` (sequence number 0x6b03108a; both links have ifindex 2;
 * the veth's `netns` fd was 4). Our requests must be these bytes, so the kernel ends in the same state.
 */
const IPROUTE2 = {
  // ip link add calitest mtu 1450 address ee:ee:ee:ee:ee:ee type veth peer name eth0 mtu 1450 address 02:00:00:00:00:01 netns <fd 4>
  veth: '90000000100005068a10036b000000000000000000000000000000000000000008000400aa0500000a000100eeeeeeeeeeee00000d00030063616c6974657374000000004c0012000800010076657468400002003c0001000000000000000000000000000000000008000400aa0500000a000100020000000001000008001c0004000000090003006574683000000000',
  // ip link set eth0 up
  up: '20000000100005008a10036b0000000000000000020000000100000001000000',
  // ip addr add 10.1.2.3/32 dev eth0
  addr4: '28000000140005068a10036b000000000220000002000000080002000a010203080001000a010203',
  // ip addr add fd00::9/128 dev eth0 nodad
  addr6: '40000000140005068a10036b000000000a8002000200000014000200fd00000000000000000000000000000914000100fd000000000000000000000000000009',
  // ip route add 169.254.1.1/32 dev eth0 scope link
  gw4: '2c000000180005068a10036b0000000002200000fe03fd010000000008000100a9fe01010800040002000000',
  // ip route add default via 169.254.1.1 dev eth0
  default4: '2c000000180005068a10036b0000000002000000fe0300010000000008000500a9fe01010800040002000000',
  // ip route add ::/0 via fe80::ecee:eeff:feee:eeee dev eth0
  default6: '4c000000180005068a10036b000000000a000000fe03000100000000140001000000000000000000000000000000000014000500fe80000000000000eceeeefffeeeeeee0800040002000000',
  // ip route replace 10.1.2.3/32 dev calitest scope link
  host4: '2c000000180005058a10036b0000000002200000fe03fd0100000000080001000a0102030800040002000000',
  // ip route replace fd00::9/128 dev calitest scope link
  host6: '38000000180005058a10036b000000000a800000fe03fd010000000014000100fd0000000000000000000000000000090800040002000000',
};
const SEQ = 0x6b03108a;
const hex = (r: RtRequest): string => encodeMessage(r, SEQ).toString('hex');

test('veth pair: the bytes of `ip link add ... type veth peer ... netns`, with the host end up (IFF_UP) in the same request', () => {
  const r = newVeth({ name: 'calitest', mac: 'ee:ee:ee:ee:ee:ee', mtu: 1450, peerName: 'eth0', peerMac: '02:00:00:00:00:01', peerMtu: 1450, peerNetnsFd: 4 });
  const want = Buffer.from(IPROUTE2.veth, 'hex');
  want.writeUInt32LE(IFF_UP, 24); // ifi_flags
  want.writeUInt32LE(IFF_UP, 28); // ifi_change
  assert.equal(hex(r), want.toString('hex'));
  assert.equal(r.what, 'link add calitest type veth peer name eth0');
});

test('link up, addresses and routes: the bytes ip sends', () => {
  assert.equal(hex(setLinkUp(2, 'eth0')), IPROUTE2.up);
  assert.equal(hex(newAddr(2, 'eth0', '10.1.2.3/32')), IPROUTE2.addr4);
  assert.equal(hex(newAddr(2, 'eth0', 'fd00::9/128')), IPROUTE2.addr6, 'IPv6: IFA_F_NODAD');
  assert.equal(hex(newRoute({ dst: '169.254.1.1/32', oif: 2, dev: 'eth0', scope: 'link' })), IPROUTE2.gw4);
  assert.equal(hex(newRoute({ dst: 'default', gateway: '169.254.1.1', oif: 2, dev: 'eth0', scope: 'universe' })), IPROUTE2.default4);
  assert.equal(hex(newRoute({ dst: '::/0', gateway: 'fe80::ecee:eeff:feee:eeee', oif: 2, dev: 'eth0', scope: 'universe' })), IPROUTE2.default6);
  assert.equal(hex(newRoute({ dst: '10.1.2.3/32', oif: 2, dev: 'calitest', scope: 'link', replace: true })), IPROUTE2.host4, 'replace: CREATE|REPLACE');
  assert.equal(hex(newRoute({ dst: 'fd00::9/128', oif: 2, dev: 'calitest', scope: 'link', replace: true })), IPROUTE2.host6);
  assert.equal(newAddr(2, 'eth0', 'fd00::9/128').what, 'addr add fd00::9/128 dev eth0 nodad');
  assert.equal(newRoute({ dst: 'default', gateway: '169.254.1.1', oif: 2, dev: 'eth0', scope: 'universe' }).what, 'route add default via 169.254.1.1 dev eth0');
});

test('link del and link show go by name (IFLA_IFNAME, NUL-terminated, padded)', () => {
  for (const [r, type, name] of [[delLink('cali12345678901'), 17, 'cali12345678901'], [getLink('eth0'), 18, 'eth0']] as const) {
    const [m] = parseMessages(encodeMessage(r, 7));
    assert.equal(m!.type, type);
    assert.equal(m!.flags, 0x5, 'REQUEST|ACK');
    assert.equal(m!.seq, 7);
    assert.equal(m!.payload.readInt32LE(4), 0, 'no index');
    const attrs = parseAttrs(m!.payload.subarray(16));
    assert.equal(attrs.get(3)!.toString('latin1'), `${name}\0`);
  }
  assert.equal(encodeMessage(delLink('cali12345678901'), 1).length, 16 + 16 + 20, '15 chars + NUL = 16, + 4 header');
});

test('encodeAttrs: 4-byte alignment with zeroed padding, nesting with a fixed header', () => {
  assert.equal(encodeAttrs([{ type: 3, value: Buffer.from('ab') }]).toString('hex'), '0600030061620000');
  const nested = encodeAttrs([{ type: 0x12, header: Buffer.from([9, 9, 9, 9]), value: [{ type: 1, value: Buffer.from([1]) }, { type: 2, value: Buffer.alloc(0) }] }]);
  // outer len 4 + header 4 + (5 -> 8) + 4 = 20; inner lengths are unpadded.
  assert.equal(nested.toString('hex'), '14001200' + '09090909' + '0500010001000000' + '04000200');
});

test('ipBytes: IPv4, IPv6 with and without ::, rejects junk', () => {
  assert.equal(ipBytes('169.254.1.1').toString('hex'), 'a9fe0101');
  assert.equal(ipBytes('::').toString('hex'), '0'.repeat(32));
  assert.equal(ipBytes('::1').toString('hex'), `${'0'.repeat(30)}01`);
  assert.equal(ipBytes('fe80::ecee:eeff:feee:eeee').toString('hex'), 'fe80000000000000eceeeefffeeeeeee');
  assert.equal(ipBytes('fd00:1:2:3:4:5:6:7').toString('hex'), 'fd000001000200030004000500060007');
  assert.equal(ipBytes('fd00::').toString('hex'), `fd00${'0'.repeat(28)}`);
  for (const bad of ['1.2.3', '1.2.3.256', 'fd00::1::2', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8::', 'g::1']) assert.throws(() => ipBytes(bad), bad);
});

/** An NLMSG_ERROR the way the kernel sends it: error, the request's header, then extended-ack TLVs. */
function errorMessage(errno: number, seq: number, extack?: string): Buffer {
  const req = encodeMessage(getLink('eth0'), seq).subarray(0, 16);
  const tlvs = extack === undefined ? Buffer.alloc(0) : encodeAttrs([{ type: 1, value: Buffer.from(`${extack}\0`) }]);
  const body = Buffer.alloc(4);
  body.writeInt32LE(-errno, 0);
  return encodeMessage({ type: NLMSG_ERROR, flags: NLM_F_CAPPED | (extack === undefined ? 0 : NLM_F_ACK_TLVS), body: Buffer.concat([body, req, tlvs]) }, seq);
}

test('acks: errno 0 is success; an error carries errno and the extended-ack text; several messages per datagram', () => {
  const datagram = Buffer.concat([errorMessage(0, 1), errorMessage(17, 2), errorMessage(22, 3, 'Invalid prefix for given prefix length')]);
  const msgs = parseMessages(datagram);
  assert.deepEqual(msgs.map((m) => m.seq), [1, 2, 3]);
  assert.deepEqual(parseAck(msgs[0]!), { errno: 0 });
  assert.deepEqual(parseAck(msgs[1]!), { errno: 17 });
  assert.deepEqual(parseAck(msgs[2]!), { errno: 22, message: 'Invalid prefix for given prefix length' });
  const strerror = (e: number): string => ({ 17: 'File exists', 22: 'Invalid argument' })[e] ?? `errno ${e}`;
  assert.equal(describeAck(parseAck(msgs[1]!)!, strerror), 'RTNETLINK answers: File exists');
  assert.equal(describeAck(parseAck(msgs[2]!)!, strerror), 'RTNETLINK answers: Invalid argument (Invalid prefix for given prefix length)');
  assert.equal(parseAck({ ...msgs[0]!, type: RTM_NEWLINK }), undefined, 'not an ack');
});

test('an uncapped error (the whole request echoed) still finds the extended ack after it', () => {
  const req = encodeMessage(newAddr(2, 'eth0', '10.1.2.3/32'), 5);
  const body = Buffer.alloc(4);
  body.writeInt32LE(-17, 0);
  const msg = encodeMessage({ type: NLMSG_ERROR, flags: NLM_F_ACK_TLVS, body: Buffer.concat([body, req, encodeAttrs([{ type: 1, value: Buffer.from('exists\0') }])]) }, 5);
  assert.deepEqual(parseAck(parseMessages(msg)[0]!), { errno: 17, message: 'exists' });
});

test('linkIndex reads ifi_index of an RTM_NEWLINK; malformed datagrams are refused', () => {
  const body = Buffer.alloc(16);
  body.writeInt32LE(42, 4);
  assert.equal(linkIndex(parseMessages(encodeMessage({ type: RTM_NEWLINK, flags: 0, body }, 1))[0]!), 42);
  assert.throws(() => linkIndex(parseMessages(errorMessage(0, 1))[0]!), /expected RTM_NEWLINK/);
  const bad = errorMessage(0, 1);
  bad.writeUInt32LE(999, 0);
  assert.throws(() => parseMessages(bad), /malformed/);
});
