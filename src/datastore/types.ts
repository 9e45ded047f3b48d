/**
 * The one datastore contract every component relies on (calicoctl, Felix's syncer, IPAM, CNI, the lab).
 *
 * - Revisions are global to a datastore and strictly increase with every write.
 *   A stored object's `metadata.resourceVersion` is the decimal revision of its last write.
 * - `update` and conditional `delete` are compare-and-swap on resourceVersion.
 * - `watch` delivers every change after `fromRevision`, in revision order, never skipping or reordering.
 *   When the datastore no longer holds history that old, the watch yields one `{ type: 'relist' }`
 *   event and ends: the caller lists again and watches from the list's revision.
 */
import type { Resource } from '../api/types.js';

export interface ResourceKey {
  kind: string;
  name: string;
  /** Required for namespaced kinds, absent for cluster-scoped ones. */
  namespace?: string;
}

export interface ListOptions {
  kind: string;
  /** Restrict a namespaced kind to one namespace; omit for all namespaces. */
  namespace?: string;
  /** Only names starting with this prefix. */
  namePrefix?: string;
}

export interface ListResult<R extends Resource = Resource> {
  items: R[];
  /** The datastore revision the list is consistent with; watch from here to follow on. */
  revision: number;
}

export interface DeleteOptions {
  /** Delete only if the stored object still has this resourceVersion (else ConflictError). */
  resourceVersion?: string;
}

export interface WatchOptions {
  /** Only this kind; omit to watch every kind. */
  kind?: string;
  namespace?: string;
  /** Deliver changes with revision strictly greater than this. Omit to start from "now". */
  fromRevision?: number;
}

export type WatchEvent =
  | { type: 'added' | 'modified'; revision: number; object: Resource }
  | { type: 'deleted'; revision: number; object: Resource }
  | { type: 'relist'; reason: string };

/** An ordered stream of changes. `close()` ends the iteration; further `next()` calls return done. */
export interface Watch extends AsyncIterable<WatchEvent> {
  close(): void;
}

export interface Datastore {
  /** Throws NotFoundError when absent. */
  get<R extends Resource = Resource>(key: ResourceKey): Promise<R>;
  list<R extends Resource = Resource>(options: ListOptions): Promise<ListResult<R>>;
  /** Sets resourceVersion, uid and creationTimestamp. Throws AlreadyExistsError. */
  create<R extends Resource>(resource: R): Promise<R>;
  /**
   * Replaces the stored object. With `metadata.resourceVersion` set this is compare-and-swap
   * (ConflictError on mismatch); without it, an unconditional overwrite of an existing object.
   * Throws NotFoundError if absent. uid and creationTimestamp are preserved.
   */
  update<R extends Resource>(resource: R): Promise<R>;
  /** Returns the deleted object. Throws NotFoundError / ConflictError. */
  delete<R extends Resource = Resource>(key: ResourceKey, options?: DeleteOptions): Promise<R>;
  watch(options?: WatchOptions): Watch;
  /** The newest revision the datastore has assigned. */
  currentRevision(): Promise<number>;
  close(): Promise<void>;
}

export type DatastoreType = 'embedded' | 'etcdv3' | 'memory';

/** Where a client finds its datastore: env vars or a CalicoAPIConfig file, as calicoctl does. */
export interface DatastoreConfig {
  type: DatastoreType;
  /** embedded: directory holding the database (CALICO_DATA_DIR, default /var/lib/calico). */
  dataDir?: string;
  /** etcdv3: comma-separated endpoints (ETCD_ENDPOINTS). */
  etcdEndpoints?: string[];
  etcdUsername?: string;
  etcdPassword?: string;
}
