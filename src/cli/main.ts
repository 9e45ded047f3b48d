#!/usr/bin/env node
/**
 * calicoctl's entry point: global options, the command chosen by its leading words, a CliContext whose
 * datastore opens on first use, and the only place that writes to the real stdout/stderr and exits.
 */
import type { Datastore, DatastoreConfig } from '../datastore/types.js';
import { UsageError } from './args.js';
import { COMMANDS, findGroup, findModule, groupUsage } from './registry.js';
import type { CliContext } from './types.js';

const LOG_LEVELS = ['panic', 'fatal', 'error', 'warn', 'warning', 'info', 'debug', 'trace'];

function topUsage(): string {
  const lines = COMMANDS.map((c) => `    ${c.words.join(' ').padEnd(13)}${c.summary}`).join('\n');
  return `Usage:
  calicoctl [options] <command> [<args>...]

${lines}

Options:
  -h --help                    Show this screen.
  -l --log-level=<level>       Set the log level (one of panic, fatal, error,
                               warn, info, debug) [default: panic]
  -c --config=<CONFIG>         Path to the CalicoAPIConfig file saying which datastore to use.
     --context=<context>       Accepted for compatibility; there is no kubeconfig here.
     --allow-version-mismatch  Allow client and cluster versions mismatch.

Description:
  The command line tool for Calico: manage network and security policy, view
  and manage endpoint configuration, and manage IP addresses.

  See 'calicoctl <command> --help' to read about a specific subcommand.
`;
}

interface GlobalOptions {
  help: boolean;
  logLevel: string;
  configPath: string | undefined;
  allowVersionMismatch: boolean;
  rest: string[];
}

/** calicoctl's docopt runs with options-first: global options end at the first non-option word. */
function parseGlobal(argv: string[]): GlobalOptions {
  const g: GlobalOptions = { help: false, logLevel: 'panic', configPath: undefined, allowVersionMismatch: false, rest: [] };
  let i = 0;
  const value = (name: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`option ${name} needs a value`);
    return v;
  };
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-') || arg === '-') break;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq !== -1 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq !== -1 ? arg.slice(eq + 1) : undefined;
    if (name === '-h' || name === '--help') g.help = true;
    else if (name === '--allow-version-mismatch') g.allowVersionMismatch = true;
    else if (name === '-l' || name === '--log-level') g.logLevel = value(name, inline);
    else if (name.startsWith('-l') && !name.startsWith('--')) g.logLevel = name.slice(2);
    else if (name === '-c' || name === '--config') g.configPath = value(name, inline);
    else if (name === '--context') value(name, inline);
    else throw new UsageError(`unknown option ${name}`);
  }
  g.rest = argv.slice(i);
  return g;
}

/** `-c X` / `--config X` / `--config=X` given to the verb itself (calicoctl's verbs each take --config). */
function configFromCommandArgs(args: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') break;
    if (a === '-c' || a === '--config') found = args[++i];
    else if (a.startsWith('--config=')) found = a.slice('--config='.length);
  }
  return found;
}

function readAllStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function logLine(level: string, msg: string): void {
  process.stderr.write(`time="${new Date().toISOString()}" level=${level} msg="${msg.replaceAll('"', '\\"')}"\n`);
}

async function main(argv: string[]): Promise<number> {
  let global: GlobalOptions;
  try {
    global = parseGlobal(argv);
  } catch {
    process.stdout.write(`Invalid option: '${argv.join(' ')}'. Use flag '--help' to read about a specific subcommand.\n`);
    return 1;
  }
  if (global.help) {
    process.stdout.write(topUsage());
    return 0;
  }
  if (!LOG_LEVELS.includes(global.logLevel)) {
    process.stdout.write(`Unknown log level: ${global.logLevel}, expected one of: \npanic, fatal, error, warn, info, debug.\n`);
    return 1;
  }
  const verbose = ['info', 'debug', 'trace'].includes(global.logLevel);
  const debug = ['debug', 'trace'].includes(global.logLevel);
  if (verbose) logLine('info', `Log level set to ${global.logLevel === 'warning' ? 'warn' : global.logLevel}`);

  const rest = global.rest;
  if (rest.length === 0) {
    process.stderr.write(topUsage());
    return 1;
  }
  const group = findGroup(rest);
  if (group === undefined) {
    process.stderr.write(`unknown command: ${JSON.stringify(rest[0])}\n${topUsage()}\n`);
    return 1;
  }
  const modules = await group.load();
  const module = findModule(modules, rest);
  if (module === undefined) {
    const usage = groupUsage(group, modules);
    const asked = rest[group.words.length];
    if (asked === undefined || asked === '-h' || asked === '--help') {
      (asked === undefined ? process.stderr : process.stdout).write(usage);
      return asked === undefined ? 1 : 0;
    }
    process.stderr.write(`unknown command: ${JSON.stringify(rest.slice(0, group.words.length + 1).join(' '))}\n${usage}\n`);
    return 1;
  }

  const commandArgs = rest.slice(module.name.length);
  if (global.allowVersionMismatch && group.takesVersionFlag) commandArgs.push('--allow-version-mismatch');
  if (debug) logLine('debug', `Running command: ${module.name.join(' ')}`);

  // The datastore config and the datastore itself are only loaded when a command asks for them.
  const configPath = configFromCommandArgs(commandArgs) ?? global.configPath;
  const dsModule = await import('../datastore/config.js');
  let config: DatastoreConfig | undefined;
  let configError: unknown;
  try {
    config = await dsModule.loadDatastoreConfig(process.env, configPath);
  } catch (err) {
    configError = err;
  }
  let opened: Promise<Datastore> | undefined;
  const ctx: CliContext = {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    get datastoreConfig(): DatastoreConfig {
      if (config === undefined) throw configError;
      return config;
    },
    datastore: () => {
      if (opened === undefined) {
        opened = config === undefined ? Promise.reject(configError) : dsModule.openDatastore(config);
        if (debug) logLine('debug', `Opening ${config?.type ?? 'unconfigured'} datastore`);
      }
      return opened;
    },
    readStdin: readAllStdin,
    env: process.env,
  };

  try {
    return await module.run(commandArgs, ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(
        `Invalid option: 'calicoctl ${rest.join(' ')}'. Use flag '--help' to read about a specific subcommand.\n`,
      );
      if (verbose) logLine('info', err.message);
      return 1;
    }
    if (err instanceof Error && err.name === 'ClientError') {
      // calicoctl prints this one on stdout.
      process.stdout.write(`${err.message}\n`);
      return 1;
    }
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  } finally {
    if (opened !== undefined) {
      try {
        await (await opened).close();
      } catch {
        // Nothing to close when opening failed; closing errors do not change the outcome.
      }
    }
  }
}

const code = await main(process.argv.slice(2));
// Exit once stdout has drained, so piped output is never cut short.
process.stdout.write('', () => process.exit(code));
