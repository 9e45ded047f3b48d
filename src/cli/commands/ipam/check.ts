/**
 * `calicoctl ipam check`: cross-checks IPAM blocks and handles against the workloads and nodes
 * that use addresses, and reports leaks, unallocated in-use addresses and addresses outside pools.
 */
import { writeFile } from 'node:fs/promises';
import type { CalicoNode, ClusterInformation, WorkloadEndpoint } from '../../../api/types.js';
import { buildInfo } from '../../build-info.js';
import { CONFIG_OPTIONS, optFlag, optString, parseArgs } from '../../args.js';
import type { CommandModule } from '../../types.js';
import { affinityHost, allocatedOrdinals, attributeFor, blockCIDR, ordinalToIPString, sequenceNumberFor } from '../../../ipam/block.js';
import { WINDOWS_RESERVED_HANDLE } from '../../../ipam/gc-classify.js';
import { cidrContainsIP, normaliseIP, parseIP } from '../../../ipam/ip.js';
import { IPAMStore, isNotFound } from '../../../ipam/store.js';
import { systemClock, type AllocationAttribute } from '../../../ipam/types.js';
import type { CheckReport, ReportAllocation, ReportHandle } from './_report.js';

const usage = `Usage:
  calicoctl ipam check [--config=<CONFIG>] [--show-all-ips] [--show-problem-ips] [-o <FILE>] [--allow-version-mismatch]

Options:
  -h --help                    Show this screen.
  -o --output=<FILE>           Path to output report file.
     --show-all-ips            Print all IPs that are checked.
     --show-problem-ips        Print all IPs that are leaked or not allocated properly.
  -c --config=<CONFIG>         Path to the file containing connection configuration in
                               YAML or JSON format.
                               [default: /etc/calico/calicoctl.cfg]
     --allow-version-mismatch  Allow client and cluster versions mismatch.

Description:
  The ipam check command checks the integrity of the IPAM datastructures against the
  workload endpoints and nodes in the datastore.
`;

function attrString(attr: AllocationAttribute | undefined): string {
  if (!attr) return '<missing>';
  const extra = Object.keys(attr.secondary ?? {}).sort().map((k) => `${k}=${attr.secondary![k]}`).join(',');
  return `Main:${attr.handle_id ?? '<none>'} Extra:${extra}`;
}

function nodeIPs(n: CalicoNode): string[] {
  const raw = [n.spec?.ipv4VXLANTunnelAddr, n.spec?.wireguard?.interfaceIPv4Address, n.spec?.bgp?.ipv4IPIPTunnelAddr,
    n.spec?.ipv6VXLANTunnelAddr, n.spec?.wireguard?.interfaceIPv6Address];
  return raw.filter((x): x is string => !!x).map((x) => normaliseIP(x) ?? x);
}

