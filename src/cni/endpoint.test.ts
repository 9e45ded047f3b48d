import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildWorkloadEndpoint } from './endpoint.js';
import { workloadIDs } from './names.js';
import { parseNetConf } from './netconf.js';

test('buildWorkloadEndpoint(): Calico labels, kns/ksa profiles with policy k8s, network profile otherwise', () => {
  const ids = workloadIDs({ command: 'ADD', containerId: 'c1', netns: '/n', ifName: 'eth0', args: { K8S_POD_NAMESPACE: 'shop', K8S_POD_NAME: 'cart' }, path: [] }, 'k8s-pod-network', 'node1');
  const conf = parseNetConf(JSON.stringify({ cniVersion: '1.0.0', name: 'k8s-pod-network', type: 'calico', policy: { type: 'k8s' },
    args: { cni: { labels: [{ key: 'app', value: 'cart' }], serviceAccountName: 'sa1' } } }));
  const w = buildWorkloadEndpoint({ ids, conf, ipNetworks: ['10.0.0.5/32'], containerMac: '02:00:00:00:00:01' });
  assert.equal(w.metadata.name, 'node1-k8s-cart-eth0');
  assert.equal(w.metadata.namespace, 'shop');
  assert.deepEqual(w.metadata.labels, {
    app: 'cart', 'projectcalico.org/namespace': 'shop', 'projectcalico.org/orchestrator': 'k8s', 'projectcalico.org/serviceaccount': 'sa1',
  });
  assert.deepEqual(w.spec, {
    orchestrator: 'k8s', node: 'node1', containerID: 'c1', pod: 'cart', endpoint: 'eth0', ipNetworks: ['10.0.0.5/32'],
    profiles: ['kns.shop', 'ksa.shop.sa1'], interfaceName: ids.hostVeth, mac: '02:00:00:00:00:01', serviceAccountName: 'sa1',
  });
  const plain = parseNetConf(JSON.stringify({ cniVersion: '1.0.0', name: 'mynet', type: 'calico' }));
  assert.deepEqual(buildWorkloadEndpoint({ ids, conf: plain, ipNetworks: [], containerMac: 'x' }).spec?.profiles, ['mynet']);
});
