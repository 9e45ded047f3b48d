export type * from './types.js';
export { MemoryDatastore, type MemoryDatastoreOptions } from './memory.js';
export { EmbeddedDatastore, openEmbeddedDatastore, DEFAULT_DATA_DIR, DATABASE_FILE, type EmbeddedDatastoreOptions } from './embedded.js';
export { EtcdDatastore, openEtcdDatastore, type EtcdDatastoreOptions } from './etcd.js';
export { loadDatastoreConfig, openDatastore, DEFAULT_CONFIG_PATH } from './config.js';
export { KIND_PLURALS, ETCD_RESOURCE_PREFIX, pluralOf, kindOfPlural, isKnownKind, etcdKey, etcdKindPrefix, parseEtcdKey } from './keys.js';
