import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildAddResult, parsePrevResult, toVersion } from './result.js';

const attachment = { hostVeth: 'cali0123456789a', containerIf: 'eth0', containerMac: '02:00:00:00:00:01', netns: '/run/netns/p', mtu: 1500, addresses: ['10.0.0.5/32'] };

test('buildAddResult() lists host veth then pod interface, IPs on interface 1', () => {
  assert.deepEqual(buildAddResult('1.0.0', attachment), {
    cniVersion: '1.0.0',
    interfaces: [{ name: 'cali0123456789a', mac: 'ee:ee:ee:ee:ee:ee' }, { name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/run/netns/p' }],
    ips: [{ address: '10.0.0.5/32', interface: 1 }],
  });
});

test('toVersion() adds the per-IP version before 1.0.0 and drops it from 1.0.0', () => {
  const old = buildAddResult('0.3.1', { ...attachment, addresses: ['10.0.0.5/32', 'fd00::5/128'] });
  assert.deepEqual(old.ips!.map((i) => i.version), ['4', '6']);
  assert.equal(toVersion(old, '1.1.0').ips![0]!.version, undefined);
});

test('parsePrevResult() reads 1.0.0, 0.4.0 and 0.2.0-style results', () => {
  assert.equal(parsePrevResult(buildAddResult('0.4.0', attachment)).ips![0]!.version, undefined);
  assert.deepEqual(parsePrevResult({ cniVersion: '0.2.0', ip4: { ip: '10.0.0.5/32' } }).ips, [{ address: '10.0.0.5/32' }]);
  assert.throws(() => parsePrevResult({ ips: [{ address: '10.0.0.5' }] }), /must be a CIDR/);
});
