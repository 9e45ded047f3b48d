/**
 * Felix agent behaviour in a real kernel (needs root):
 * - an established TCP connection survives an agent restart, and a pod the policy does not allow is
 *   never let through while the agent is down or starting (tables stay; the new agent replaces them atomically);
 * - someone flushing our table by hand is repaired within the refresh interval;
 * - traffic from a `cali*` interface Felix does not know is dropped;
 * - natOutgoing: pod traffic leaving the pools is masqueraded to the node's address.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { runCommand } from '../../src/lab/exec.js';
import { unwirePod, wirePod } from '../../src/lab/pod-wiring.js';
import { sleep, startTestLab } from './_lab.js';

/** Holds one TCP connection for `ms`, pinging every 100 ms; prints {pings, pongs, broken}. */
const HOLD = (ip: string, ms: number): string => `
const s = require('node:net').connect({ host: '${ip}', port: 80 });
let pings = 0, pongs = 0, broken = false, buf = '';
s.on('data', (d) => { buf += d; const n = (buf.match(/ping/g) || []).length; pongs = n; });
s.on('error', () => { broken = true; }); s.on('close', () => { broken = true; });
s.on('connect', () => {
  const t = setInterval(() => { pings++; s.write('ping'); }, 100);
  setTimeout(() => { clearInterval(t); setTimeout(() => { console.log(JSON.stringify({ pings, pongs, broken })); process.exit(0); }, 300); }, ${ms});
});`;

/** Tries new connections for `ms` (150 ms timeout each); prints {attempts, successes}. */
const KNOCK = (ip: string, ms: number): string => `
const net = require('node:net'); let attempts = 0, successes = 0; const end = Date.now() + ${ms};
(function next() {
  if (Date.now() > end) { console.log(JSON.stringify({ attempts, successes })); return; }
  attempts++;
  const s = net.connect({ host: '${ip}', port: 80 });
  const done = (ok) => { clearTimeout(t); if (ok) successes++; s.destroy(); setTimeout(next, 20); };
  const t = setTimeout(() => done(false), 150);
  s.once('connect', () => done(true)); s.once('error', () => done(false));
})();`;

async function inPod(netns: string, script: string): Promise<Record<string, number | boolean>> {
  const r = await runCommand('ip', ['netns', 'exec', netns, process.execPath, '-e', script]);
  return JSON.parse(r.stdout.trim()) as Record<string, number | boolean>;
}

