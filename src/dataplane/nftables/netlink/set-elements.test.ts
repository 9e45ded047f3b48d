import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeSetElements } from './set-elements.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

test('addresses, and CIDRs of interval sets as a start and an end one past the range', () => {
  assert.deepEqual(encodeSetElements('ip', 'ipv4_addr', false, ['10.65.0.1']), [{ key: hex('0a410001') }]);
  assert.deepEqual(encodeSetElements('ip', 'ipv4_addr', true, ['10.65.0.0/24', '10.65.1.2']), [
    { key: hex('0a410000') }, { key: hex('0a410100'), end: true },
    { key: hex('0a410102') }, { key: hex('0a410103'), end: true },
  ]);
  // A range that reaches the last address has no end element: nft marks its start open.
  assert.deepEqual(encodeSetElements('ip', 'ipv4_addr', true, ['0.0.0.0/0', '128.0.0.0/1']), [
    { key: hex('00000000'), open: true }, { key: hex('80000000'), open: true },
  ]);
  assert.deepEqual(encodeSetElements('ip6', 'ipv6_addr', true, ['fd00::/64']), [
    { key: hex('fd000000000000000000000000000000') }, { key: hex('fd000000000000010000000000000000'), end: true },
  ]);
});

test('named-port elements put address, protocol and port each in a 32-bit slot', () => {
  assert.deepEqual(encodeSetElements('ip', 'ipv4_addr . inet_proto . inet_service', false, ['10.65.1.3 . tcp . 8080']), [{ key: hex('0a410103' + '06000000' + '1f900000') }]);
  assert.deepEqual(encodeSetElements('ip6', 'ipv6_addr . inet_proto . inet_service', false, ['fd00::2 . sctp . 1']), [{ key: hex('fd000000000000000000000000000002' + '84000000' + '00010000') }]);
});

test('a type or element we do not know encodes to nothing (nft takes over)', () => {
  assert.equal(encodeSetElements('ip', 'ifname', false, ['"cali1"']), undefined);
  assert.equal(encodeSetElements('ip', 'ipv4_addr', false, ['10.65.0.0/24']), undefined, 'a prefix in a plain address set');
  assert.equal(encodeSetElements('ip', 'ipv4_addr', false, ['fd00::1']), undefined, 'the other family');
  assert.equal(encodeSetElements('ip', 'ipv4_addr . inet_proto . inet_service', false, ['10.65.1.3 . icmp . 0']), undefined);
  assert.equal(encodeSetElements('ip', 'ipv4_addr', true, ['10.65.0.1/24']), undefined, 'host bits set');
});
