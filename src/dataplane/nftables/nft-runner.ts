/**
 * The one edge to the kernel's nftables: run a script as one transaction, list a table as JSON.
 * ExecNftRunner runs `nft` in the caller's network namespace; RecordingNftRunner is the fake for tests.
 */
import { spawn } from 'node:child_process';
import type { ChainRules, SetElementChanges } from './model.js';
import { NetlinkChainWriter } from './netlink/chain-writer.js';
import { NftSession } from './nft-session.js';

/** Scripts up to this size go through the resident `nft -i` (its libedit input reads one byte per syscall). */
const SESSION_MAX_SCRIPT = 16 * 1024;

export interface NftRunner {
  /** Run `script` with `nft -f -` (one atomic transaction). Rejects with nft's stderr on failure. */
  run(script: string): Promise<void>;
  /** `nft -j list table <family> <name>`; resolves undefined when the table does not exist. */
  listTable(family: string, name: string): Promise<string | undefined>;
  /**
   * Optional: change these sets' elements and replace these chains' rules in one transaction by a faster
   * route than `nft`. Resolves false when this runner cannot (nothing sent); rejects when the kernel
   * refused (nothing applied).
   */
  replaceChains?(changes: readonly ChainRules[], sets?: readonly SetElementChanges[]): Promise<boolean>;
  /** Optional: every table in the namespace (`nft -j list tables`). */
  listTables?(): Promise<Array<{ family: string; name: string }>>;
}

export class NftError extends Error {
  readonly stderr: string;
  constructor(message: string, stderr: string) {
    super(message);
    this.name = 'NftError';
    this.stderr = stderr;
  }
}

function runNft(args: string[], input: string | undefined, nftPath: string, netns: string | undefined): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = netns
      ? spawn('ip', ['netns', 'exec', netns, nftPath, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn(nftPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

export class ExecNftRunner implements NftRunner {
  readonly #nft: string;
  readonly #netns: string | undefined;
  readonly #session: NftSession | undefined;
  readonly #netlink: NetlinkChainWriter | undefined;
  /**
   * `netns`: run nft in that named network namespace (tests, benchmarks) instead of our own.
   * `session` (default true): send small transactions to one resident `nft -i` instead of a new `nft -f`.
   * `netlink` (default true, and only without `netns`): rewrite chains over our own nf_tables socket.
   */
  constructor(options: { nftPath?: string; netns?: string; session?: boolean; netlink?: boolean } = {}) {
    this.#nft = options.nftPath ?? 'nft';
    this.#netns = options.netns;
    if (options.session ?? true) this.#session = new NftSession(this.#nft, this.#netns);
    // A socket opens in our own namespace, so not when nft is to run in another one.
    if ((options.netlink ?? true) && this.#netns === undefined) {
      this.#netlink = new NetlinkChainWriter();
      this.#netlink.open();
    }
  }

  async replaceChains(changes: readonly ChainRules[], sets: readonly SetElementChanges[] = []): Promise<boolean> {
    return this.#netlink ? this.#netlink.replaceChains(changes, sets) : false;
  }

  async run(script: string): Promise<void> {
    // Full replaces (a `table` block over many lines) and large scripts go to a one-shot `nft -f`.
    if (this.#session && script.length <= SESSION_MAX_SCRIPT && !script.startsWith('table ')) return this.#session.run(script);
    const r = await runNft(['-f', '-'], script, this.#nft, this.#netns);
    if (r.code !== 0) throw new NftError(`Cannot apply nftables transaction: ${r.stderr.trim().split('\n').slice(0, 6).join(' | ')}`, r.stderr);
  }

  async listTable(family: string, name: string): Promise<string | undefined> {
    const r = await runNft(['-j', 'list', 'table', family, name], undefined, this.#nft, this.#netns);
    if (r.code !== 0) {
      if (/No such file or directory/.test(r.stderr)) return undefined;
      throw new NftError(`Cannot list table ${family} ${name}: ${r.stderr.trim()}`, r.stderr);
    }
    return r.stdout;
  }

  async listTables(): Promise<Array<{ family: string; name: string }>> {
    const r = await runNft(['-j', 'list', 'tables'], undefined, this.#nft, this.#netns);
    if (r.code !== 0) throw new NftError(`Cannot list tables: ${r.stderr.trim()}`, r.stderr);
    const doc = JSON.parse(r.stdout) as { nftables: Array<{ table?: { family: string; name: string } }> };
    return doc.nftables.flatMap((i) => (i.table ? [{ family: i.table.family, name: i.table.name }] : []));
  }

  /** Ends the resident nft process, if any (it also ends by itself when we exit). */
  close(): void {
    this.#session?.close();
    this.#netlink?.close();
  }
}

/** Records every script; `failNext(n, pattern?)` makes the next matching runs fail, as a rejecting kernel would. */
export class RecordingNftRunner implements NftRunner {
  readonly scripts: string[] = [];
  /** What listTable returns, per `family name`. */
  readonly listings = new Map<string, string>();
  #failures: Array<RegExp | undefined> = [];

  failNext(count = 1, pattern?: RegExp): void {
    for (let i = 0; i < count; i++) this.#failures.push(pattern);
  }

  async run(script: string): Promise<void> {
    const f = this.#failures[0];
    if (this.#failures.length > 0 && (f === undefined || f.test(script))) {
      this.#failures.shift();
      this.scripts.push(script);
      throw new NftError('Cannot apply nftables transaction: injected failure', 'injected');
    }
    this.scripts.push(script);
  }

  async listTable(family: string, name: string): Promise<string | undefined> {
    return this.listings.get(`${family} ${name}`);
  }

  /** The tables that have a listing. */
  async listTables(): Promise<Array<{ family: string; name: string }>> {
    return [...this.listings.keys()].map((k) => ({ family: k.split(' ')[0]!, name: k.split(' ')[1]! }));
  }
}
