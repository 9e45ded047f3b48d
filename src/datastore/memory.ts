/**
 * MemoryDatastore: the Datastore contract held in process memory, for unit tests of pure logic.
 * Same semantics as the embedded and etcd backends, including bounded watch history and relist.
 * `reopen()` gives a second handle on the same state, standing in for "another client".
 */
import type { Resource } from '../api/types.js';
import { AlreadyExistsError, CalicoError, ConflictError, NotFoundError } from '../lib/errors.js';
import {
  checkKey, checkList, checkWatch, compareKeys, keyOf, matchesList, matchesWatch, parseRevision,
  stampCreate, stampUpdate, storageKey, withRevision, WatchQueue, type Now,
} from './_common.js';
import type { Datastore, DeleteOptions, ListOptions, ListResult, ResourceKey, Watch, WatchEvent, WatchOptions } from './types.js';

export interface MemoryDatastoreOptions {
  /** Changes kept for watch replay; older ones are dropped and watching from before them relists. Default 10,000. */
  historyLimit?: number;
  /** Clock for creationTimestamp. */
  now?: Now;
}

interface Change {
  revision: number;
  type: 'added' | 'modified' | 'deleted';
  kind: string;
  namespace: string | undefined;
  object: Resource;
}

interface Subscriber {
  options: WatchOptions;
  queue: WatchQueue;
}

/** State shared by every handle opened on one memory store. */
class MemoryState {
  revision = 0;
  /** Changes below this revision are gone from history. */
  compactRevision = 0;
  readonly objects = new Map<string, Map<string, Resource>>();
  history: Change[] = [];
  readonly subscribers = new Set<Subscriber>();
  constructor(readonly historyLimit: number, readonly now: Now) {}

  table(kind: string): Map<string, Resource> {
    let t = this.objects.get(kind);
    if (!t) this.objects.set(kind, (t = new Map()));
    return t;
  }

  record(change: Change): void {
    this.history.push(change);
    if (this.history.length > this.historyLimit) {
      const drop = this.history.length - this.historyLimit;
      this.compactRevision = Math.max(this.compactRevision, this.history[drop - 1]!.revision + 1);
      this.history = this.history.slice(drop);
    }
    for (const sub of this.subscribers) deliver(sub, change);
  }
}

function deliver(sub: Subscriber, change: Change): void {
  if (!matchesWatch(sub.options, change.kind, change.namespace)) return;
  const object = withRevision(structuredClone(change.object), change.revision);
  sub.queue.push({ type: change.type, revision: change.revision, object } as WatchEvent);
}

/**
 * @example
 * const ds = new MemoryDatastore({ now: () => new Date('2026-01-01T00:00:00Z') });
 * await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'security' }, spec: { order: 100 } });
 */
export class MemoryDatastore implements Datastore {
  readonly #state: MemoryState;
  readonly #mine = new Set<Subscriber>();
  #closed = false;

  constructor(options: MemoryDatastoreOptions = {}, state?: MemoryState) {
    this.#state = state ?? new MemoryState(options.historyLimit ?? 10_000, options.now ?? (() => new Date()));
  }

  /** Another client on the same in-memory data; closing one handle leaves the other working. */
  reopen(): MemoryDatastore {
    return new MemoryDatastore({}, this.#state);
  }

  #check(): void {
    if (this.#closed) throw new CalicoError('CALICO_ERR_DATASTORE', 'Cannot use memory datastore: it is closed');
  }

  async get<R extends Resource = Resource>(key: ResourceKey): Promise<R> {
    this.#check();
    const k = checkKey(key);
    const stored = this.#state.table(k.kind).get(storageKey(k.namespace, k.name));
    if (!stored) throw new NotFoundError(k);
    return structuredClone(stored) as R;
  }

  async list<R extends Resource = Resource>(options: ListOptions): Promise<ListResult<R>> {
    this.#check();
    const o = checkList(options);
    const entries = [...this.#state.table(o.kind).entries()]
      .filter(([, r]) => matchesList(o, r.metadata.namespace, r.metadata.name))
      .sort(([a], [b]) => compareKeys(a, b));
    return { items: entries.map(([, r]) => structuredClone(r) as R), revision: this.#state.revision };
  }

  async create<R extends Resource>(resource: R): Promise<R> {
    this.#check();
    const k = keyOf(resource);
    const table = this.#state.table(k.kind);
    const sk = storageKey(k.namespace, k.name);
    if (table.has(sk)) throw new AlreadyExistsError(k);
    return this.#write(table, sk, 'added', withRevision(stampCreate(resource, this.#state.now), this.#state.revision + 1));
  }

  async update<R extends Resource>(resource: R): Promise<R> {
    this.#check();
    const k = keyOf(resource);
    const table = this.#state.table(k.kind);
    const sk = storageKey(k.namespace, k.name);
    const stored = table.get(sk);
    if (!stored) throw new NotFoundError(k);
    const rv = resource.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && parseRevision(rv) !== Number(stored.metadata.resourceVersion)) throw new ConflictError(k);
    return this.#write(table, sk, 'modified', withRevision(stampUpdate(resource, stored), this.#state.revision + 1));
  }

  async delete<R extends Resource = Resource>(key: ResourceKey, options: DeleteOptions = {}): Promise<R> {
    this.#check();
    const k = checkKey(key);
    const table = this.#state.table(k.kind);
    const sk = storageKey(k.namespace, k.name);
    const stored = table.get(sk);
    if (!stored) throw new NotFoundError(k);
    const rv = options.resourceVersion;
    if (rv !== undefined && rv !== '' && parseRevision(rv) !== Number(stored.metadata.resourceVersion)) {
      throw new ConflictError(k, 'delete conflict');
    }
    table.delete(sk);
    const revision = ++this.#state.revision;
    this.#state.record({ revision, type: 'deleted', kind: k.kind, namespace: k.namespace, object: stored });
    return structuredClone(stored) as R;
  }

  #write<R extends Resource>(table: Map<string, Resource>, sk: string, type: 'added' | 'modified', object: R): R {
    const revision = ++this.#state.revision;
    table.set(sk, object);
    this.#state.record({ revision, type, kind: object.kind, namespace: object.metadata.namespace, object });
    return structuredClone(object);
  }

  watch(options: WatchOptions = {}): Watch {
    this.#check();
    const o = checkWatch({ ...options });
    const state = this.#state;
    const sub: Subscriber = {
      options: o,
      queue: new WatchQueue(() => {
        state.subscribers.delete(sub);
        this.#mine.delete(sub);
      }),
    };
    const from = o.fromRevision ?? state.revision;
    if (from + 1 < state.compactRevision) {
      sub.queue.push({ type: 'relist', reason: `revision ${from} is older than the retained history (from ${state.compactRevision})` });
      return sub.queue;
    }
    for (const change of state.history) if (change.revision > from) deliver(sub, change);
    state.subscribers.add(sub);
    this.#mine.add(sub);
    return sub.queue;
  }

  /** Drops history before `revision`, like etcd compaction: watches from older revisions relist. */
  async compact(revision: number): Promise<void> {
    this.#check();
    const state = this.#state;
    state.compactRevision = Math.max(state.compactRevision, Math.min(revision, state.revision));
    state.history = state.history.filter((c) => c.revision >= state.compactRevision);
  }

  async currentRevision(): Promise<number> {
    this.#check();
    return this.#state.revision;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const sub of [...this.#mine]) sub.queue.close();
  }
}
