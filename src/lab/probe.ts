/**
 * The connectivity matrix: one prober per source pod, run in parallel in the pod's netns, each trying
 * every destination pod on every requested port at once with a short timeout. UDP needs the pod server's
 * echo. Results are `{"<port>": {"x/a->y/b": true, ...}}`.
 */
import { connect } from 'node:net';
import { runCommand } from './exec.js';
import { entryArgv } from './entry.js';
import type { ServePort } from './serve.js';
import type { LabPod } from './state.js';

export interface ProbeOptions {
  ports: ServePort[];
  timeoutMs?: number;
  /** Limit sources/destinations to these pod ids (default all). */
  from?: string[];
  to?: string[];
}

/** Keyed by `tcp:80`, then `x/a->y/b`. */
export type ProbeResult = Record<string, Record<string, boolean>>;

export function portKey(p: ServePort): string {
  return `${p.protocol}:${p.port}`;
}

/** Send one probe request to a pod server's control socket. */
function askServer(path: string, req: unknown): Promise<Record<string, boolean>> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let buf = '';
    sock.on('error', reject);
    sock.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      sock.end();
      const r = JSON.parse(buf.slice(0, nl)) as Record<string, boolean> & { error?: string };
      if (r.error) reject(new Error(`Probe failed in pod: ${r.error}`));
      else resolve(r);
    });
    sock.write(`${JSON.stringify(req)}\n`);
  });
}

export async function probeMatrix(pods: LabPod[], options: ProbeOptions): Promise<ProbeResult> {
  const idOf = (p: LabPod): string => `${p.namespace}/${p.pod}`;
  const sources = pods.filter((p) => !options.from || options.from.includes(idOf(p)));
  const targets = pods.filter((p) => !options.to || options.to.includes(idOf(p))).map((p) => ({ id: idOf(p), ip: p.ip }));
  const timeout = options.timeoutMs ?? 1000;
  const result: ProbeResult = Object.fromEntries(options.ports.map((p) => [portKey(p), {}]));
  await Promise.all(
    sources.map(async (src) => {
      const req = { timeoutMs: timeout, targets, ports: options.ports };
      const got = src.controlSocket && src.serverPid
        ? await askServer(src.controlSocket, req)
        : (JSON.parse((await runCommand('ip', ['netns', 'exec', src.netns, ...entryArgv('./prober'), String(timeout), JSON.stringify(targets), JSON.stringify(options.ports)])).stdout) as Record<string, boolean>);
      for (const [k, ok] of Object.entries(got)) {
        const [dst, port] = k.split('|') as [string, string];
        result[port]![`${idOf(src)}->${dst}`] = ok;
      }
    }),
  );
  // Stable key order for output.
  for (const k of Object.keys(result)) result[k] = Object.fromEntries(Object.entries(result[k]!).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return result;
}
