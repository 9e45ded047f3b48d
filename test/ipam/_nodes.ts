/** Starts alloc-worker processes ("nodes") and drives them in lock-step over stdin/stdout. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { nodeCommand } from '../helpers/paths.js';

export interface AssignReport {
  assigned: Array<{ handleId: string; ip: string }>;
  errors: string[];
  ms: number;
}

export interface ReleaseReport {
  released: number;
  errors: string[];
  ms: number;
}

export class NodeProcess {
  readonly host: string;
  readonly #child: ChildProcess;
  readonly #lines: Interface;
  readonly #queue: string[] = [];
  #waiters: Array<(line: string) => void> = [];
  #stderr = '';

  constructor(host: string, env: Record<string, string>, opts: { count: number; concurrency: number; serialize?: boolean }) {
    this.host = host;
    const [cmd, ...args] = nodeCommand('test/ipam/alloc-worker');
    const extra = ['--host', host, '--count', String(opts.count), '--concurrency', String(opts.concurrency)];
    if (opts.serialize === false) extra.push('--no-serialize');
    this.#child = spawn(cmd!, [...args, ...extra], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stderr!.on('data', (d: Buffer) => (this.#stderr += d.toString()));
    this.#lines = createInterface({ input: this.#child.stdout! });
    this.#lines.on('line', (l) => {
      const w = this.#waiters.shift();
      if (w) w(l);
      else this.#queue.push(l);
    });
  }

  #next(timeoutMs = 120_000): Promise<string> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node ${this.host}: no answer in ${timeoutMs} ms; stderr: ${this.#stderr}`)), timeoutMs);
      const onExit = (): void => reject(new Error(`node ${this.host} exited; stderr: ${this.#stderr}`));
      this.#child.once('exit', onExit);
      this.#waiters.push((l) => {
        clearTimeout(timer);
        this.#child.off('exit', onExit);
        resolve(l);
      });
    });
  }

  async ready(): Promise<void> {
    const l = await this.#next(30_000);
    if (l !== 'ready') throw new Error(`node ${this.host}: expected ready, got ${l}; stderr: ${this.#stderr}`);
  }

  async assign(): Promise<AssignReport> {
    this.#child.stdin!.write('assign\n');
    return JSON.parse(await this.#next()) as AssignReport;
  }

  async release(): Promise<ReleaseReport> {
    this.#child.stdin!.write('release\n');
    return JSON.parse(await this.#next()) as ReleaseReport;
  }

  /** Asks the worker to exit; kills this PID if it does not within 10 s. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.#child.once('exit', () => r()));
    this.#child.stdin!.end('exit\n');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    this.#lines.close();
  }
}

/** Starts `hosts.length` nodes and waits until each has its datastore open. */
export async function startNodes(hosts: string[], env: Record<string, string>, opts: { count: number; concurrency: number; serialize?: boolean }): Promise<NodeProcess[]> {
  const nodes = hosts.map((h) => new NodeProcess(h, env, opts));
  try {
    await Promise.all(nodes.map((n) => n.ready()));
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw err;
  }
  return nodes;
}
