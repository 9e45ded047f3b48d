import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cidrContainsCIDR, cidrContainsIP, cidrSize, enclosingCIDR, formatCIDR, formatIP, normaliseIP, parseCIDR, parseIP, tryParseIP } from './ip.js';

test('parseIP() and formatIP() round-trip IPv4 and IPv6 canonically', () => {
  const cases: Array<[string, string]> = [
    ['10.0.0.1', '10.0.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['fd00::1', 'fd00::1'],
    ['FD00:0:0:0:0:0:0:1', 'fd00::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::', '::'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ];
  for (const [input, want] of cases) assert.equal(formatIP(parseIP(input)), want, input);
});

test('tryParseIP() rejects malformed addresses', () => {
  // Each is a classic typo: too many octets, octet > 255, two "::", a group > 4 hex digits.
  for (const bad of ['10.0.0.1.1', '10.0.0.256', '1::2::3', '12345::1', '10.0.0', '', 'abc']) {
    assert.equal(tryParseIP(bad), undefined, bad);
  }
  assert.throws(() => parseIP('10.0.0.300'), /Cannot parse IP address "10.0.0.300"/);
});

test('parseCIDR() masks host bits unless strict', () => {
  assert.equal(formatCIDR(parseCIDR('10.0.0.77/26')), '10.0.0.64/26');
  assert.throws(() => parseCIDR('10.0.0.77/26', true), /host bits are set/);
  assert.throws(() => parseCIDR('10.0.0.0/33'), /prefix length must be 0-32/);
  assert.equal(formatCIDR(parseCIDR('fd00::/122')), 'fd00::/122');
});

test('cidr helpers: size, containment, enclosing block', () => {
  assert.equal(cidrSize(parseCIDR('10.0.0.0/26')), 64n);
  assert.equal(cidrSize(parseCIDR('fd00::/64')), 1n << 64n);
  assert.ok(cidrContainsIP(parseCIDR('10.0.0.0/24'), parseIP('10.0.0.200')));
  assert.ok(!cidrContainsIP(parseCIDR('10.0.0.0/24'), parseIP('10.0.1.0')));
  assert.ok(!cidrContainsIP(parseCIDR('10.0.0.0/24'), parseIP('::1')));
  assert.ok(cidrContainsCIDR(parseCIDR('10.0.0.0/16'), parseCIDR('10.0.3.0/26')));
  assert.ok(!cidrContainsCIDR(parseCIDR('10.0.3.0/26'), parseCIDR('10.0.0.0/16')));
  assert.equal(formatCIDR(enclosingCIDR(parseIP('10.0.0.130'), 26)), '10.0.0.128/26');
  assert.equal(normaliseIP('10.0.0.5/32'), '10.0.0.5');
  assert.equal(normaliseIP('fd00:0::5/128'), 'fd00::5');
});
