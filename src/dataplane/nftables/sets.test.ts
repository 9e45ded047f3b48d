import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coveringCidrs, renderIPSet } from './sets.js';
import { ipSetName } from './names.js';

test('coveringCidrs() keeps only the widest of nested CIDRs and normalises host bits', () => {
  assert.deepEqual(coveringCidrs(['10.0.0.5/32', '10.0.0.0/24', '10.0.1.0/24', '10.0.0.9']), ['10.0.0.0/24', '10.0.1.0/24']);
  assert.deepEqual(coveringCidrs(['10.1.2.3/16']), ['10.1.0.0/16']);
  assert.deepEqual(coveringCidrs(['fd00::1/128', 'fd00::/64', 'fe80::1']), ['fd00::/64', 'fe80::1']);
});

test('renderIPSet() splits members by family and renders named ports as concatenations', () => {
  const set = { type: 'ip-and-port' as const, members: new Set(['10.0.0.1,tcp:80', 'fd00::1,udp:53']) };
  assert.deepEqual(renderIPSet('n:x', set, 'ip').elements, ['10.0.0.1 . tcp . 80']);
  assert.deepEqual(renderIPSet('n:x', set, 'ip6').elements, ['fd00::1 . udp . 53']);
  assert.equal(renderIPSet('n:x', set, 'ip').type, 'ipv4_addr . inet_proto . inet_service');
});

test('ipSetName() follows Felix: cali4/cali6 + 0 + id, 31 characters, no colons', () => {
  assert.equal(ipSetName('ip', 's:AbC'), 'cali40s-AbC');
  assert.equal(ipSetName('ip6', 's:AbC'), 'cali60s-AbC');
  assert.equal(ipSetName('ip', `s:${'x'.repeat(40)}`).length, 31);
});

test('renderIPSet() leaves out members that do not parse instead of failing the set', () => {
  assert.deepEqual(renderIPSet('s:x', { type: 'net', members: new Set(['10.0.0.1/32', 'bogus/8']) }, 'ip').elements, ['10.0.0.1']);
  assert.deepEqual(renderIPSet('n:x', { type: 'ip-and-port', members: new Set(['10.0.0.1,tcp:80', '10.0.0.2,gre:1']) }, 'ip').elements, ['10.0.0.1 . tcp . 80']);
});
