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
import { Command, InvalidArgumentError } from 'commander';
import { loadDatastoreConfig, openDatastore } from '../datastore/config.js';
import { parseGoDuration } from '../lib/duration.js';
import { IPAMGarbageCollector } from '../ipam/gc.js';

interface Args {
  intervalMs?: number;
  leakGracePeriodMs?: number;
  once: boolean;
  config?: string;
}

function durationOption(flag: string) {
  return (value: string): number => {
    const ms = parseGoDuration(value);
    if (ms === undefined) throw new InvalidArgumentError(`cannot parse duration "${value}" for ${flag} (use e.g. 30s, 5m)`);
    return ms;
  };
}

function parseArgs(argv: string[]): Args {
  const program = new Command('calico-kube-controllers')
    .description("Calico's cluster controllers: IPAM garbage collection of leaked addresses, empty blocks and deleted nodes")
    .option('--interval <duration>', 'time between passes (default: half the leak grace period, at least 1s)', durationOption('--interval'))
    .option('--leak-grace-period <duration>', 'override KubeControllersConfiguration leakGracePeriod', durationOption('--leak-grace-period'))
    .option('--once', 'run one pass and exit', false)
    .option('-c, --config <file>', 'CalicoAPIConfig file saying which datastore to use')
    .showHelpAfterError()
    .parse(argv, { from: 'user' });
  const o = program.opts<{ interval?: number; leakGracePeriod?: number; once: boolean; config?: string }>();
  return { intervalMs: o.interval, leakGracePeriodMs: o.leakGracePeriod, once: o.once, config: o.config };
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
