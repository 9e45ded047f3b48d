/**
 * Host facts an invocation needs beyond its config: the node name and the MTU, read the way
 * Calico's plugin reads them (config, then the files calico/node writes).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { DEFAULT_MTU_FILE, type NetConf } from './netconf.js';
import { CNI_ERR, CniError } from './types.js';

export const DEFAULT_MTU = 1500;

/** `nodename` in the config, else NODENAME, else the nodename file, else (if optional) the hostname. */
export function determineNodename(conf: NetConf, env: NodeJS.ProcessEnv): string {
  if (conf.nodename) return conf.nodename;
  if (env.NODENAME) return env.NODENAME;
  try {
    const n = readFileSync(conf.nodename_file, 'utf8').trim();
    if (n) return n;
  } catch (err) {
    if (!conf.nodename_file_optional) {
      throw new CniError(CNI_ERR.TRY_AGAIN_LATER,
        `stat ${conf.nodename_file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}: check that the calico/node container is running and has mounted /var/lib/calico/`);
    }
  }
  return hostname();
}

/** `mtu` from the config; 0 means the MTU file Felix writes, else 1500. */
export function determineMTU(conf: NetConf, mtuFile = DEFAULT_MTU_FILE): number {
  if (conf.mtu > 0) return conf.mtu;
  try {
    const v = Number(readFileSync(mtuFile, 'utf8').trim());
    if (Number.isInteger(v) && v >= 68) return v;
  } catch {
    // no file: Felix has not written one yet
  }
  return DEFAULT_MTU;
}
