/**
 * The calico-ipam plugin's commands: ADD assigns (AssignIP for a requested address, else
 * AutoAssign with handle `<network>.<containerID>`) and prints `{ips}`; DEL releases by handle
 * (and the legacy `<ns>.<pod>`); CHECK has nothing to verify (as in Calico); STATUS/GC as calico.
 */
import { openCniDatastore } from './datastore.js';
import { determineNodename } from './host.js';
import { assignCalico, newIPAMClient, releaseCalico } from './ipam.js';
import { workloadIDs } from './names.js';
import type { NetConf } from './netconf.js';
import { toVersion } from './result.js';
import type { CniEnv, CniResult } from './types.js';

export async function runIPAMCommand(conf: NetConf, env: CniEnv, procEnv: NodeJS.ProcessEnv): Promise<CniResult | undefined> {
  switch (env.command) {
    case 'STATUS':
      await (await import('./status.js')).cmdStatus(conf, procEnv);
      return undefined;
    case 'GC':
      await (await import('./status.js')).cmdGC(conf, procEnv);
      return undefined;
    case 'CHECK':
      return undefined;
    default:
      break;
  }
  const ids = workloadIDs(env, conf.name, determineNodename(conf, procEnv));
  const ds = await openCniDatastore(conf, procEnv);
  try {
    const ipam = await newIPAMClient(ds);
    if (env.command === 'DEL') {
      await releaseCalico(ipam, ids);
      return undefined;
    }
    const addresses = await assignCalico(ipam, conf, env, ids, Date.now());
    return toVersion({ cniVersion: conf.cniVersion, ips: addresses.map((address) => ({ address })) }, conf.cniVersion);
  } finally {
    await ds.close().catch(() => undefined);
  }
}
