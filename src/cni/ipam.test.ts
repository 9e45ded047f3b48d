import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestedIPs } from './ipam.js';
import { parseNetConf } from './netconf.js';
import type { CniEnv } from './types.js';

const env = (args: Record<string, string> = {}): CniEnv => ({ command: 'ADD', containerId: 'c', netns: '/n', ifName: 'eth0', args, path: [] });
const conf = (extra: Record<string, unknown> = {}) => parseNetConf(JSON.stringify({ cniVersion: '1.0.0', name: 'n', type: 'calico', ipam: { type: 'calico-ipam' }, ...extra }));
const annotated = (v: string) => conf({ args: { cni: { annotations: [{ key: 'cni.projectcalico.org/ipAddrs', value: v }] } } });

test('requestedIPs(): CNI_ARGS IP=, then the ips capability, then the ipAddrs annotation', () => {
  assert.deepEqual(requestedIPs(conf(), env()), []);
  assert.deepEqual(requestedIPs(conf(), env({ IP: '10.0.0.7' })), ['10.0.0.7']);
  assert.deepEqual(requestedIPs(conf({ runtimeConfig: { ips: ['10.0.0.8/32'] } }), env()), ['10.0.0.8']);
  assert.deepEqual(requestedIPs(annotated('["10.0.0.9", "fd00::9"]'), env()), ['10.0.0.9', 'fd00::9']);
  assert.deepEqual(requestedIPs(annotated('["10.0.0.9"]'), env({ IP: '10.0.0.7' })), ['10.0.0.7'], 'CNI_ARGS wins');
});

test('requestedIPs() rejects two of one family and an annotation that is not a JSON list', () => {
  assert.throws(() => requestedIPs(conf(), env({ IP: '10.0.0.1,10.0.0.2' })), /more than one IPv4/);
  assert.throws(() => requestedIPs(annotated('10.0.0.9'), env()), /JSON list/);
});
