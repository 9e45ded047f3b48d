/**
 * Routes to local workloads: `<ip>/32 dev <cali iface> scope link proto 80`, as Felix's route manager
 * programs them. Keeps the desired set, applies differences with one `ip -batch`, and on resync removes
 * proto-80 routes we no longer want and re-adds missing ones. A route whose interface does not exist yet
 * stays pending and is retried on the next apply.
 */
import { spawn } from 'node:child_process';

/** Felix's route protocol for the routes it owns. */
export const FELIX_ROUTE_PROTOCOL = 80;

export interface KernelRoute {
  dst: string;
  dev?: string;
}

export interface IpRunner {
  /** Runs commands with `ip -force -batch -`; resolves to the indexes of the commands that failed. */
  batch(commands: string[]): Promise<number[]>;
  /** Routes with our protocol in the main table. */
  listRoutes(protocol: number): Promise<KernelRoute[]>;
}

function run(args: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    // `ip` may exit before reading stdin (listing commands never do): ignore EPIPE rather than crash.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

export class ExecIpRunner implements IpRunner {
  async batch(commands: string[]): Promise<number[]> {
    if (commands.length === 0) return [];
    const r = await run(['-force', '-batch', '-'], `${commands.join('\n')}\n`);
    const failed = new Set<number>();
    for (const m of r.stderr.matchAll(/Command failed -:(\d+)/g)) failed.add(Number(m[1]) - 1);
    return [...failed];
  }

  async listRoutes(protocol: number): Promise<KernelRoute[]> {
    const r = await run(['-j', 'route', 'show', 'proto', String(protocol)], '');
    if (r.code !== 0) throw new Error(`Cannot list routes: ${r.stderr.trim()}`);
    const rows = JSON.parse(r.stdout || '[]') as Array<{ dst: string; dev?: string }>;
    return rows.map((x) => ({ dst: x.dst.includes('/') ? x.dst : `${x.dst}/${x.dst.includes(':') ? 128 : 32}`, dev: x.dev }));
  }
}

/** Records commands; `failing` lists destinations whose commands fail (interface missing, say). */
export class RecordingIpRunner implements IpRunner {
  readonly batches: string[][] = [];
  readonly failing = new Set<string>();
  routes: KernelRoute[] = [];
  async batch(commands: string[]): Promise<number[]> {
    this.batches.push(commands);
    return commands.flatMap((c, i) => ([...this.failing].some((d) => c.includes(` ${d} `)) ? [i] : []));
  }
  async listRoutes(): Promise<KernelRoute[]> {
    return this.routes;
  }
}

function normaliseDst(dst: string): string {
  return dst.includes('/') ? dst : `${dst}/${dst.includes(':') ? 128 : 32}`;
}

export class RouteManager {
  readonly #ip: IpRunner;
  readonly #desired = new Map<string, string>();
  /** What we believe the kernel has (dst → dev). */
  readonly #applied = new Map<string, string>();
  readonly #removed = new Set<string>();

  constructor(ip: IpRunner) {
    this.#ip = ip;
  }

  setRoute(dst: string, iface: string): void {
    const d = normaliseDst(dst);
    this.#desired.set(d, iface);
    this.#removed.delete(d);
  }

  removeRoute(dst: string): void {
    const d = normaliseDst(dst);
    if (this.#desired.delete(d) || this.#applied.has(d)) this.#removed.add(d);
  }

  get pending(): number {
    let n = this.#removed.size;
    for (const [d, i] of this.#desired) if (this.#applied.get(d) !== i) n++;
    return n;
  }

  async apply(): Promise<void> {
    const cmds: string[] = [];
    const what: Array<() => void> = [];
    for (const d of this.#removed) {
      cmds.push(`route del ${d} proto ${FELIX_ROUTE_PROTOCOL}`);
      what.push(() => {
        this.#applied.delete(d);
        this.#removed.delete(d);
      });
    }
    for (const [d, iface] of this.#desired) {
      if (this.#applied.get(d) === iface) continue;
      cmds.push(`route replace ${d} dev ${iface} scope link proto ${FELIX_ROUTE_PROTOCOL}`);
      what.push(() => void this.#applied.set(d, iface));
    }
    if (cmds.length === 0) return;
    const failed = new Set(await this.#ip.batch(cmds));
    cmds.forEach((c, i) => {
      // A failed delete means the route is already gone: that is the goal too.
      if (!failed.has(i) || c.startsWith('route del')) what[i]!();
    });
  }

  /** Reconcile with the kernel: re-add missing routes, delete proto-80 routes nobody wants. */
  async resync(): Promise<void> {
    const kernel = await this.#ip.listRoutes(FELIX_ROUTE_PROTOCOL);
    this.#applied.clear();
    for (const r of kernel) {
      const d = normaliseDst(r.dst);
      if (this.#desired.has(d)) {
        if (r.dev) this.#applied.set(d, r.dev);
      } else {
        this.#applied.set(d, r.dev ?? '');
        this.#removed.add(d);
      }
    }
    await this.apply();
  }
}
