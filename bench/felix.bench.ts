/**
 * Felix (nftables dataplane) figures, as JSON:
 * - policy_change_ms: datastore write of one policy → kernel programmed, with 1,000 local endpoints and
 *   5,000 policies, through the real syncer → calc graph → driver → kernel, in a process of its own inside
 *   a fresh netns (felix-policy.ts; in-process memory datastore; routes are left out because the
 *   endpoints' interfaces do not exist). Target p99 ≤ 10 ms. Policy edits go over our nf_tables netlink
 *   socket (FELIX_BENCH_NETLINK=0: through the resident `nft -i` instead; FELIX_BENCH_NFT_SESSION=0: a
 *   fresh `nft -f` each). `baseline` is measured in the same run, after each change: the same transaction
 *   through a fresh `nft -f`, and the full render + table diff the driver did before its policy-edit fast path.
 * - full_resync_ms: atomic full replace of that state (render + one `nft -f`). Target ≤ 1,000 ms.
 * Both figures are given dual-stack (ip + ip6 tables) and IPv4-only (ipv6Support false).
 * - rss_mb: that process's RSS holding datastore + calc graph + driver for that state. Target ≤ 300 MB.
 * - per_packet_ratio: new TCP connections/s between two pods with 10,000 rules (on 1,000 other endpoints)
 *   and a 10,000-member IP set in the path, divided by the same with no rules, both measured at once in
 *   two identical network-namespace topologies. Target ≥ 0.95.
 * Needs root (network namespaces).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ExecNftRunner, NftablesDataplane } from '../src/dataplane/nftables/index.js';
import { deleteNetns, runCommand } from '../src/lab/exec.js';
import { ruleCount } from './_nft.js';
import { unwirePod, wirePod, type PodWiring } from '../src/lab/pod-wiring.js';


const round = (n: number): number => Math.round(n * 100) / 100;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function nsName(tag: string): string {
  return `b${process.pid.toString(36)}${tag}${Math.random().toString(36).slice(2, 5)}`;
}

/** New TCP connections per second from `netns` to ip:80 over `ms`, with `concurrency` loops. */
async function connRate(netns: string, ip: string, ms: number): Promise<number> {
  const script = `const net=require('node:net');let n=0;const end=Date.now()+${ms};function go(){if(Date.now()>end)return;const s=net.connect({host:'${ip}',port:80});s.once('connect',()=>{n++;s.destroy();go()});s.once('error',()=>{s.destroy();go()})}for(let i=0;i<32;i++)go();setTimeout(()=>{console.log(n/${ms / 1000});process.exit(0)},${ms + 200});`;
  const r = await runCommand('ip', ['netns', 'exec', netns, process.execPath, '-e', script]);
  return Number(r.stdout.trim());
}

interface Topology {
  node: string;
  a: PodWiring;
  b: PodWiring;
  server?: ReturnType<typeof spawn>;
  dp: NftablesDataplane;
}

