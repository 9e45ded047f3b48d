#!/usr/bin/env node
/**
 * `calico-lab`: nodes and pods as network namespaces on this host, with Felix in each node, sharing the
 * datastore calicoctl uses in the same environment (DATASTORE_TYPE, CALICO_DATA_DIR, ETCD_ENDPOINTS).
 * Several labs can run at once with different --name (netns names are prefixed with it) and data dirs.
 */
import { Command } from 'commander';
import { loadDatastoreConfig, openDatastore } from '../datastore/config.js';
import type { Datastore } from '../datastore/types.js';
import { CalicoError } from '../lib/errors.js';
import { DEFAULT_POOL_NAME, LAB_DEFAULT_POOL_CIDR } from './default-pool.js';
import { DEFAULT_SERVE, Lab } from './lab.js';
import { portKey } from './probe.js';
import { stateDirFor } from './state.js';

interface GlobalOpts {
  name: string;
  stateDir?: string;
}

async function withLab<T>(program: Command, fn: (lab: Lab) => Promise<T>): Promise<T> {
  const g = program.opts<GlobalOpts>();
  const config = await loadDatastoreConfig(process.env);
  const datastore: Datastore = await openDatastore(config);
  try {
    const lab = new Lab({ name: g.name, stateDir: stateDirFor(g.name, config, g.stateDir), datastore, datastoreConfig: config });
    return await fn(lab);
  } finally {
    await datastore.close();
  }
}

function parseLabels(text: string | undefined): Record<string, string> {
  if (!text) return {};
  const out: Record<string, string> = {};
  for (const item of text.split(',')) {
    const m = /^([A-Za-z0-9_./-]+)=([A-Za-z0-9_.-]*)$/.exec(item.trim());
    if (!m) throw new RangeError(`Cannot parse label "${item}": expected key=value`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

const program = new Command('calico-lab')
  .description('Calico nodes and pods as network namespaces, for trying things and for tests')
  .option('--name <lab>', 'lab name (prefix of every netns)', 'lab')
  .option('--state-dir <dir>', 'where the lab records what it built (default: <CALICO_DATA_DIR>/lab/<name>)');

program
  .command('up')
  .description('Create the underlay and nodes, the default IP pool if none, Felix in each node and calico-kube-controllers')
  .option('--nodes <k>', 'number of nodes', '1')
  .option('--pool-cidr <cidr>', `CIDR of ${DEFAULT_POOL_NAME}, created when no IP pool exists`, LAB_DEFAULT_POOL_CIDR)
  .action(async (o: { nodes: string; poolCidr: string }, cmd: Command) => {
    await withLab(program, async (lab) => {
      // Only an explicit --pool-cidr must match an existing pool; the default just seeds an empty datastore.
      const explicit = cmd.getOptionValueSource('poolCidr') === 'cli';
      await lab.up(Number(o.nodes), explicit ? { poolCidr: o.poolCidr } : {});
      for (const n of lab.state.nodes) process.stdout.write(`${n.name}\tnetns ${n.netns}\t${n.ip}\tfelix pid ${n.agentPid ?? '-'}\n`);
      process.stdout.write(`calico-kube-controllers pid ${lab.state.kubeControllersPid ?? '-'}\n`);
    });
  });

program
  .command('down')
  .description('CNI DEL every pod, stop agents, pod servers and kube-controllers, delete namespaces and the lab\'s nodes')
  .action(async () =>
    withLab(program, async (lab) => {
      if (lab.state.nodes.length === 0 && Object.keys(lab.state.pods).length === 0) {
        process.stderr.write(`calico-lab: nothing recorded for lab "${lab.name}" in ${lab.stateDir}\n`);
      }
      await lab.down();
    }),
  );

const pod = program.command('pod').description('Pods');
pod
  .command('create <ref>')
  .description('Create <namespace>/<pod>: netns, CNI ADD with the calico plugin (address, wiring, WorkloadEndpoint), server')
  .option('--node <node>', 'node to put it on (default: the first)')
  .option('--labels <k=v,...>', 'pod labels')
  .option('--ip <addr>', 'request this IPv4 address (default: Calico IPAM assigns one)')
  .option('--serve <list>', 'ports to serve', DEFAULT_SERVE)
  .option('--no-serve', 'run no server in the pod')
  .action(async (ref: string, o: { node?: string; labels?: string; ip?: string; serve: string | false }) => {
    await withLab(program, async (lab) => {
      const p = await lab.createPod({ ref, node: o.node, labels: parseLabels(o.labels), ip: o.ip, serve: o.serve === false ? '' : o.serve });
      process.stdout.write(`${p.namespace}/${p.pod}\t${p.ip}\t${p.iface}\t${p.node}\t${p.workloadEndpoint}\n`);
    });
  });
pod
  .command('delete <ref>')
  .description('Delete a pod (CNI DEL: address released, veth and WorkloadEndpoint removed)')
  .action(async (ref: string) => withLab(program, (lab) => lab.deletePod(ref)));
pod
  .command('label <ref> <labels>')
  .description('Replace a pod\'s labels (k=v,...)')
  .action(async (ref: string, labels: string) => withLab(program, (lab) => lab.setPodLabels(ref, parseLabels(labels))));

program
  .command('probe')
  .description('Try every pod to every pod; prints the from->to matrix')
  .option('--port <port>', 'destination port', '80')
  .option('--protocol <p>', 'tcp or udp', 'tcp')
  .option('--timeout <ms>', 'per-probe timeout', '1000')
  .option('--json', 'JSON output {"x/a->y/b": true, ...}')
  .action(async (o: { port: string; protocol: string; timeout: string; json?: boolean }) => {
    const protocol = o.protocol.toLowerCase();
    if (protocol !== 'tcp' && protocol !== 'udp') throw new RangeError(`Cannot probe protocol "${o.protocol}": use tcp or udp`);
    const port = { protocol: protocol as 'tcp' | 'udp', port: Number(o.port) };
    await withLab(program, async (lab) => {
      const matrix = (await lab.probe({ ports: [port], timeoutMs: Number(o.timeout) }))[portKey(port)]!;
      if (o.json) {
        process.stdout.write(`${JSON.stringify(matrix, null, 2)}\n`);
        return;
      }
      const ids = Object.keys(lab.state.pods).sort();
      const w = Math.max(4, ...ids.map((i) => i.length));
      process.stdout.write(`${''.padEnd(w)} ${ids.map((i) => i.padEnd(w)).join(' ')}\n`);
      for (const a of ids) process.stdout.write(`${a.padEnd(w)} ${ids.map((b) => (matrix[`${a}->${b}`] ? '.' : 'X').padEnd(w)).join(' ')}\n`);
    });
  });

program
  .command('exec <ref> <cmd...>')
  .description('Run a command in a pod\'s network namespace (use -- before the command)')
  .action(async (ref: string, cmd: string[]) => {
    const code = await withLab(program, (lab) => lab.exec(ref, cmd));
    process.exitCode = code;
  });

program
  .command('restart-agent <node>')
  .description('Restart Felix on a node (the dataplane stays programmed meanwhile)')
  .action(async (node: string) =>
    withLab(program, async (lab) => {
      await lab.stopAgent(node);
      await lab.startAgent(node);
      await lab.waitReady(node);
    }),
  );

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`calico-lab: ${err instanceof CalicoError || err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
