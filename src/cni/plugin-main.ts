/**
 * The process boundary shared by `calico` and `calico-ipam`: read CNI_* and stdin, run the
 * command, print the result or the CNI error JSON, set the exit status. Command modules are
 * imported on demand so each invocation loads only what its command needs.
 */
import { readFileSync, writeSync } from 'node:fs';
import { LATEST_VERSION, SUPPORTED_VERSIONS, CNI_ERR, CniError, type CniEnv } from './types.js';

export type PluginName = 'calico' | 'calico-ipam';

function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch (err) {
    // No stdin at all (closed/EAGAIN) is an empty config; VERSION does not need one.
    if (['EAGAIN', 'EOF', 'ENXIO'].includes((err as NodeJS.ErrnoException).code ?? '')) return '';
    throw new CniError(CNI_ERR.IO_FAILURE, `failed to read network config from stdin: ${(err as Error).message}`);
  }
}

/** cniVersion of the config, when it is readable at all (for labelling error output). */
function versionOf(stdin: string): string {
  try {
    const v = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
    return typeof v === 'string' && v !== '' ? v : LATEST_VERSION;
  } catch {
    return LATEST_VERSION;
  }
}

async function dispatch(plugin: PluginName, env: CniEnv, stdin: string, procEnv: NodeJS.ProcessEnv): Promise<unknown> {
  if (env.command === 'VERSION') {
    return { cniVersion: versionOf(stdin), supportedVersions: [...SUPPORTED_VERSIONS] };
  }
  const { parseNetConf } = await import('./netconf.js');
  const conf = parseNetConf(stdin);
  if (plugin === 'calico-ipam') {
    const { runIPAMCommand } = await import('./ipam-main.js');
    return runIPAMCommand(conf, env, procEnv);
  }
  switch (env.command) {
    case 'ADD':
      return (await import('./add.js')).cmdAdd(conf, env, procEnv);
    case 'DEL':
      await (await import('./del.js')).cmdDel(conf, env, procEnv);
      return undefined;
    case 'CHECK':
      await (await import('./check.js')).cmdCheck(conf, env, procEnv);
      return undefined;
    case 'STATUS':
      await (await import('./status.js')).cmdStatus(conf, procEnv);
      return undefined;
    case 'GC':
      await (await import('./status.js')).cmdGC(conf, procEnv);
      return undefined;
  }
  return undefined;
}

/**
 * Runs one plugin invocation and exits.
 * @example await runPlugin('calico');   // from the bin entry
 */
export async function runPlugin(plugin: PluginName, procEnv: NodeJS.ProcessEnv = process.env): Promise<void> {
  let stdin = '';
  let out: string;
  let status = 0;
  try {
    const { parseCniEnv } = await import('./netconf.js');
    const env = parseCniEnv(procEnv);
    if (env.command !== 'VERSION' || process.stdin.isTTY !== true) stdin = readStdin();
    const result = await dispatch(plugin, env, stdin, procEnv);
    out = result === undefined ? '' : `${JSON.stringify(result)}\n`;
  } catch (err) {
    const { toCniError } = await import('./errors.js');
    out = `${JSON.stringify(toCniError(err).toJSON(versionOf(stdin)))}\n`;
    status = 1;
  }
  // Exit as soon as the output is flushed: a datastore client's sockets or timers must not hold the process.
  const rest = writeStdout(out);
  if (rest.length === 0) process.exit(status);
  process.stdout.write(rest, () => process.exit(status));
}

/**
 * Writes to fd 1 directly, which skips building process.stdout's stream (~1-2 ms of start-up).
 * Returns what could not be written that way (a non-blocking pipe that is full), for the stream.
 */
function writeStdout(text: string): Buffer {
  let buf = Buffer.from(text);
  try {
    while (buf.length > 0) buf = buf.subarray(writeSync(1, buf));
  } catch {
    // EAGAIN and the like: the stream waits for the pipe.
  }
  return buf;
}
