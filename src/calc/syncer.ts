/**
 * Felix's syncer on a direct datastore watch: lists every kind the calculation graph needs, reports
 * each object, says in-sync, then follows one watch (all kinds) from the revision of the first list.
 * When the watch reports `relist` (history compacted) or fails, it lists again and reports a resync:
 * status `resync`, updates only for objects that changed, deletions for keys that vanished meanwhile,
 * then `in-sync` again. Downstream never sees a spurious delete-and-recreate.
 *
 * Because kinds are listed one after another, the watch may replay changes a later list already
 * showed; the syncer drops anything not newer than what it last reported for that key, so the
 * graph never sees an update go backwards.
 */
import type { Resource } from '../api/types.js';
import type { Datastore, Watch } from '../datastore/types.js';
import { FELIX_KINDS, resourceKey, type ResourceUpdate, type SyncStatus } from './types.js';

/** Where the syncer delivers (the calc graph, usually through AsyncCalcGraph). */
export interface SyncerCallbacks {
  onUpdate(update: ResourceUpdate): void;
  onStatusUpdate(status: SyncStatus): void;
}

export interface SyncerOptions {
  /** Kinds to follow (default: every kind Felix needs). */
  kinds?: readonly string[];
  /** Delay before retrying after a datastore error, in ms (default 1000). */
  retryDelayMs?: number;
  /** Injected for tests; defaults to a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Reports datastore errors that caused a retry. */
  onError?: (err: unknown) => void;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class Syncer {
  readonly #ds: Datastore;
  readonly #out: SyncerCallbacks;
  readonly #kinds: ReadonlySet<string>;
  readonly #kindList: readonly string[];
  readonly #retryDelayMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #onError: (err: unknown) => void;
  /** `<kind>|<key>` → revision of the version last reported. */
  readonly #known = new Map<string, number>();
  #watch: Watch | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  #inSyncSent = false;
  /** Number of full (re)lists done; 1 after the initial sync. */
  listCount = 0;

  constructor(datastore: Datastore, out: SyncerCallbacks, options: SyncerOptions = {}) {
    this.#ds = datastore;
    this.#out = out;
    this.#kindList = options.kinds ?? FELIX_KINDS;
    this.#kinds = new Set(this.#kindList);
    this.#retryDelayMs = options.retryDelayMs ?? 1000;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#onError = options.onError ?? (() => {});
  }

  /** Start syncing in the background; the promise returned by `stop()` settles when it has ended. */
  start(): void {
    if (this.#running) throw new Error('Cannot start syncer: it is already running');
    this.#running = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#watch?.close();
    await this.#running;
  }

  async #run(): Promise<void> {
    this.#out.onStatusUpdate('wait-for-datastore');
    while (!this.#stopped) {
      try {
        const revision = await this.#listAll();
        if (this.#stopped) return;
        await this.#follow(revision);
      } catch (err) {
        if (this.#stopped) return;
        this.#onError(err);
        await this.#sleep(this.#retryDelayMs);
      }
    }
  }

  /** List every kind; report new/changed objects and deletions of vanished ones. Returns the watch start. */
  async #listAll(): Promise<number> {
    if (this.#inSyncSent) this.#out.onStatusUpdate('resync');
    let from: number | undefined;
    const seen = new Set<string>();
    for (const kind of this.#kindList) {
      const { items, revision } = await this.#ds.list({ kind });
      if (this.#stopped) return revision;
      from ??= revision;
      for (const item of items) {
        const id = `${kind}|${resourceKey(item)}`;
        seen.add(id);
        this.#report(kind, item, revisionOf(item));
      }
    }
    for (const id of [...this.#known.keys()]) {
      if (seen.has(id)) continue;
      const bar = id.indexOf('|');
      this.#known.delete(id);
      this.#out.onUpdate({ kind: id.slice(0, bar), key: id.slice(bar + 1), value: undefined });
    }
    this.listCount++;
    this.#inSyncSent = true;
    this.#out.onStatusUpdate('in-sync');
    return from ?? 0;
  }

  /** Follow the watch until it asks for a relist (returns) or fails (throws). */
  async #follow(fromRevision: number): Promise<void> {
    const watch = this.#ds.watch({ fromRevision });
    this.#watch = watch;
    try {
      for await (const event of watch) {
        if (this.#stopped) return;
        if (event.type === 'relist') return;
        const kind = event.object.kind;
        if (!this.#kinds.has(kind)) continue;
        if (event.type === 'deleted') {
          const id = `${kind}|${resourceKey(event.object)}`;
          const known = this.#known.get(id);
          if (known === undefined || known >= event.revision) continue; // already gone, or re-created later
          this.#known.delete(id);
          this.#out.onUpdate({ kind, key: resourceKey(event.object), value: undefined });
        } else {
          this.#report(kind, event.object, event.revision);
        }
      }
      if (!this.#stopped) throw new Error('Datastore watch ended unexpectedly');
    } finally {
      watch.close();
      this.#watch = undefined;
    }
  }

  #report(kind: string, object: Resource, revision: number): void {
    const id = `${kind}|${resourceKey(object)}`;
    const known = this.#known.get(id);
    if (known !== undefined && known >= revision) return; // the list already showed this version or a newer one
    this.#known.set(id, revision);
    this.#out.onUpdate({ kind, key: resourceKey(object), value: object });
  }
}

function revisionOf(r: Resource): number {
  const n = Number(r.metadata.resourceVersion);
  return Number.isFinite(n) ? n : 0;
}
