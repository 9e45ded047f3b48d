/**
 * Which datastore a CNI invocation talks to: the network config's `datastore_type`,
 * `etcd_endpoints` (and our `calico_data_dir`) first, then DATASTORE_TYPE / ETCD_ENDPOINTS /
 * CALICO_DATA_DIR from the environment, as Calico's plugin does. calicoctl.cfg is not read (Calico's
 * plugin does not read it either), which also keeps the YAML parser off ADD's start-up path.
 */
import type { ClusterInformation } from '../api/types.js';
import type { Datastore, DatastoreConfig } from '../datastore/types.js';
import type { NetConf } from './netconf.js';
import { CNI_ERR, CniError } from './types.js';

export const DEFAULT_DATA_DIR = '/var/lib/calico';

/** Pure: the DatastoreConfig for this network config and environment. */
export function datastoreConfigFor(conf: NetConf, env: NodeJS.ProcessEnv): DatastoreConfig {
  const type = conf.datastore_type ?? (env.DATASTORE_TYPE || 'embedded');
  if (type === 'kubernetes') {
    throw new CniError(CNI_ERR.INVALID_NETWORK_CONFIG, 'network config field "datastore_type" is "kubernetes", which this Calico does not support; use "etcdv3" or "embedded"');
  }
  if (type === 'etcdv3') {
    const eps = conf.etcd_endpoints ?? env.ETCD_ENDPOINTS ?? '';
    const endpoints = eps.split(',').map((e) => e.trim()).filter((e) => e !== '');
    if (endpoints.length === 0) {
      throw new CniError(CNI_ERR.INVALID_NETWORK_CONFIG, 'network config field "etcd_endpoints" is required when "datastore_type" is "etcdv3" (or set ETCD_ENDPOINTS)');
    }
    const c: DatastoreConfig = { type: 'etcdv3', etcdEndpoints: endpoints };
    const user = conf.etcd_username ?? env.ETCD_USERNAME;
    const pass = conf.etcd_password ?? env.ETCD_PASSWORD;
    if (user) c.etcdUsername = user;
    if (pass) c.etcdPassword = pass;
    return c;
  }
  if (type === 'embedded') return { type: 'embedded', dataDir: conf.calico_data_dir ?? (env.CALICO_DATA_DIR || DEFAULT_DATA_DIR) };
  throw new CniError(CNI_ERR.INVALID_NETWORK_CONFIG, `network config field "datastore_type" must be "etcdv3" or "embedded" (got "${type}")`);
}

/** Opens it; a datastore we cannot reach is "try again later" (11). */
export async function openCniDatastore(conf: NetConf, env: NodeJS.ProcessEnv): Promise<Datastore> {
  const config = datastoreConfigFor(conf, env);
  const { openDatastore } = await import('../datastore/config.js');
  try {
    return await openDatastore(config);
  } catch (err) {
    throw new CniError(CNI_ERR.TRY_AGAIN_LATER, `error connecting to the ${config.type} datastore: ${(err as Error).message}`);
  }
}

/** Calico refuses to network pods while ClusterInformation says the datastore is not ready (e.g. during a migration). */
export async function datastoreReady(ds: Datastore): Promise<boolean> {
  try {
    const ci = await ds.get<ClusterInformation>({ kind: 'ClusterInformation', name: 'default' });
    return ci.spec?.datastoreReady !== false;
  } catch (err) {
    if ((err as { code?: string }).code === 'CALICO_ERR_NOT_FOUND') return true;
    throw err;
  }
}