/** A node netns with two wired pods (client a, server b) and its own Felix driver. */
async function topology(): Promise<Topology> {
  const node = nsName('n');
  const t: Topology = {
    node,
    a: { nodeNetns: node, podNetns: nsName('a'), hostIface: 'calibencha0001', ips: ['10.71.0.1/32'] },
    b: { nodeNetns: node, podNetns: nsName('b'), hostIface: 'calibenchb0001', ips: ['10.71.0.2/32'] },
    dp: new NftablesDataplane({ runner: new ExecNftRunner({ netns: node }), families: ['ip'], autoApply: false }),
  };
  await runCommand('ip', ['netns', 'add', node]);
  // A veth pair inside the node gives it a default route through another interface (proxy ARP needs one).
  await runCommand('ip', ['-n', node, 'link', 'add', 'ul0', 'type', 'veth', 'peer', 'name', 'ul1']);
  await runCommand('ip', ['-n', node, 'addr', 'add', '172.31.0.1/24', 'dev', 'ul0']);
  await runCommand('ip', ['-n', node, 'link', 'set', 'ul0', 'up']);
  await runCommand('ip', ['-n', node, 'link', 'set', 'ul1', 'up']);
  await runCommand('ip', ['-n', node, 'route', 'add', 'default', 'via', '172.31.0.254']);
  await runCommand('ip', ['netns', 'exec', node, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  await wirePod(t.a);
  await wirePod(t.b);
  t.server = spawn('ip', ['netns', 'exec', t.b.podNetns, process.execPath, '-e',
    `require('node:net').createServer((s)=>{s.on('error',()=>{});s.end()}).listen({port:80,backlog:4096},()=>console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => t.server!.stdout!.once('data', () => resolve()));
  const allow = { inbound: [{ action: 'allow' as const, ruleId: 'a' }], outbound: [{ action: 'allow' as const, ruleId: 'b' }] };
  t.dp.onProfileUpdate('kns.bench', allow);
  for (const [key, w] of [['bench/a', t.a], ['bench/b', t.b]] as const) {
    t.dp.onWorkloadEndpointUpdate({ key, interfaceName: w.hostIface, ipv4Nets: w.ips, ipv6Nets: [], tiers: [], profileIds: ['kns.bench'] });
  }
  t.dp.onInSync();
  await t.dp.flush();
  return t;
}

/** 10,000 rules on 1,000 other endpoints, and b's ingress allowed through a 10,000-member IP set. */
async function loadRules(t: Topology): Promise<void> {
  const { dp, b } = t;
  dp.onIPSetAdded('s:clients', 'net');
  const members = ['10.71.0.1/32'];
  for (let i = 0; i < 9999; i++) members.push(`10.80.${i >> 8}.${i & 255}/32`);
  dp.onIPSetMembersAdded('s:clients', members);
  for (let e = 0; e < 1000; e++) {
    const rules = Array.from({ length: 10 }, (_, r) => ({ action: 'allow' as const, protocol: 'tcp', srcNets: [`10.90.${e >> 8}.${e & 255}/32`], dstPorts: [{ first: 1000 + r, last: 1000 + r }], ruleId: `r${e}-${r}` }));
    dp.onPolicyUpdate(`np/bench/other${e}`, { kind: 'np', namespace: 'bench', name: `other${e}`, tier: 'default' }, { inbound: rules, outbound: [] });
    dp.onWorkloadEndpointUpdate({
      key: `bench/other${e}`, interfaceName: `calio${e.toString(16).padStart(10, '0')}`, ipv4Nets: [`10.72.${e >> 8}.${e & 255}/32`], ipv6Nets: [], profileIds: ['kns.bench'],
      tiers: [{ name: 'default', ingressPolicies: [`np/bench/other${e}`], egressPolicies: [], defaultAction: 'Deny' }],
    });
  }
  dp.onPolicyUpdate('np/bench/server', { kind: 'np', namespace: 'bench', name: 'server', tier: 'default' }, {
    inbound: [{ action: 'allow', protocol: 'tcp', srcIPSetIds: ['s:clients'], dstPorts: [{ first: 80, last: 80 }], ruleId: 's' }], outbound: [],
  });
  dp.onWorkloadEndpointUpdate({
    key: 'bench/b', interfaceName: b.hostIface, ipv4Nets: b.ips, ipv6Nets: [], profileIds: ['kns.bench'],
    tiers: [{ name: 'default', ingressPolicies: ['np/bench/server'], egressPolicies: [], defaultAction: 'Deny' }],
  });
  await dp.flush();
}

async function teardown(t: Topology): Promise<void> {
  t.server?.kill('SIGTERM');
  await unwirePod(t.a);
  await unwirePod(t.b);
  await deleteNetns(t.node);
}

/**
 * Two identical topologies, one with no rules and one with 10,000, measured at the same time so that
 * other load on this shared machine hits both alike; the ratio is of medians over several rounds.
 */
async function perPacket(): Promise<Record<string, unknown>> {
  const topos: Topology[] = [];
  try {
    topos.push(await topology());
    topos.push(await topology());
    const [empty, loaded] = topos as [Topology, Topology];
    await loadRules(loaded);
    const ms = Number(process.env.FELIX_BENCH_RATE_MS ?? 1500);
    await Promise.all([connRate(empty.a.podNetns, '10.71.0.2', 300), connRate(loaded.a.podNetns, '10.71.0.2', 300)]);
    const base: number[] = [];
    const withRules: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < Number(process.env.FELIX_BENCH_ROUNDS ?? 5); round++) {
      const [x, y] = await Promise.all([connRate(empty.a.podNetns, '10.71.0.2', ms), connRate(loaded.a.podNetns, '10.71.0.2', ms)]);
      base.push(x);
      withRules.push(y);
      ratios.push(y / x);
    }
    const rules = await ruleCount('ip', loaded.node);
    return {
      rules_installed: rules,
      conns_per_s_no_rules: round(median(base)),
      conns_per_s_10k_rules: round(median(withRules)),
      per_packet_ratio: { value: round(median(ratios)), rounds: ratios.map(round), target: 0.95 },
    };
  } finally {
    for (const t of topos) await teardown(t);
  }
}

/** Runs felix-policy.(ts|js) for `families` as a process of its own in a fresh network namespace. */
async function policyChangeAndResync(families: Array<'ip' | 'ip6'>): Promise<Record<string, unknown>> {
  const netns = nsName('p');
  await runCommand('ip', ['netns', 'add', netns]);
  try {
    const self = fileURLToPath(import.meta.url);
    const child = self.replace(/felix\.bench\.(ts|js)$/, 'felix-policy.$1');
    const r = await runCommand('ip', ['netns', 'exec', netns, process.execPath, ...process.execArgv, child, families.join(',')]);
    if (r.code !== 0) throw new Error(`felix-policy failed (${r.code}): ${r.stderr.slice(-2000)}`);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  } finally {
    await deleteNetns(netns);
  }
}

export async function run(): Promise<Record<string, unknown>> {
  // FELIX_BENCH_ONLY=per-packet runs just the connection-rate comparison.
  if (process.env.FELIX_BENCH_ONLY === 'per-packet') return perPacket();
  // FELIX_BENCH_ONLY=policy leaves the connection-rate comparison out.
  const withPerPacket = process.env.FELIX_BENCH_ONLY !== 'policy';
  const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return {
    // Other load on these shared machines moves the latency tails; this is the 1/5/15-minute load at the start.
    loadAverage: loadAverage(),
    dual_stack: await policyChangeAndResync(['ip', 'ip6']),
    // FelixConfiguration ipv6Support: false (FELIX_IPV6SUPPORT=false): only the `ip calico` table.
    ipv4_only: await policyChangeAndResync(['ip']),
    ...(withPerPacket ? await perPacket() : {}),
  };
}
