import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCniArgs, parseNetConf } from '../cni/netconf.js';
import { defaultPool } from './default-pool.js';
import { firstIPv4, labNetworkConfig, newContainerId, podCniArgs } from './cni.js';

test('labNetworkConfig() is a config the calico plugin accepts, naming the node, datastore, IPAM and k8s policy', () => {
  const conf = parseNetConf(JSON.stringify(labNetworkConfig({
    nodeName: 'node3', datastore: { type: 'embedded', dataDir: '/tmp/d' }, labels: { app: 'web' }, serviceAccountName: 'default',
  })));
  assert.equal(conf.nodename, 'node3');
  assert.equal(conf.datastore_type, 'embedded');
  assert.equal(conf.calico_data_dir, '/tmp/d');
  assert.equal(conf.ipam.type, 'calico-ipam');
  assert.equal(conf.policyType, 'k8s');
  assert.deepEqual(conf.labels, { app: 'web' });
  assert.equal(conf.serviceAccountName, 'default');
  assert.equal(conf.mtu, 1500);
});

test('labNetworkConfig() passes etcd settings through', () => {
  const conf = parseNetConf(JSON.stringify(labNetworkConfig({
    nodeName: 'n', datastore: { type: 'etcdv3', etcdEndpoints: ['http://127.0.0.1:2379', 'http://127.0.0.1:2380'], etcdUsername: 'u', etcdPassword: 'p' },
  })));
  assert.equal(conf.datastore_type, 'etcdv3');
  assert.equal(conf.etcd_endpoints, 'http://127.0.0.1:2379,http://127.0.0.1:2380');
  assert.equal(conf.etcd_username, 'u');
  assert.equal(conf.calico_data_dir, undefined);
});

test('podCniArgs() are kubelet\'s, with IP= only when an address is requested', () => {
  const id = newContainerId();
  assert.match(id, /^[0-9a-f]{64}$/);
  const text = (a: Record<string, string>): string => Object.entries(a).map(([k, v]) => `${k}=${v}`).join(';');
  assert.deepEqual(parseCniArgs(text(podCniArgs('x', 'a', id))), { IgnoreUnknown: '1', K8S_POD_NAMESPACE: 'x', K8S_POD_NAME: 'a', K8S_POD_INFRA_CONTAINER_ID: id });
  assert.equal(parseCniArgs(text(podCniArgs('x', 'a', id, '10.65.0.9'))).IP, '10.65.0.9');
});

test('firstIPv4() takes the IPv4 address of an ADD result, without prefix', () => {
  assert.equal(firstIPv4({ cniVersion: '1.0.0', ips: [{ address: 'fd00::5/128' }, { address: '10.65.3.4/32' }] }), '10.65.3.4');
  assert.throws(() => firstIPv4({ cniVersion: '1.0.0', ips: [] }), /no IPv4 address/);
});

test('defaultPool() is Calico\'s default-ipv4-ippool', () => {
  const p = defaultPool('10.70.0.0/16');
  assert.equal(p.metadata.name, 'default-ipv4-ippool');
  assert.deepEqual(p.spec, { cidr: '10.70.0.0/16', blockSize: 26, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: true, nodeSelector: 'all()' });
});
