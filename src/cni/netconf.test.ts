import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkVersion, parseCniArgs, parseCniEnv, parseNetConf } from './netconf.js';
import { CniError } from './types.js';

const base = { cniVersion: '1.0.0', name: 'k8s-pod-network', type: 'calico', ipam: { type: 'calico-ipam' } };
const conf = (extra: Record<string, unknown>): string => JSON.stringify({ ...base, ...extra });

function code(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CniError, String(err));
    return err.code;
  }
  return 0;
}

test('parseNetConf() reads Calico fields with their defaults', () => {
  const c = parseNetConf(conf({ mtu: 1440, nodename: 'n1', ipam: { type: 'calico-ipam', assign_ipv6: 'true', ipv4_pools: ['p1'] },
    args: { cni: { labels: [{ key: 'app', value: 'web' }], annotations: { 'cni.projectcalico.org/ipAddrs': '["10.0.0.1"]' } } } }));
  assert.equal(c.mtu, 1440);
  assert.equal(c.nodename, 'n1');
  assert.equal(c.nodename_file, '/var/lib/calico/nodename');
  assert.equal(c.ipam.assign_ipv4, true);
  assert.equal(c.ipam.assign_ipv6, true);
  assert.deepEqual(c.ipam.ipv4_pools, ['p1']);
  assert.deepEqual(c.labels, { app: 'web' });
  assert.equal(c.annotations['cni.projectcalico.org/ipAddrs'], '["10.0.0.1"]');
  assert.equal(parseNetConf(conf({})).mtu, 0, 'no mtu: decided later from the MTU file');
});

test('parseNetConf() rejects bad input with the spec codes', () => {
  const rows: Array<[string, string, number]> = [
    ['not JSON', '{', 6],
    ['missing cniVersion means 0.2.0, which we do not speak', JSON.stringify({ name: 'n', type: 'calico' }), 1],
    ['unknown version', conf({ cniVersion: '2.0.0' }), 1],
    ['no name', conf({ name: '' }), 7],
    ['name with a slash', conf({ name: 'a/b' }), 7],
    ['mtu out of range', conf({ mtu: 10 }), 7],
    ['assign_ipv4 not a boolean', conf({ ipam: { type: 'calico-ipam', assign_ipv4: 'yes' } }), 7],
    ['labels not key/value', conf({ args: { cni: { labels: [{ key: 'a' }] } } }), 7],
    ['valid-attachments not a list', conf({ 'cni.dev/valid-attachments': {} }), 7],
  ];
  for (const [why, stdin, want] of rows) assert.equal(code(() => parseNetConf(stdin)), want, why);
});

test('parseCniEnv() requires what each command needs (code 4)', () => {
  assert.equal(parseCniEnv({ CNI_COMMAND: 'VERSION' }).command, 'VERSION');
  assert.equal(code(() => parseCniEnv({})), 4);
  assert.equal(code(() => parseCniEnv({ CNI_COMMAND: 'FOO' })), 4);
  assert.equal(code(() => parseCniEnv({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c', CNI_IFNAME: 'eth0' })), 4, 'ADD without CNI_NETNS');
  assert.equal(code(() => parseCniEnv({ CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c', CNI_IFNAME: 'a-name-longer-than-15' })), 4);
  const e = parseCniEnv({ CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c', CNI_IFNAME: 'eth0', CNI_PATH: '/a:/b', CNI_ARGS: 'K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p' });
  assert.deepEqual(e.path, ['/a', '/b']);
  assert.deepEqual(e.args, { K8S_POD_NAMESPACE: 'ns', K8S_POD_NAME: 'p' });
});

test('parseCniArgs() splits K=V pairs and rejects a pair without "="', () => {
  assert.deepEqual(parseCniArgs('IgnoreUnknown=1;IP=10.0.0.1'), { IgnoreUnknown: '1', IP: '10.0.0.1' });
  assert.deepEqual(parseCniArgs(''), {});
  assert.equal(code(() => parseCniArgs('novalue')), 4);
});

test('checkVersion() accepts 0.3.0 through 1.1.0 only', () => {
  for (const v of ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']) checkVersion(v);
  for (const v of ['0.1.0', '0.2.0', '1.2.0']) assert.equal(code(() => checkVersion(v)), 1, v);
});
