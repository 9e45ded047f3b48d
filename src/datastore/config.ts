/**
 * Where a client finds its datastore, the way calicoctl does: a CalicoAPIConfig file
 * (`--config`, else /etc/calico/calicoctl.cfg when present) overlaid by environment variables
 * (DATASTORE_TYPE, CALICO_DATA_DIR, ETCD_ENDPOINTS, ETCD_USERNAME, ETCD_PASSWORD), env winning.
 * Backends are imported only when opened, so embedded users never load the etcd client.
 */
import { existsSync, readFileSync } from 'node:fs';
import { API_VERSION } from '../api/types.js';
import { ValidationError, type FieldError } from '../lib/errors.js';
import type { Datastore, DatastoreConfig, DatastoreType } from './types.js';

export const DEFAULT_CONFIG_PATH = '/etc/calico/calicoctl.cfg';
const DATASTORE_TYPES: readonly DatastoreType[] = ['embedded', 'etcdv3', 'memory'];

interface RawSettings {
  datastoreType?: unknown;
  dataDir?: unknown;
  etcdEndpoints?: unknown;
  etcdUsername?: unknown;
  etcdPassword?: unknown;
}

/** Reads a CalicoAPIConfig file (YAML or JSON). Throws ValidationError naming the file's bad field. */
async function readConfigFile(path: string): Promise<{ settings: RawSettings; name: string }> {
  const { parse } = await import('yaml');
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ValidationError({ kind: 'CalicoAPIConfig', name: path }, [{ field: 'file', message: `cannot be read: ${(err as Error).message}` }]);
  }
  const ref = { kind: 'CalicoAPIConfig', name: path };
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ValidationError(ref, [{ field: 'file', message: 'must be a CalicoAPIConfig document' }]);
  }
  const d = doc as { apiVersion?: unknown; kind?: unknown; spec?: unknown };
  const errors: FieldError[] = [];
  if (d.apiVersion !== API_VERSION) errors.push({ field: 'apiVersion', message: `must be "${API_VERSION}"`, value: d.apiVersion });
  if (d.kind !== 'CalicoAPIConfig') errors.push({ field: 'kind', message: 'must be "CalicoAPIConfig"', value: d.kind });
  if (d.spec !== undefined && (d.spec === null || typeof d.spec !== 'object' || Array.isArray(d.spec))) {
    errors.push({ field: 'spec', message: 'must be a mapping' });
  }
  if (errors.length > 0) throw new ValidationError(ref, errors);
  const spec = (d.spec ?? {}) as Record<string, unknown>;
  return {
    name: path,
    settings: {
      datastoreType: spec.datastoreType,
      dataDir: spec.dataDir,
      etcdEndpoints: spec.etcdEndpoints,
      etcdUsername: spec.etcdUsername,
      etcdPassword: spec.etcdPassword,
    },
  };
}

function fromEnv(env: NodeJS.ProcessEnv): RawSettings {
  const pick = (name: string): string | undefined => (env[name] !== undefined && env[name] !== '' ? env[name] : undefined);
  return {
    datastoreType: pick('DATASTORE_TYPE'),
    dataDir: pick('CALICO_DATA_DIR'),
    etcdEndpoints: pick('ETCD_ENDPOINTS'),
    etcdUsername: pick('ETCD_USERNAME'),
    etcdPassword: pick('ETCD_PASSWORD'),
  };
}

/** `a,b` or a YAML list, each an http(s) URL. */
function parseEndpoints(value: unknown, field: string, errors: FieldError[]): string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value.map(String) : undefined;
  if (!list) {
    errors.push({ field, message: 'must be a comma-separated list of URLs', value });
    return undefined;
  }
  const endpoints = list.map((e) => e.trim()).filter((e) => e !== '');
  if (endpoints.length === 0) errors.push({ field, message: 'must list at least one endpoint', value });
  for (const e of endpoints) {
    let ok = false;
    try {
      const u = new URL(e);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.host !== '';
    } catch {
      ok = false;
    }
    if (!ok) errors.push({ field, message: 'each endpoint must be an http:// or https:// URL', value: e });
  }
  return endpoints;
}

/**
 * Resolves the datastore configuration.
 * @param env environment (default process.env); its settings override the file's.
 * @param configPath explicit CalicoAPIConfig file (calicoctl `--config`); must exist. Without it,
 *   /etc/calico/calicoctl.cfg is read when it exists.
 * @example
 * const config = await loadDatastoreConfig({ DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://127.0.0.1:2379' });
 */
