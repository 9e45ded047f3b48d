/** Drives test/datastore/child.ts in a separate OS process: send JSON commands, await output lines. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { nodeCommand } from '../helpers/paths.js';

export class ChildClient {
  readonly process: ChildProcess;
  readonly lines: string[] = [];
  #waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  #exit: Promise<void>;
  stderr = '';

  constructor(env: NodeJS.ProcessEnv) {
    const [cmd, ...args] = nodeCommand('test/datastore/child');
    this.process = spawn(cmd!, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.process.stdout! }).on('line', (line) => {
      this.lines.push(line);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.match(line)) return true;
        w.resolve(line);
        return false;
      });
    });
    this.#exit = new Promise((r) => this.process.once('exit', () => r()));
  }

  static async start(env: NodeJS.ProcessEnv): Promise<ChildClient> {
    const child = new ChildClient(env);
    await child.next((l) => l.includes('"ready"'), 20_000);
    return child;
  }

  /** Resolves with the first line (already seen or future) for which `match` is true. */
  next(match: (line: string) => boolean, timeoutMs = 15_000, from = 0): Promise<string> {
    const seen = this.lines.slice(from).find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child: no matching line within ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.#waiters.push({ match, resolve: (l) => { clearTimeout(timer); resolve(l); } });
    });
  }

  send(command: Record<string, unknown>): void {
    this.process.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  /** Sends a command and waits for its `{"ok":...}` reply. */
  async request(command: Record<string, unknown>, timeoutMs = 15_000): Promise<{ ok: boolean; code?: string; [k: string]: unknown }> {
    const from = this.lines.length;
    this.send(command);
    const line = await this.next((l) => l.startsWith('{"ok"'), timeoutMs, from);
    return JSON.parse(line) as { ok: boolean; code?: string };
  }

  /** SIGKILL (or `signal`) this child by PID and wait for it to exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
    await this.#exit;
  }

  async exit(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.send({ op: 'exit' });
    await Promise.race([this.#exit, new Promise((r) => setTimeout(r, 5000))]);
    await this.kill();
  }
}
