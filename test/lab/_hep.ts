/**
 * Helpers for the host endpoint kernel tests: host-process listeners and probes inside a lab netns,
 * conntrack inspection, and the reference evaluator run the way `calicoctl policy trace` runs it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { Resource } from '../../src/api/types.js';
import { policyTraceCommand } from '../../src/cli/commands/policy-trace.js';
import { buildSnapshot, evaluate, type Packet } from '../../src/policy/index.js';
import { runCommandInProcess } from '../helpers/in-process-cli.js';
import type { Datastore } from '../../src/datastore/types.js';
import { runCommand } from '../../src/lab/exec.js';
import { sleep } from './_lab.js';

/** What a TCP connect attempt saw: a handshake, a reset (nothing listening), or silence (dropped). */
export type TcpOutcome = 'open' | 'refused' | 'timeout';

/** Listens on every address of the netns: TCP answers "ok" and closes; UDP echoes. */
const SERVER = (tcp: number[], udp: number[]): string => `
const net = require('node:net'), dgram = require('node:dgram');
let pending = ${tcp.length + udp.length};
const up = () => { if (--pending === 0) console.log('ready'); };
for (const p of ${JSON.stringify(tcp)}) net.createServer((s) => { s.on('error', () => {}); s.end('ok'); }).listen(p, '0.0.0.0', up);
for (const p of ${JSON.stringify(udp)}) { const u = dgram.createSocket('udp4'); u.on('message', (m, r) => u.send(m, r.port, r.address)); u.bind(p, '0.0.0.0', up); }
`;

export interface Listener {
  stop(): void;
}

/** Start a host-process server in `netns`; resolves once it listens. */
export async function listen(netns: string, ports: { tcp?: number[]; udp?: number[] }): Promise<Listener> {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', SERVER(ports.tcp ?? [], ports.udp ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`listener in ${netns} not ready: ${err}`)), 5000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`listener in ${netns} exited with ${code}: ${err}`));
    });
  });
  // `ip netns exec` execs the command in place, so this PID is the server itself.
  return { stop: () => void child.kill('SIGTERM') };
}

const TCP_PROBE = (host: string, ports: number[], ms: number, srcPort?: number): string => `
const net = require('node:net');
const one = (port) => new Promise((res) => {
  const s = net.connect({ host: '${host}', port${srcPort === undefined ? '' : `, localPort: ${srcPort}`} });
  const t = setTimeout(() => { s.destroy(); res('timeout'); }, ${ms});
  s.once('connect', () => { clearTimeout(t); s.destroy(); res('open'); });
  s.once('error', (e) => { clearTimeout(t); res(e.code === 'ECONNREFUSED' ? 'refused' : 'timeout'); });
});
Promise.all(${JSON.stringify(ports)}.map(one)).then((r) => console.log(JSON.stringify(r)));
`;

/** Try a TCP connection from `netns` to each port of `host` (in parallel). */
export async function tcpProbe(netns: string, host: string, ports: number[], timeoutMs = 400): Promise<Record<number, TcpOutcome>> {
  const r = await runCommand('ip', ['netns', 'exec', netns, process.execPath, '-e', TCP_PROBE(host, ports, timeoutMs)]);
  const outcomes = JSON.parse(r.stdout.trim()) as TcpOutcome[];
  return Object.fromEntries(ports.map((p, i) => [p, outcomes[i]!]));
}

/** Send one UDP datagram from `netns` and report whether the echo came back. */
export async function udpEcho(netns: string, host: string, port: number, timeoutMs = 400): Promise<boolean> {
  const script = `const u=require('node:dgram').createSocket('udp4');const t=setTimeout(()=>{console.log('false');process.exit(0)},${timeoutMs});
u.on('message',()=>{clearTimeout(t);console.log('true');process.exit(0)});u.send('ping',${port},'${host}');`;
  const r = await runCommand('ip', ['netns', 'exec', netns, process.execPath, '-e', script]);
  return r.stdout.trim() === 'true';
}

/** conntrack entries in `netns` for TCP from `src` to `dport` (0 when none). */
export async function conntrackCount(netns: string, src: string, dport: number): Promise<number> {
  const r = await runCommand('ip', ['netns', 'exec', netns, 'conntrack', '-L', '-p', 'tcp', '-s', src, '--dport', String(dport)], { check: false });
  return r.stdout.split('\n').filter((l) => l.includes(`dport=${dport}`)).length;
}

/** Delete the conntrack entries in `netns` for TCP to `dport`. */
export async function clearConntrack(netns: string, dport: number): Promise<void> {
  // conntrack -D exits 1 when there was nothing to delete.
  await runCommand('ip', ['netns', 'exec', netns, 'conntrack', '-D', '-p', 'tcp', '--dport', String(dport)], { check: false });
}

/** Poll `cond` until true; fail with `what` (and the last value) after `ms`. */
export async function until<T>(what: string, read: () => Promise<T>, ok: (v: NoInfer<T>) => boolean, ms = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() - start > ms) assert.fail(`${what} did not happen within ${ms} ms; last: ${JSON.stringify(v)}`);
    await sleep(100);
  }
}

export interface TraceVerdict {
  allowed: boolean;
  /** Message of the step that decided the last evaluated direction. */
  decidedBy: string;
}

/** `calicoctl policy trace --from <from> --to <to> -p <proto> --port <port> -o json`, in-process, on the lab's datastore. */
export async function trace(ds: Datastore, from: string, to: string, protocol: 'tcp' | 'udp', port: number, srcPort?: number): Promise<TraceVerdict> {
  const argv = ['--from', from, '--to', to, '--protocol', protocol, '--port', String(port), '-o', 'json'];
  if (srcPort !== undefined) argv.push('--src-port', String(srcPort));
  const { code, stdout, stderr } = await runCommandInProcess(policyTraceCommand, argv, ds);
  assert.equal(code, 0, `policy trace ${argv.join(' ')} failed: ${stderr}`);
  const r = JSON.parse(stdout) as { allowed: boolean; ingress?: { decidedBy: { message: string } }; egress?: { decidedBy: { message: string } } };
  const decided = r.ingress ?? r.egress;
  return { allowed: r.allowed, decidedBy: decided?.decidedBy.message ?? '' };
}

const SNAPSHOT_KINDS = [
  'WorkloadEndpoint', 'HostEndpoint', 'Profile', 'Tier', 'NetworkPolicy', 'GlobalNetworkPolicy',
  'StagedNetworkPolicy', 'StagedGlobalNetworkPolicy', 'NetworkSet', 'GlobalNetworkSet', 'FelixConfiguration',
];

/** The reference evaluator on the datastore's current contents (for packets the CLI cannot describe, e.g. forwarded ones). */
export async function evaluateNow(ds: Datastore, packet: Packet): Promise<TraceVerdict> {
  const resources: Resource[] = [];
  for (const kind of SNAPSHOT_KINDS) resources.push(...(await ds.list({ kind })).items);
  const r = evaluate(buildSnapshot(resources), packet);
  const decided = r.forwardEgress ?? r.ingress ?? r.forwardIngress ?? r.egress;
  return { allowed: r.allowed, decidedBy: decided?.decidedBy.message ?? '' };
}