export async function loadDatastoreConfig(env: NodeJS.ProcessEnv = process.env, configPath?: string): Promise<DatastoreConfig> {
  const path = configPath ?? (existsSync(DEFAULT_CONFIG_PATH) ? DEFAULT_CONFIG_PATH : undefined);
  const file = path !== undefined ? await readConfigFile(path) : undefined;
  const fileSettings = file?.settings ?? {};
  const envSettings = fromEnv(env);
  // Name the field the way its source spells it, so the user knows what to fix.
  const source = (key: keyof RawSettings, envName: string): { value: unknown; field: string } =>
    envSettings[key] !== undefined || (file === undefined && fileSettings[key] === undefined)
      ? { value: envSettings[key], field: envName }
      : { value: fileSettings[key], field: `spec.${key}` };

  const errors: FieldError[] = [];
  const type = source('datastoreType', 'DATASTORE_TYPE');
  const datastoreType = type.value ?? 'embedded';
  if (!DATASTORE_TYPES.includes(datastoreType as DatastoreType)) {
    errors.push({ field: type.field, message: `must be one of ${DATASTORE_TYPES.join(', ')}`, value: datastoreType });
  }
  const config: DatastoreConfig = { type: datastoreType as DatastoreType };
  if (datastoreType === 'embedded') {
    const dir = source('dataDir', 'CALICO_DATA_DIR');
    if (dir.value !== undefined && (typeof dir.value !== 'string' || dir.value === '')) {
      errors.push({ field: dir.field, message: 'must be a directory path', value: dir.value });
    }
    config.dataDir = typeof dir.value === 'string' ? dir.value : '/var/lib/calico';
  }
  if (datastoreType === 'etcdv3') {
    const eps = source('etcdEndpoints', 'ETCD_ENDPOINTS');
    if (eps.value === undefined) errors.push({ field: eps.field, message: 'is required when the datastore type is etcdv3' });
    const endpoints = parseEndpoints(eps.value, eps.field, errors);
    if (endpoints) config.etcdEndpoints = endpoints;
    for (const [key, envName, target] of [
      ['etcdUsername', 'ETCD_USERNAME', 'etcdUsername'],
      ['etcdPassword', 'ETCD_PASSWORD', 'etcdPassword'],
    ] as const) {
      const s = source(key, envName);
      if (s.value === undefined) continue;
      if (typeof s.value !== 'string') errors.push({ field: s.field, message: 'must be a string' });
      else config[target] = s.value;
    }
    if (config.etcdPassword !== undefined && config.etcdUsername === undefined) {
      errors.push({ field: source('etcdUsername', 'ETCD_USERNAME').field, message: 'is required when a password is set' });
    }
  }
  if (errors.length > 0) throw new ValidationError({ kind: 'CalicoAPIConfig', name: file?.name ?? 'environment' }, errors);
  return config;
}

/**
 * Opens the configured backend.
 * @example
 * const ds = await openDatastore(await loadDatastoreConfig(process.env, options.config));
 */
export async function openDatastore(config: DatastoreConfig): Promise<Datastore> {
  switch (config.type) {
    case 'embedded': {
      const { openEmbeddedDatastore } = await import('./embedded.js');
      return openEmbeddedDatastore(config.dataDir !== undefined ? { dataDir: config.dataDir } : {});
    }
    case 'etcdv3': {
      if (!config.etcdEndpoints || config.etcdEndpoints.length === 0) {
        throw new ValidationError({ kind: 'CalicoAPIConfig', name: 'config' }, [{ field: 'etcdEndpoints', message: 'is required when the datastore type is etcdv3' }]);
      }
      const { openEtcdDatastore } = await import('./etcd.js');
      return openEtcdDatastore({
        endpoints: config.etcdEndpoints,
        ...(config.etcdUsername !== undefined ? { username: config.etcdUsername } : {}),
        ...(config.etcdPassword !== undefined ? { password: config.etcdPassword } : {}),
      });
    }
    case 'memory': {
      const { MemoryDatastore } = await import('./memory.js');
      return new MemoryDatastore();
    }
    default:
      throw new ValidationError({ kind: 'CalicoAPIConfig', name: 'config' }, [{ field: 'datastoreType', message: 'must be one of embedded, etcdv3, memory', value: (config as { type: unknown }).type }]);
  }
}
