/**
 * A long-lived `nft -i` process that runs one transaction per input line.
 *
 * Why: a fresh `nft -f` per change pays process start-up, dynamic linking and heap growth on every run
 * (about 20 of the 34 ms one policy change took with 7,000 chains); a resident process pays only its
 * cache refill and the kernel commit. nft 1.0.6 in interactive mode parses and commits each line as one
 * batch, so a script joined into one line (`;` between commands) stays one atomic transaction.
 *
 * nft prints nothing on success in this mode, so after each transaction we send a line that is a syntax
 * error without any netlink traffic (the marker); nft echoes that line in its error report on stderr, and
 * everything on stderr before the marker's report belongs to the transaction.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { NftError } from './nft-runner.js';

/** A transaction that takes longer than this is taken as a hung nft: the process is killed and restarted. */
const TRANSACTION_TIMEOUT_MS = 60_000;
/** nft keeps every line in its (libedit) history: start a fresh process after this many bytes. */
const RECYCLE_AFTER_BYTES = 8 * 2 ** 20;

interface Pending {
  marker: string;
  resolve: (stderr: string) => void;
  reject: (err: Error) => void;
}

/** Whether `script` can be sent as one line: no quoted string spans lines (nftString never emits one). */
export function toOneLine(script: string): string {
  return script
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join('; ');
}

export class NftSession {
  readonly #command: string;
  readonly #args: string[];
  #child: ChildProcessWithoutNullStreams | undefined;
  #buffer = '';
  #pending: Pending | undefined;
  #seq = 0;
  #sent = 0;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(nftPath: string, netns: string | undefined) {
    this.#command = netns ? 'ip' : nftPath;
    this.#args = netns ? ['netns', 'exec', netns, nftPath, '-i'] : ['-i'];
  }

  /** Run `script` as one transaction; rejects with nft's error report. */
  run(script: string): Promise<void> {
    const p = this.#queue.then(() => this.#runLocked(toOneLine(script)));
    this.#queue = p.catch(() => undefined);
    return p;
  }

  close(): void {
    const child = this.#child;
    this.#child = undefined;
    child?.stdin.end();
  }

  #start(): ChildProcessWithoutNullStreams {
    // HOME=/dev/null: nft reads and writes $HOME/.nft.history; this makes both fail quietly.
    const child = spawn(this.#command, this.#args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, HOME: '/dev/null' } });
    this.#buffer = '';
    this.#sent = 0;
    child.stdout.on('data', () => undefined);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      // A closed process may still be flushing; only the current one's output counts.
      if (this.#child !== child) return;
      this.#buffer += d;
      this.#scan();
    });
    const gone = (why: string): void => {
      if (this.#child !== child) return;
      this.#child = undefined;
      const p = this.#pending;
      this.#pending = undefined;
      p?.reject(new NftError(`Cannot apply nftables transaction: nft -i ${why}: ${this.#buffer.trim().slice(0, 500)}`, this.#buffer));
    };
    child.on('error', (err) => gone(err.message));
    child.on('exit', (code, signal) => gone(`exited (${signal ?? code})`));
    child.stdin.on('error', () => undefined);
    // An idle session must not keep the agent (or a test) alive; nft exits when its stdin closes.
    this.#idle(child);
    return child;
  }

  #idle(child: ChildProcessWithoutNullStreams): void {
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr] as unknown as Array<{ unref?: () => void }>) s.unref?.();
  }

  #busy(child: ChildProcessWithoutNullStreams): void {
    child.ref();
    for (const s of [child.stdin, child.stdout, child.stderr] as unknown as Array<{ ref?: () => void }>) s.ref?.();
  }

  #scan(): void {
    const p = this.#pending;
    if (!p) return;
    // The marker's report: "Error: syntax error...\n<marker>\n<spaces and carets>\n".
    const at = this.#buffer.indexOf(`\n${p.marker}\n`);
    if (at < 0) return;
    const caretEnd = this.#buffer.indexOf('\n', at + p.marker.length + 2);
    if (caretEnd < 0) return;
    const reportStart = this.#buffer.lastIndexOf('Error:', at);
    const own = this.#buffer.slice(0, Math.max(0, reportStart));
    this.#buffer = this.#buffer.slice(caretEnd + 1);
    this.#pending = undefined;
    p.resolve(own);
  }

  async #runLocked(line: string): Promise<void> {
    if (line === '') return;
    const child = this.#child ?? (this.#child = this.#start());
    const marker = `calicosync${++this.#seq}`;
    this.#busy(child);
    try {
      let timer: NodeJS.Timeout | undefined;
      const stderr = await new Promise<string>((resolve, reject) => {
        this.#pending = { marker, resolve, reject };
        timer = setTimeout(() => child.kill('SIGKILL'), TRANSACTION_TIMEOUT_MS);
        child.stdin.write(`${line}\n${marker}\n`);
      }).finally(() => clearTimeout(timer));
      // Warnings alone do not fail a transaction; any failure is reported as "Error: ...".
      if (/^Error:/m.test(stderr)) {
        throw new NftError(`Cannot apply nftables transaction: ${stderr.trim().split('\n').slice(0, 6).join(' | ')}`, stderr);
      }
    } finally {
      this.#sent += line.length;
      if (this.#child === child && this.#sent > RECYCLE_AFTER_BYTES) this.close();
      else if (this.#child === child) this.#idle(child);
    }
  }
}
