import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cidrContains, cidrsOverlap, formatCIDR, isMasked, normalizeCIDR, parseCIDR, parseCIDROrIP, parseIP } from './net.js';

test('parseIP() accepts IPv4/IPv6 as Go does', () => {
  assert.equal(parseIP('10.0.0.1')?.family, 4);
  assert.equal(parseIP('fd00::1')?.family, 6);
  for (const bad of ['10.0.0', '10.0.0.256', '010.0.0.1', '1.2.3.4/8', 'fe80::1%eth0', '', 'x']) assert.equal(parseIP(bad), undefined, bad);
});

test('parseCIDR() keeps host bits and reports the network', () => {
  const c = parseCIDR('10.0.0.5/24');
  assert.ok(c);
  assert.equal(formatCIDR(c), '10.0.0.0/24');
  assert.equal(isMasked(c), false);
  assert.equal(isMasked(parseCIDR('10.0.0.0/24')!), true);
  assert.equal(normalizeCIDR('FD00:0:0::5/64'), 'fd00::/64');
  for (const bad of ['10.0.0.0', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/-1', '10.0.0.0/2a']) assert.equal(parseCIDR(bad), undefined, bad);
  assert.equal(parseCIDROrIP('10.0.0.1')?.prefix, 32);
  assert.equal(parseCIDROrIP('fd00::1')?.prefix, 128);
});

test('cidrContains() / cidrsOverlap() compare networks of one family', () => {
  const a = parseCIDR('10.0.0.0/16')!;
  const b = parseCIDR('10.0.128.0/17')!;
  const c = parseCIDR('10.1.0.0/16')!;
  assert.equal(cidrContains(a, b), true);
  assert.equal(cidrContains(b, a), false);
  assert.equal(cidrsOverlap(b, a), true);
  assert.equal(cidrsOverlap(a, c), false);
  assert.equal(cidrsOverlap(parseCIDR('0.0.0.0/0')!, parseCIDR('::/0')!), false);
  assert.equal(cidrContains(parseCIDR('fe80::/10')!, parseCIDR('fe80::/64')!), true);
});
