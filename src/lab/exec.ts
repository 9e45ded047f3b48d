/**
 * Running the few host tools the lab needs (ip, sysctl via ip netns exec), with errors that say which
 * command failed and why. Every kernel change the lab makes goes through here.
 */
import { spawn } from 'node:child_process';

export class LabCommandError extends Error {
  readonly stderr: string;
  constructor(command: string, code: number, stderr: string) {
    super(`Cannot run "${command}": exit code ${code}: ${stderr.trim().split('\n').slice(0, 4).join(' | ')}`);
    this.name = 'LabCommandError';
    this.stderr = stderr;
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCommand(cmd: string, args: string[], options: { input?: string; check?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const r = { code: code ?? 1, stdout, stderr };
      if ((options.check ?? true) && r.code !== 0) reject(new LabCommandError([cmd, ...args].join(' '), r.code, stderr));
      else resolve(r);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** `ip [-n netns] -batch -` with the given lines; fails on the first failing line. */
export async function ipBatch(netns: string | undefined, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  const args = netns ? ['-n', netns, '-batch', '-'] : ['-batch', '-'];
  await runCommand('ip', args, { input: `${lines.join('\n')}\n` });
}

/** Set sysctls inside a network namespace (`key=value` pairs). */
export async function nsSysctl(netns: string, settings: string[]): Promise<void> {
  await runCommand('ip', ['netns', 'exec', netns, 'sysctl', '-qw', ...settings]);
}

export async function netnsExists(name: string): Promise<boolean> {
  const r = await runCommand('ip', ['netns', 'list'], { check: false });
  return r.stdout.split('\n').some((l) => l.split(' ')[0] === name);
}

/** Delete a netns, ignoring "does not exist". */
export async function deleteNetns(name: string): Promise<void> {
  await runCommand('ip', ['netns', 'del', name], { check: false });
}

/** PIDs of processes in a netns (`ip netns pids`). */
export async function netnsPids(name: string): Promise<number[]> {
  const r = await runCommand('ip', ['netns', 'pids', name], { check: false });
  return r.stdout.split('\n').filter(Boolean).map(Number).filter((n) => Number.isInteger(n) && n > 0);
}
