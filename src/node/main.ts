#!/usr/bin/env node
/**
 * `calico-node`: the per-host agent. `calico-node felix` runs Felix (syncer → calc graph → nftables)
 * in the current network namespace, with the node name from `--name` or NODENAME and the datastore
 * from the same environment/config file as calicoctl (DATASTORE_TYPE, CALICO_DATA_DIR, ETCD_ENDPOINTS).
 */
import { hostname } from 'node:os';
import { Command } from 'commander';
import { destination, pino } from 'pino';
import { loadDatastoreConfig, openDatastore } from '../datastore/config.js';
import { CalicoError } from '../lib/errors.js';
import { runFelix } from './felix.js';

async function felix(opts: { name?: string; config?: string; logLevel?: string }): Promise<void> {
  const logger = pino({ level: opts.logLevel ?? process.env.FELIX_LOGSEVERITYSCREEN?.toLowerCase() ?? 'info' }, destination(2));
  process.on('uncaughtException', (err) => {
    logger.fatal({ err: err.stack ?? String(err) }, 'Felix crashed; the dataplane stays as last programmed');
    process.exit(1);
  });
  const nodeName = opts.name ?? process.env.NODENAME ?? process.env.FELIX_FELIXHOSTNAME ?? hostname();
  const config = await loadDatastoreConfig(process.env, opts.config);
  const datastore = await openDatastore(config);
  const handle = await runFelix({ datastore, nodeName, env: process.env, logger });
  logger.info({ nodeName, datastore: config.type }, 'Felix started');
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'Stopping Felix; leaving the dataplane programmed');
    // Bounded: the tables stay programmed whatever happens, so there is nothing to wait for beyond a second.
    const graceful = handle.stop().then(() => datastore.close());
    void Promise.race([graceful, new Promise((r) => setTimeout(r, 1000))]).finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

const program = new Command('calico-node').description('Calico per-host agent');
program
  .command('felix')
  .description('Run Felix: program this network namespace from the datastore')
  .option('--name <node>', 'node name (default: $NODENAME, else the host name)')
  .option('--config <file>', 'datastore config file (as calicoctl)')
  .option('--log-level <level>', 'log level: debug, info, warn, error')
  .action(async (opts: { name?: string; config?: string; logLevel?: string }) => {
    await felix(opts);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${err instanceof CalicoError || err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
