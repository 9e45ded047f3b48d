import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostVethName, parsePodRef, workloadEndpointName } from './names.js';
import { parseServeList } from './serve.js';

test('hostVethName() is cali + the first 11 hex digits of sha1("<ns>.<pod>")', () => {
  // sha1("x.a") = 456b416f2bf...
  assert.equal(hostVethName('x', 'a'), 'cali456b416f2bf');
  assert.equal(hostVethName('x', 'a').length, 15);
});

test('workloadEndpointName() doubles dashes inside each part', () => {
  assert.equal(workloadEndpointName('node1', 'a'), 'node1-k8s-a-eth0');
  assert.equal(workloadEndpointName('my-node', 'web-0'), 'my--node-k8s-web--0-eth0');
});

test('parsePodRef() reads <ns>/<pod> and rejects other shapes', () => {
  assert.deepEqual(parsePodRef('x/a'), { namespace: 'x', pod: 'a' });
  assert.deepEqual(parsePodRef('a'), { namespace: 'default', pod: 'a' });
  // Why each is bad: too many parts; upper case is not a DNS label; empty pod name.
  for (const bad of ['x/a/b', 'X/a', 'x/']) assert.throws(() => parsePodRef(bad), /Cannot parse pod/);
});

test('parseServeList() reads tcp/udp ports and rejects others', () => {
  assert.deepEqual(parseServeList('tcp:80,UDP:81'), [{ protocol: 'tcp', port: 80 }, { protocol: 'udp', port: 81 }]);
  assert.deepEqual(parseServeList(''), []);
  for (const bad of ['sctp:80', 'tcp:0', 'tcp:70000', 'tcp']) assert.throws(() => parseServeList(bad), /Cannot parse serve port/);
});
