/**
 * CNI DEL for the calico plugin. Idempotent: a missing endpoint, interface, netns or allocation
 * is success. The WorkloadEndpoint is deleted only while it still names this container (a newer
 * sandbox of the same pod may own it by now).
 */
import type { WorkloadEndpoint } from '../api/types.js';
import { openCniDatastore } from './datastore.js';
import { determineNodename } from './host.js';
import { CALICO_IPAM, execIPAM, newIPAMClient, releaseCalico } from './ipam.js';
import { cniDataplane, netnsExists } from './dataplane.js';
import { workloadIDs } from './names.js';
import type { NetConf } from './netconf.js';
import type { CniEnv } from './types.js';

export async function cmdDel(conf: NetConf, env: CniEnv, procEnv: NodeJS.ProcessEnv): Promise<void> {
  const node = determineNodename(conf, procEnv);
  const ids = workloadIDs(env, conf.name, node);
  // The kernel work needs no datastore: start it now, finish it alongside (on the netlink path it is
  // done before the datastore opens; on the ip path `ip` runs meanwhile).
  const dataplane = await cniDataplane(procEnv);
  const unwire = dataplane.deleteContainerLink(env.netns, env.ifName);
  unwire.catch(() => undefined);
  const ds = await openCniDatastore(conf, procEnv);
  const key = { kind: 'WorkloadEndpoint', name: ids.wepName, namespace: ids.namespace };
  let owned = false;
  try {
    const wep = await ds.get<WorkloadEndpoint>(key);
    if (!wep.spec?.containerID || wep.spec.containerID === env.containerId) {
      owned = true;
      await ds.delete(key, { resourceVersion: wep.metadata.resourceVersion! });
    }
  } catch (err) {
    if ((err as { code?: string }).code !== 'CALICO_ERR_NOT_FOUND') throw err;
  }
  await unwire;
  // With the pod netns already gone its veth went too; a host end left over is ours only if the endpoint was.
  if (owned && !netnsExists(env.netns)) await dataplane.deleteHostLink(ids.hostVeth);
  if (conf.ipam.type === CALICO_IPAM) await releaseCalico(await newIPAMClient(ds), ids);
  else if (conf.ipam.type) await execIPAM(conf, env, 'DEL');
  // Not closed, for the same reason as in ADD: the process exits right after.
}
