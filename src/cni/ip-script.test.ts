import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerAddressLines, describeBatchError, hostLinkLines, hostRouteLines, hostSysctls } from './ip-script.js';

const links = { hostVeth: 'cali0123456789a', containerIf: 'eth0', containerMac: '02:00:00:00:00:01', netns: '/run/netns/p', mtu: 1450, deleteStale: true };

test('hostLinkLines(): stale veth first, pair created straight into the pod netns, then an acknowledging show', () => {
  assert.deepEqual(hostLinkLines(links), [
    'link del cali0123456789a',
    'link add cali0123456789a mtu 1450 address ee:ee:ee:ee:ee:ee type veth peer name eth0 mtu 1450 address 02:00:00:00:00:01 netns /run/netns/p',
    'link set cali0123456789a up',
    'link show dev cali0123456789a',
  ]);
  assert.equal(hostLinkLines({ ...links, deleteStale: false })[0]!.startsWith('link add'), true);
});

test('pod lines: /32, link route to 169.254.1.1, default via it; host lines: /32 scope link', () => {
  assert.deepEqual(containerAddressLines('eth0', ['10.0.0.5/32']), [
    'addr add 10.0.0.5/32 dev eth0',
    'route add 169.254.1.1/32 dev eth0 scope link',
    'route add default via 169.254.1.1 dev eth0',
  ]);
  assert.deepEqual(containerAddressLines('eth0', ['fd00::5/128']), ['addr add fd00::5/128 dev eth0 nodad', 'route add ::/0 via fe80::ecee:eeff:feee:eeee dev eth0']);
  assert.deepEqual(hostRouteLines('caliX', ['10.0.0.5/32', 'fd00::5/128']), ['route replace 10.0.0.5/32 dev caliX scope link', 'route replace fd00::5/128 dev caliX scope link']);
});

test('hostSysctls(): proxy ARP with no delay, forwarding, route_localnet for IPv4', () => {
  assert.deepEqual(new Map(hostSysctls('caliX', ['10.0.0.5/32'])), new Map([
    ['net/ipv4/conf/caliX/route_localnet', '1'], ['net/ipv4/neigh/caliX/proxy_delay', '0'],
    ['net/ipv4/conf/caliX/proxy_arp', '1'], ['net/ipv4/conf/caliX/forwarding', '1'],
  ]));
});

test('describeBatchError() names the failing line', () => {
  assert.equal(describeBatchError('link set a up\nlink add b', 'RTNETLINK answers: File exists\nCommand failed -:2\n'), '"ip link add b": RTNETLINK answers: File exists');
});