export const checkCommand: CommandModule = {
  name: ['ipam', 'check'],
  usage,
  async run(argv, ctx) {
    const args = parseArgs(argv, [...CONFIG_OPTIONS, { long: 'output', short: 'o', value: true }, { long: 'show-all-ips' }, { long: 'show-problem-ips' }, { long: 'kubeconfig', value: true }]);
    if (args.help) {
      ctx.stdout(usage);
      return 0;
    }
    const showAll = optFlag(args, 'show-all-ips');
    const showProblems = showAll || optFlag(args, 'show-problem-ips');
    const outFile = optString(args, 'output');
    const ds = await ctx.datastore();
    const store = new IPAMStore(ds, systemClock);
    const print = (line = ''): void => ctx.stdout(`${line}\n`);

    print('Checking IPAM for inconsistencies...');
    print();
    let clusterInfo: ClusterInformation | undefined;
    try {
      clusterInfo = await ds.get<ClusterInformation>({ kind: 'ClusterInformation', name: 'default' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }

    const allocations = new Map<string, ReportAllocation[]>();
    const attrText = new Map<ReportAllocation, string>();
    const byNode = new Map<string, number>();
    const inUseHandles = new Set<string>();
    const inUseIPs = new Map<string, string[]>();
    const recordInUse = (ip: string, owner: string): void => {
      if (showAll) print(`  ${ip} belongs to ${owner}`);
      inUseIPs.set(ip, [...(inUseIPs.get(ip) ?? []), owner]);
      for (const a of allocations.get(ip) ?? []) {
        a.inUse = true;
        a.owners = [...(a.owners ?? []), owner];
      }
    };

    print('Loading all IPAM blocks...');
    const blocks = await store.listBlocks();
    print(`Found ${blocks.length} IPAM blocks.`);
    let numAllocs = 0;
    for (const b of blocks) {
      const spec = b.spec!;
      print(` IPAM block ${spec.cidr} affinity=${spec.affinity ?? '<none>'}:`);
      const c = blockCIDR(spec);
      const owner = affinityHost(spec.affinity) ?? '';
      for (const o of allocatedOrdinals(spec)) {
        numAllocs++;
        const ip = ordinalToIPString(c, o);
        const attr = attributeFor(spec, o);
        const a: ReportAllocation = { ip, inUse: false, owners: null, sequenceNumber: sequenceNumberFor(spec, o) };
        if (attr?.handle_id === WINDOWS_RESERVED_HANDLE) recordInUse(ip, 'Reserved for Windows');
        else if (attr?.handle_id !== undefined) {
          a.handle = attr.handle_id;
          inUseHandles.add(attr.handle_id);
        }
        const s = attr?.secondary ?? {};
        const node = s['node'] || owner;
        if (s['pod']) a.pod = s['pod'];
        if (s['namespace']) a.namespace = s['namespace'];
        if (s['type']) a.type = s['type'];
        if (s['timestamp']) a.creationTimestamp = s['timestamp'];
        if (node) a.node = node;
        if (node !== owner) a.borrowed = true;
        allocations.set(ip, [...(allocations.get(ip) ?? []), a]);
        attrText.set(a, attrString(attr));
        byNode.set(node, (byNode.get(node) ?? 0) + 1);
        if (showAll) print(`  ${ip} allocated; attrs ${attrString(attr)}`);
      }
    }
    print(`IPAM blocks record ${numAllocs} allocations.`);
    print();

    print('Loading all IPAM pools...');
    const pools = (await store.readPools()).filter((p) => !p.disabled);
    for (const p of pools) print(`  ${p.cidrText}`);
    print(`Found ${pools.length} active IP pools.`);
    print();

    print('Loading all nodes.');
    let numNodeIPs = 0;
    for (const n of (await ds.list<CalicoNode>({ kind: 'Node' })).items) {
      for (const ip of nodeIPs(n)) {
        recordInUse(ip, `Node(${n.metadata.name})`);
        numNodeIPs++;
      }
    }
    print(`Found ${numNodeIPs} node tunnel IPs.`);
    print();

    print('Loading all workload endpoints.');
    let numWEPIPs = 0;
    for (const w of (await ds.list<WorkloadEndpoint>({ kind: 'WorkloadEndpoint' })).items) {
      for (const net of w.spec?.ipNetworks ?? []) {
        const ip = normaliseIP(net);
        if (!ip) {
          ctx.stderr(`failed to parse IP (${net}) of workload ${w.metadata.namespace}/${w.metadata.name}\n`);
          return 1;
        }
        recordInUse(ip, `Workload(${w.metadata.namespace}/${w.metadata.name})`);
        numWEPIPs++;
      }
    }
    print(`Found ${numWEPIPs} workload IPs.`);
    print(`Workloads and nodes are using ${inUseIPs.size} IPs.`);
    print();

    print('Loading all handles');
    const handles = new Map<string, ReportHandle>();
    for (const h of await store.listHandles()) {
      handles.set(h.spec!.handleID, { ID: h.spec!.handleID, UID: h.metadata.uid ?? null, Revision: h.metadata.resourceVersion ?? '' });
    }

    const nodesToPrint = 20;
    print(`Looking for top (up to ${nodesToPrint}) nodes by allocations...`);
    const nodes = [...byNode.keys()].sort((a, b) => byNode.get(b)! - byNode.get(a)!);
    for (const n of nodes.slice(0, nodesToPrint)) print(`  ${n} has ${byNode.get(n)} allocations`);
    if (nodes.length > 0) print(`Node with most allocations has ${byNode.get(nodes[0]!)}; median is ${byNode.get(nodes[Math.floor(nodes.length / 2)]!)}`);
    print();

    let problems = 0;
    print('Scanning for IPs that are allocated but not actually in use...');
    let leaked = 0;
    for (const [ip, allocs] of [...allocations].sort()) {
      if (inUseIPs.has(ip)) continue;
      if (showProblems) {
        for (const a of allocs) print(`  ${ip} leaked; attrs ${attrText.get(a)}`);
      }
      leaked++;
    }
    problems += leaked;
    print(`Found ${leaked} IPs that are allocated in IPAM but not actually in use.`);

    print('Scanning for IPs that are in use by a workload or node but not allocated in IPAM...');
    let notInPool = 0;
    let notAllocated = 0;
    for (const [ip, owners] of [...inUseIPs].sort()) {
      if (showProblems && owners.length > 1) print(`  ${ip} has multiple owners.`);
      if (allocations.has(ip)) continue;
      const addr = parseIP(ip);
      if (!pools.some((p) => cidrContainsIP(p.cidr, addr))) {
        if (showProblems) for (const o of owners) print(`  ${ip} in use by ${o} is not in any active IP pool.`);
        notInPool++;
        continue;
      }
      if (showProblems) for (const o of owners) print(`  ${ip} in use by ${o} and in active IPAM pool but has no IPAM allocation.`);
      notAllocated++;
    }
    problems += notInPool + notAllocated;
    print(`Found ${notInPool} in-use IPs that are not in active IP pools.`);
    print(`Found ${notAllocated} in-use IPs that are in active IP pools but have no corresponding IPAM allocation.`);
    print();

    print('Scanning for IPAM handles with no matching IPs...');
    const leakedHandles: ReportHandle[] = [];
    let goodHandles = 0;
    for (const [id, h] of [...handles].sort()) {
      if (inUseHandles.has(id)) {
        goodHandles++;
        continue;
      }
      if (showAll) print(`  ${id} doesn't have any active IPs.`);
      leakedHandles.push(h);
    }
    problems += leakedHandles.length;
    print(`Found ${leakedHandles.length} handles with no matching IPs (and ${goodHandles} handles with matches).`);

    print('Scanning for IPs with missing handle...');
    let missing = 0;
    for (const id of [...inUseHandles].sort()) {
      if (handles.has(id)) continue;
      if (showProblems) print(`  ${id} is in use in a block but doesn't exist.`);
      missing++;
    }
    print(`Found ${missing} handles mentioned in blocks with no matching handle resource.`);
    print(`Check complete; found ${problems} problems.`);

    if (outFile !== undefined) {
      const report: CheckReport = {
        version: (await buildInfo()).version,
        clusterGUID: clusterInfo?.spec?.clusterGUID ?? '',
        datastoreLocked: clusterInfo?.spec?.datastoreReady === false,
        clusterInformationRevision: clusterInfo?.metadata.resourceVersion ?? '',
        clusterType: clusterInfo?.spec?.clusterType ?? '',
        allocations: Object.fromEntries([...allocations].sort()),
      };
      if (leakedHandles.length > 0) report.leakedHandles = leakedHandles;
      await writeFile(outFile, JSON.stringify(report, null, 2), { mode: 0o644 });
    }
    return 0;
  },
};
