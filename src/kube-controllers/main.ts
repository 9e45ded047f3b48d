#!/usr/bin/env node
/**
 * calico-kube-controllers: runs the node controller's IPAM garbage collection in periodic passes.
 *
 * Usage:
 *   calico-kube-controllers [--interval=<duration>] [--leak-grace-period=<duration>] [--once] [-c <config>]
 *
 * The datastore comes from the environment (DATASTORE_TYPE, ETCD_ENDPOINTS, CALICO_DATA_DIR) or the
 * calicoctl config file, as for calicoctl. Passes run every `--interval` (default half the leak grace
 * period, at least 1s; 5m when leak GC is off); `--once` runs one pass and exits.
 */
import { loadDatastoreConfig, openDatastore } from '../datastore/config.js';
import { parseDuration } from '../ipam/gc-classify.js';
import { IPAMGarbageCollector } from '../ipam/gc.js';

interface Args {
  intervalMs?: number;
  leakGracePeriodMs?: number;
  once: boolean;
  config?: string;
}

function usageError(msg: string): never {
  process.stderr.write(`calico-kube-controllers: ${msg}\nUsage: calico-kube-controllers [--interval=<duration>] [--leak-grace-period=<duration>] [--once] [-c <config>]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const out: Args = { once: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => inline ?? argv[++i] ?? usageError(`option ${flag} needs a value`);
    const duration = (): number => {
      const v = value();
      const ms = parseDuration(v);
      if (ms === undefined) usageError(`option ${flag}: cannot parse duration "${v}" (use e.g. 30s, 5m)`);
      return ms;
    };
    if (flag === '--once') out.once = true;
    else if (flag === '--interval') out.intervalMs = duration();
    else if (flag === '--leak-grace-period') out.leakGracePeriodMs = duration();
    else if (flag === '-c' || flag === '--config') out.config = value();
    else usageError(`unknown option "${a}"`);
  }
  return out;
}

function log(level: string, msg: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const ds = await openDatastore(await loadDatastoreConfig(process.env, args.config));
  const gc = new IPAMGarbageCollector(ds, {
    leakGracePeriodMs: args.leakGracePeriodMs,
    log: (msg, fields) => log('info', msg, fields),
  });
  let stopping = false;
  let wake: (() => void) | undefined;
  const stop = (): void => {
    stopping = true;
    wake?.();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  log('info', 'calico-kube-controllers started', { controllers: ['node'] });
  while (!stopping) {
    let grace = 0;
    try {
      grace = await gc.leakGracePeriodMs();
      const r = await gc.runPass();
      log('info', 'IPAM GC pass complete', { candidates: r.candidates, released: r.released.length, affinitiesReleased: r.affinitiesReleased.length, inUse: r.inUse });
    } catch (err) {
      log('error', 'IPAM GC pass failed', { error: err instanceof Error ? err.message : String(err) });
    }
    if (args.once) break;
    const interval = args.intervalMs ?? (grace > 0 ? Math.max(1000, grace / 2) : 5 * 60_000);
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, interval);
    });
  }
  await ds.close();
}

main().catch((err: unknown) => {
  log('fatal', err instanceof Error ? err.message : String(err));
  process.exit(1);
});
