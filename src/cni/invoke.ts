/**
 * The runtime side of CNI: run a plugin the way a container runtime (libcni) does, with the
 * CNI_* environment and the network config on stdin, and read back its result or error JSON.
 * Used by the lab (`calico-lab pod create`) and by the tests and the bench.
 */
import { execCapture } from './exec.js';
import { CNI_ERR, CniError, type CniCommand, type CniResult } from './types.js';

export interface InvokeOptions {
  /** The plugin executable, or a full argv (e.g. [node, calico.js]). */
  plugin: string | string[];
  command: CniCommand;
  containerId?: string;
  /** Path of the container netns, e.g. /run/netns/pod1. */
  netns?: string;
  ifName?: string;
  /** CNI_ARGS as a map (joined as `K=V;K=V`) or as the literal string. */
  args?: Record<string, string> | string;
  /** The network configuration written to stdin (include prevResult for CHECK). */
  config: Record<string, unknown>;
  /** CNI_PATH entries; default [/usr/lib/cni, /opt/cni/bin]. */
  cniPath?: string[];
  /** Extra environment (e.g. CALICO_DATA_DIR) on top of this process's (CNI_* variables excepted). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  onSpawn?: (pid: number) => void;
  onStderr?: (chunk: string) => void;
}

export const DEFAULT_CNI_PATH = ['/usr/lib/cni', '/opt/cni/bin'];

function argsString(args: InvokeOptions['args']): string | undefined {
  if (args === undefined) return undefined;
  if (typeof args === 'string') return args;
  return Object.entries(args).map(([k, v]) => `${k}=${v}`).join(';');
}

/** The config for a CHECK or DEL after ADD: the same config with `prevResult` set. */
export function withPrevResult(config: Record<string, unknown>, prevResult: unknown): Record<string, unknown> {
  return { ...config, prevResult };
}

/**
 * Runs one plugin command. Resolves with the parsed JSON result (`{}` when the plugin prints
 * nothing, as DEL does), or with a CniError carrying the plugin's code/msg/details when it
 * failed. Rejects only if the plugin cannot be started at all.
 * @example
 * const r = await invokePlugin({ plugin: '/usr/lib/cni/ptp', command: 'ADD', containerId: 'c1',
 *   netns: '/run/netns/p1', ifName: 'eth0', config: { cniVersion: '1.0.0', name: 'n', type: 'ptp', ipam: {...} } });
 * if (r instanceof CniError) throw r;
 */
export async function invokePlugin(opts: InvokeOptions): Promise<CniResult | Record<string, unknown> | CniError> {
  const argv = typeof opts.plugin === 'string' ? [opts.plugin] : opts.plugin;
  // Like libcni: the runtime's own environment, minus any CNI_* of its own, plus this call's.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CNI_')) env[k] = v;
  Object.assign(env, opts.env ?? {}, { CNI_COMMAND: opts.command, CNI_PATH: (opts.cniPath ?? DEFAULT_CNI_PATH).join(':') });
  if (opts.containerId !== undefined) env.CNI_CONTAINERID = opts.containerId;
  if (opts.netns !== undefined) env.CNI_NETNS = opts.netns;
  if (opts.ifName !== undefined) env.CNI_IFNAME = opts.ifName;
  const a = argsString(opts.args);
  if (a !== undefined) env.CNI_ARGS = a;
  const r = await execCapture(argv, {
    stdin: JSON.stringify(opts.config),
    env,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.onSpawn ? { onSpawn: opts.onSpawn } : {}),
    ...(opts.onStderr ? { onStderr: opts.onStderr } : {}),
  });
  const text = r.stdout.trim();
  let parsed: unknown;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (r.code === 0) {
    if (text === '') return {};
    if (parsed === undefined || typeof parsed !== 'object' || parsed === null) {
      return new CniError(CNI_ERR.DECODE_FAILURE, `plugin ${argv.join(' ')} printed a result that is not JSON`, text.slice(0, 500));
    }
    return parsed as Record<string, unknown>;
  }
  const e = parsed as { code?: unknown; msg?: unknown; details?: unknown } | undefined;
  if (e && typeof e.code === 'number' && typeof e.msg === 'string') {
    return new CniError(e.code, e.msg, typeof e.details === 'string' ? e.details : undefined);
  }
  const how = r.signal ? `was killed by ${r.signal}` : `exited with status ${r.code}`;
  return new CniError(CNI_ERR.INTERNAL, `plugin ${argv.join(' ')} ${how}`, (r.stderr || text).trim().slice(0, 2000));
}
