/**
 * IPv6 workloads on a real kernel: two pods in a node netns, wired the Calico way for IPv6 (host veth MAC
 * ee:ee:ee:ee:ee:ee, pod default route via its link-local fe80::ecee:eeff:feee:eeee), policed by the
 * nftables driver's ip6 tables. Pods whose interfaces hash to different shard tables, so a connection passes
 * the main table and two shards. Checks that neighbour discovery to the host survives an egress policy that
 * allows nothing but TCP (or a failed connection would be ND, not policy), and that ingress policy allows
 * and denies by port and by source.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { ParsedRule, PolicyRules, WorkloadEndpointInfo } from '../../src/calc/dataplane-api.js';
import { ExecNftRunner, NftablesDataplane, workloadShard } from '../../src/dataplane/nftables/index.js';
import { deleteNetns, ipBatch, nsSysctl, runCommand } from '../../src/lab/exec.js';

const run = `v6${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`;
const node = `${run}n`;
const GW = 'fe80::ecee:eeff:feee:eeee';
const pods = {
  a: { netns: `${run}a`, iface: 'cali6a00000001', ip: 'fd00:71::1' },
  b: { netns: `${run}b`, iface: 'cali6b00000001', ip: 'fd00:71::2' },
};
const servers: ChildProcess[] = [];
let dp: NftablesDataplane;

async function wire(p: (typeof pods)['a']): Promise<void> {
  await runCommand('ip', ['netns', 'add', p.netns]);
  await runCommand('ip', ['-n', node, 'link', 'add', p.iface, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', p.netns]);
  // No DAD on the host end, so its link-local (the pods' gateway) is usable at once.
  await nsSysctl(node, [`net.ipv6.conf.${p.iface}.accept_dad=0`]);
  await ipBatch(node, [`link set ${p.iface} address ee:ee:ee:ee:ee:ee`, `link set ${p.iface} up`, `route replace ${p.ip}/128 dev ${p.iface}`]);
  await nsSysctl(p.netns, ['net.ipv6.conf.eth0.accept_dad=0']);
  await ipBatch(p.netns, ['link set lo up', `addr add ${p.ip}/128 dev eth0 nodad`, 'link set eth0 up', `route add ::/0 via ${GW} dev eth0`]);
}

function serve(netns: string, ip: string, port: number): Promise<void> {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e',
    `require('node:net').createServer((s)=>{s.on('error',()=>{});s.end('ok')}).listen({host:'${ip}',port:${port}},()=>console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(child);
  return new Promise((resolve) => child.stdout!.once('data', () => resolve()));
}

/** Whether a TCP connection from `from` to ip:port completes within a second. */
async function connects(from: string, ip: string, port: number): Promise<boolean> {
  const script = `const s=require('node:net').connect({host:'${ip}',port:${port}});s.once('connect',()=>{console.log('yes');process.exit(0)});s.once('error',()=>{console.log('no');process.exit(0)});setTimeout(()=>{console.log('no');process.exit(0)},1000)`;
  const r = await runCommand('ip', ['netns', 'exec', from, process.execPath, '-e', script]);
  return r.stdout.trim() === 'yes';
}

function endpoint(key: string, p: (typeof pods)['a'], ingress: string[], egress: string[]): WorkloadEndpointInfo {
  return {
    key, interfaceName: p.iface, ipv4Nets: [], ipv6Nets: [`${p.ip}/128`], profileIds: ['kns.v6'],
    tiers: [{ name: 'default', ingressPolicies: ingress, egressPolicies: egress, defaultAction: 'Deny' }],
  };
}

const id = (name: string) => ({ kind: 'np' as const, namespace: 'v6', name, tier: 'default' });
const tcp = (port: number, extra: Partial<ParsedRule> = {}): ParsedRule => ({ action: 'allow', protocol: 'tcp', dstPorts: [{ first: port, last: port }], ruleId: `p${port}`, ...extra });

before(async () => {
  assert.notEqual(workloadShard(pods.a.iface), workloadShard(pods.b.iface), 'the two pods must sit in different shards');
  await runCommand('ip', ['netns', 'add', node]);
  await nsSysctl(node, ['net.ipv6.conf.all.forwarding=1']);
  await ipBatch(node, ['link set lo up']);
  await wire(pods.a);
  await wire(pods.b);
  await serve(pods.b.netns, pods.b.ip, 80);
  await serve(pods.b.netns, pods.b.ip, 81);
  dp = new NftablesDataplane({ runner: new ExecNftRunner({ netns: node }), families: ['ip', 'ip6'], autoApply: false });
  // The profile allows nothing: only the policies below decide.
  dp.onProfileUpdate('kns.v6', { inbound: [], outbound: [] });
  // a may send TCP to b's port 80 and 81, and nothing else (no ICMPv6 either); b admits what np/in says.
  dp.onPolicyUpdate('np/out', id('out'), { inbound: [], outbound: [tcp(80, { dstNets: [`${pods.b.ip}/128`] }), tcp(81)] });
  dp.onPolicyUpdate('np/in', id('in'), { inbound: [tcp(80, { srcNets: [`${pods.a.ip}/128`] })], outbound: [] });
  dp.onWorkloadEndpointUpdate(endpoint('v6/a', pods.a, [], ['np/out']));
  dp.onWorkloadEndpointUpdate(endpoint('v6/b', pods.b, ['np/in'], []));
  dp.onInSync();
  await dp.flush();
});

after(async () => {
  for (const s of servers) s.kill('SIGKILL');
  for (const p of Object.values(pods)) await deleteNetns(p.netns);
  await deleteNetns(node);
});

test('IPv6: allowed by both pods\' policies passes, though the egress policy allows no ICMPv6 (neighbour discovery is exempt)', async () => {
  assert.equal(await connects(pods.a.netns, pods.b.ip, 80), true);
});

test('IPv6: a port the ingress policy does not allow is dropped, then allowed once the policy is edited', async () => {
  assert.equal(await connects(pods.a.netns, pods.b.ip, 81), false);
  const inbound: PolicyRules['inbound'] = [tcp(80, { srcNets: [`${pods.a.ip}/128`] }), tcp(81, { srcNets: [`${pods.a.ip}/128`] })];
  dp.onPolicyUpdate('np/in', id('in'), { inbound, outbound: [] });
  await dp.flush();
  assert.equal(await connects(pods.a.netns, pods.b.ip, 81), true);
});

test('IPv6: a source the ingress policy does not name is dropped', async () => {
  dp.onPolicyUpdate('np/in', id('in'), { inbound: [tcp(80, { srcNets: ['fd00:72::/64'] })], outbound: [] });
  await dp.flush();
  assert.equal(await connects(pods.a.netns, pods.b.ip, 80), false);
});
