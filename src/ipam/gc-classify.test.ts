import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CalicoNode, WorkloadEndpoint } from '../api/types.js';
import { assignFromBlock, newBlockSpec } from './block.js';
import { classifyAllocations, indexOwners } from './gc-classify.js';
import { parseCIDR } from './ip.js';
import type { IPAMBlock } from './types.js';

const node = (name: string): CalicoNode => ({ apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name } });
const wep = (ns: string, pod: string, nodeName: string, ip: string): WorkloadEndpoint => ({
  apiVersion: 'projectcalico.org/v3', kind: 'WorkloadEndpoint', metadata: { name: `${nodeName}-k8s-${pod}-eth0`, namespace: ns },
  spec: { pod, node: nodeName, ipNetworks: [`${ip}/32`] },
});

test('classifyAllocations() tells live, leaked and orphaned-by-node allocations apart', () => {
  const spec = newBlockSpec(parseCIDR('10.0.0.0/28'), 'host:n1', 1);
  assignFromBlock(spec, { num: 1, handleId: 'live', attrs: { pod: 'a', namespace: 'ns', node: 'n1' } }); // .0 with WEP
  assignFromBlock(spec, { num: 1, handleId: 'gone', attrs: { pod: 'b', namespace: 'ns', node: 'n1' } }); // .1 pod gone
  assignFromBlock(spec, { num: 1, handleId: 'moved', attrs: { pod: 'c', namespace: 'ns', node: 'n1' } }); // .2 pod on n2
  assignFromBlock(spec, { num: 1, handleId: 'wrongip', attrs: { pod: 'd', namespace: 'ns', node: 'n1' } }); // .3 WEP has another IP
  assignFromBlock(spec, { num: 1, handleId: 'noattrs' }); // .4 cannot tell
  assignFromBlock(spec, { num: 1, handleId: 'ipip-tunnel-addr-n1', attrs: { type: 'ipipTunnelAddress', node: 'n1' } }); // .5
  assignFromBlock(spec, { num: 1, handleId: 'deadnode', attrs: { pod: 'e', namespace: 'ns', node: 'n9' } }); // .6
  const block: IPAMBlock = { apiVersion: 'v1', kind: 'IPAMBlock', metadata: { name: 'b' }, spec };
  const owners = indexOwners({
    nodes: [node('n1'), node('n2')],
    weps: [wep('ns', 'a', 'n1', '10.0.0.0'), wep('ns', 'c', 'n2', '10.0.0.2'), wep('ns', 'd', 'n1', '10.0.0.99')],
  });
  const byHandle = Object.fromEntries(classifyAllocations([block], owners).map((a) => [a.handleId, a.status]));
  assert.deepEqual(byHandle, {
    live: 'valid', gone: 'leak', moved: 'leak', wrongip: 'leak', noattrs: 'valid', 'ipip-tunnel-addr-n1': 'valid', deadnode: 'nodeGone',
  });
});