test('kernel lab: Felix restart, table repair and unknown interfaces', { timeout: 5 * 60_000 }, async (t) => {
  const env = await startTestLab(t, { nodes: 1, env: { FELIX_IPTABLESREFRESHINTERVAL: '1' } });
  const { lab } = env;
  await env.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } });
  const a = await lab.createPod({ ref: 'x/a', labels: { app: 'client' } });
  const b = await lab.createPod({ ref: 'x/b', labels: { app: 'server' } });
  const c = await lab.createPod({ ref: 'x/c', labels: { app: 'other' } });
  await env.apply({
    apiVersion: 'projectcalico.org/v3',
    kind: 'NetworkPolicy',
    metadata: { name: 'server', namespace: 'x' },
    spec: { selector: "app == 'server'", ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "app == 'client'" }, destination: { ports: [80] } }] },
  });
  const port = { protocol: 'tcp' as const, port: 80 };
  const reach = async (from: string): Promise<boolean> => (await lab.probe({ ports: [port], timeoutMs: 300, from: [from], to: ['x/b'] }))['tcp:80']![`${from}->x/b`]!;
  const until = async (what: string, cond: () => Promise<boolean>, ms: number): Promise<number> => {
    const start = Date.now();
    while (!(await cond())) {
      if (Date.now() - start > ms) assert.fail(`${what} did not happen within ${ms} ms`);
      await sleep(100);
    }
    return Date.now() - start;
  };
  await until('policy programmed', async () => (await reach('x/a')) && !(await reach('x/c')), 10_000);

  await t.test('an established connection survives a restart; the server is never open to others meanwhile', async () => {
    const hold = inPod(a.netns, HOLD(b.ip, 6000));
    const knock = inPod(c.netns, KNOCK(b.ip, 6000));
    await sleep(1000);
    await lab.stopAgent('node1');
    await sleep(1000);
    await lab.startAgent('node1');
    await lab.waitReady('node1');
    const [h, k] = await Promise.all([hold, knock]);
    assert.equal(h.broken, false, `connection broke: ${JSON.stringify(h)}`);
    assert.ok((h.pings as number) >= 40, JSON.stringify(h));
    assert.equal(h.pongs, h.pings, `lost echoes across the restart: ${JSON.stringify(h)}`);
    assert.ok((k.attempts as number) >= 10, JSON.stringify(k));
    assert.equal(k.successes, 0, `x/c reached x/b during the restart: ${JSON.stringify(k)}`);
    assert.equal(await reach('x/a'), true);
  });

  await t.test('flushing our table by hand is repaired within the refresh interval', async () => {
    const node = lab.node('node1');
    const before = (await runCommand('ip', ['netns', 'exec', node.netns, 'nft', 'list', 'table', 'ip', 'calico'])).stdout;
    await runCommand('ip', ['netns', 'exec', node.netns, 'nft', 'flush', 'table', 'ip', 'calico']);
    const took = await until('table repaired', async () => {
      const now = (await runCommand('ip', ['netns', 'exec', node.netns, 'nft', 'list', 'table', 'ip', 'calico'])).stdout;
      return now === before;
    }, 5000);
    assert.ok(took <= 3000, `repair took ${took} ms with a 1 s refresh interval`);
    assert.equal(await reach('x/c'), false);
    assert.equal(await reach('x/a'), true);
  });

  await t.test('traffic from an unknown cali interface is dropped', async () => {
    const node = lab.node('node1');
    const rogue = { nodeNetns: node.netns, podNetns: `${lab.name}-rogue`, hostIface: 'calibad0000001', ips: ['10.65.1.200/32'] };
    try {
      await wirePod(rogue);
      const script = `const s=require('node:net').connect({host:'${b.ip}',port:81});const t=setTimeout(()=>{console.log('false');process.exit(0)},500);s.on('connect',()=>{console.log('true');process.exit(0)});s.on('error',()=>{console.log('false');process.exit(0)});`;
      const r = await runCommand('ip', ['netns', 'exec', rogue.podNetns, process.execPath, '-e', script]);
      assert.equal(r.stdout.trim(), 'false');
      // Control: a pod Felix knows reaches an unselected pod on the same node.
      assert.equal((await lab.probe({ ports: [{ protocol: 'tcp', port: 81 }], timeoutMs: 500, from: ['x/c'], to: ['x/a'] }))['tcp:81']!['x/c->x/a'], true);
    } finally {
      await unwirePod(rogue);
    }
  });

  await t.test('natOutgoing pool: traffic to outside the pools leaves with the node address', async () => {
    await env.apply({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'lab-pool' }, spec: { cidr: '10.65.0.0/16', natOutgoing: true } });
    // A server on the underlay bridge (outside every pool) reports the source address it sees.
    const server = spawn('ip', ['netns', 'exec', lab.state.underlay, process.execPath, '-e',
      "require('node:net').createServer((s)=>{console.log(s.remoteAddress);s.end();process.exit(0)}).listen(8080,'172.31.0.254',()=>console.log('ready'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const lines: string[] = [];
      server.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
      await until('server ready', async () => lines.includes('ready'), 5000);
      const connect = `const s=require('node:net').connect({host:'172.31.0.254',port:8080});s.on('connect',()=>{});s.on('data',()=>{});s.on('close',()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(2),600)`;
      // The pool reaches Felix asynchronously: retry until the server has seen a connection.
      try {
        await until('a connection from x/a', async () => {
          await runCommand('ip', ['netns', 'exec', a.netns, process.execPath, '-e', connect], { check: false });
          return lines.length > 1;
        }, 10_000);
      } catch (err) {
        const node = lab.node('node1').netns;
        const nat = await runCommand('ip', ['netns', 'exec', node, 'nft', 'list', 'ruleset'], { check: false });
        const ct = await runCommand('ip', ['netns', 'exec', node, 'conntrack', '-L'], { check: false });
        const log = (await runCommand('tail', ['-n', '15', `${lab.stateDir}/node1-felix.log`], { check: false })).stdout;
        const alive = (await runCommand('ps', ['-o', 'pid,stat,cmd', '-p', String(lab.node('node1').agentPid)], { check: false })).stdout;
        throw new Error(`${(err as Error).message}; server said ${JSON.stringify(lines)}; agent: ${alive}; log: ${log}; conntrack: ${ct.stdout}; nat: ${nat.stdout.includes('nat-POSTROUTING')}`);
      }
      assert.equal(lines[1], '172.31.0.1');
    } finally {
      server.kill('SIGTERM');
    }
  });
});
