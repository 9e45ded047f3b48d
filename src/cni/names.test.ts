import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostVethName, randomMac, workloadEndpointName, workloadIDs } from './names.js';
import type { CniEnv } from './types.js';

const env = (args: Record<string, string>): CniEnv => ({ command: 'ADD', containerId: 'abcdef0123456789', netns: '/run/netns/x', ifName: 'eth0', args, path: [] });

test('hostVethName() is cali + 11 hex of sha1("<ns>.<pod>")', () => {
  // sha1("default.nginx") = c440f455693b... (checked with python3 hashlib)
  assert.equal(hostVethName('default', 'nginx'), 'calic440f455693');
  assert.equal(hostVethName('default', 'nginx').length, 15);
});

test('workloadEndpointName() doubles dashes inside each segment', () => {
  assert.equal(workloadEndpointName('node-1', 'k8s', 'web-0', 'eth0'), 'node--1-k8s-web--0-eth0');
});

test('workloadIDs() for a k8s pod and for plain CNI', () => {
  const k = workloadIDs(env({ K8S_POD_NAMESPACE: 'shop', K8S_POD_NAME: 'cart-1' }), 'k8s-pod-network', 'n1');
  assert.equal(k.orchestrator, 'k8s');
  assert.equal(k.handleId, 'k8s-pod-network.abcdef0123456789');
  assert.equal(k.legacyHandleId, 'shop.cart-1');
  assert.equal(k.wepName, 'n1-k8s-cart--1-eth0');
  const c = workloadIDs(env({}), 'net', 'n1');
  assert.equal(c.orchestrator, 'cni');
  assert.equal(c.hostVeth, 'caliabcdef01234');
  assert.equal(c.wepName, 'n1-cni-abcdef0123456789-eth0');
  assert.throws(() => workloadIDs(env({ K8S_POD_NAME: 'p' }), 'net', 'n1'), /must be given together/);
});

test('randomMac() is unicast and locally administered', () => {
  assert.equal(randomMac(new Uint8Array([0xff, 1, 2, 3, 4, 5])), 'fe:01:02:03:04:05');
  assert.equal(randomMac(new Uint8Array([0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0xee])), '02:aa:bb:cc:dd:ee');
});
