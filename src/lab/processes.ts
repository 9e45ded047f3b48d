/**
 * Starting and stopping the lab's long-running processes (Felix agents, pod servers) inside network
 * namespaces. We only ever signal PIDs we recorded, and check /proc/<pid>/cmdline first, so a recycled
 * PID belonging to someone else is never touched.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { runCommand } from './exec.js';

/** Start `argv` in `netns`, detached, output appended to `logFile`. Resolves with its PID. */
export function startInNetns(netns: string, argv: string[], options: { env: NodeJS.ProcessEnv; logFile: string; waitForLine?: string }): Promise<number> {
  return startDetached(['ip', 'netns', 'exec', netns, ...argv], options);
}

/** Start `argv` in this process's netns, detached, output appended to `logFile`. Resolves with its PID. */
export function startDetached(argv: string[], options: { env: NodeJS.ProcessEnv; logFile: string; waitForLine?: string }): Promise<number> {
  const log = openSync(options.logFile, 'a');
  const where = argv[0] === 'ip' && argv[1] === 'netns' ? ` in netns ${argv[3]}` : '';
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      detached: true,
      env: options.env,
      stdio: ['ignore', options.waitForLine ? 'pipe' : log, log],
    });
    closeSync(log);
    child.on('error', reject);
    if (!child.pid) return reject(new Error(`Cannot start ${argv.join(' ')}${where}`));
    const pid = child.pid;
    if (!options.waitForLine) {
      child.unref();
      return resolve(pid);
    }
    let buf = '';
    const onExit = (code: number | null): void => reject(new Error(`Cannot start ${argv.join(' ')}${where}: exited with ${code} (see ${options.logFile})`));
    child.once('exit', onExit);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.split('\n').includes(options.waitForLine!)) {
        child.off('exit', onExit);
        child.stdout!.destroy();
        child.unref();
        resolve(pid);
      }
    });
  });
}

/** Whether `pid` is alive and its command line contains `marker` (so it is still the process we started). */
export function isOurs(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL. No-op when the PID is gone or not ours. */
export async function stopProcess(pid: number | undefined, marker: string, graceMs = 5000): Promise<void> {
  if (!pid || !isOurs(pid, marker)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurs(pid, marker)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  if (isOurs(pid, marker)) process.kill(pid, 'SIGKILL');
}

/** GET http://<host>:<port><path> from inside `netns`; resolves the HTTP status (0 when unreachable). */
export async function httpStatusInNetns(netns: string, port: number, path: string, host = '127.0.0.1'): Promise<number> {
  const script = `require('node:http').get({host:${JSON.stringify(host)},port:${port},path:${JSON.stringify(path)},timeout:1000},(r)=>{console.log(r.statusCode);r.resume();}).on('error',()=>console.log(0)).on('timeout',function(){this.destroy()})`;
  const r = await runCommand('ip', ['netns', 'exec', netns, process.execPath, '-e', script], { check: false });
  return Number(r.stdout.trim()) || 0;
}
