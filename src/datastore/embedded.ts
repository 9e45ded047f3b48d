/**
 * EmbeddedDatastore: the default backend, no server. One SQLite database in WAL mode
 * (`<dataDir>/datastore.db`) shared by every process on the host: the agent, calicoctl and
 * each CNI invocation open it directly.
 *
 * - Every write runs in a `BEGIN IMMEDIATE` transaction, so writers queue on SQLite's lock
 *   (busy_timeout) instead of failing, and compare-and-swap checks see the latest commit.
 * - Each write appends one row to `changes` (the watch history) at the next revision; the
 *   newest row's rev is the global revision, so a commit touches only two pages. Only the newest
 *   `historyLimit` changes are kept (never fewer than one); watching from before them relists.
 * - Watchers poll `PRAGMA data_version` (changes only when another connection commits) every
 *   few milliseconds and read new rows from `changes`. An inotify watch on the WAL file wakes them
 *   as soon as another process commits; writes from this handle wake them directly.
 * - better-sqlite3 is imported on open, never at module load.
 */
import { existsSync, mkdirSync, watch as watchFile, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import type { Resource } from '../api/types.js';
import { isNamespacedKind } from '../api/types.js';
import { AlreadyExistsError, CalicoError, ConflictError, NotFoundError } from '../lib/errors.js';
import {
  checkKey, checkList, checkWatch, keyOf, matchesList, matchesWatch, parseRevision,
  stampCreate, stampUpdate, storageKey, withRevision, WatchQueue, type Now,
} from './_common.js';
import type { Datastore, DeleteOptions, ListOptions, ListResult, ResourceKey, Watch, WatchEvent, WatchOptions } from './types.js';

export const DEFAULT_DATA_DIR = '/var/lib/calico';
export const DATABASE_FILE = 'datastore.db';

export interface EmbeddedDatastoreOptions {
  /** Directory holding datastore.db; created if missing. Default /var/lib/calico. */
  dataDir?: string;
  /** Changes kept for watch replay. Default 10,000. */
  historyLimit?: number;
  /** How often watchers look for other processes' commits, in ms. Default 5. */
  pollIntervalMs?: number;
  /**
   * SQLite `synchronous`: 'normal' (default) makes an acknowledged write survive any process crash
   * (kill -9); 'full' also survives power loss, at the cost of an fsync per write.
   */
  synchronous?: 'normal' | 'full';
  /** How long a writer waits for another process's write lock, in ms. Default 10,000. */
  busyTimeoutMs?: number;
  now?: Now;
}

const SCHEMA_VERSION = 1;
const SCHEMA = `
CREATE TABLE IF NOT EXISTS resources (
  kind TEXT NOT NULL, skey TEXT NOT NULL, namespace TEXT, name TEXT NOT NULL,
  rev INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (kind, skey)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS changes (
  rev INTEGER PRIMARY KEY, kind TEXT NOT NULL, namespace TEXT, type TEXT NOT NULL, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (key, value) VALUES ('compact_rev', 0);
`;
/** WAL frames (pages) after which a commit checkpoints; see openEmbeddedDatastore. */
const WAL_AUTOCHECKPOINT_PAGES = 256;
/** Rows read per watcher per poll; the rest follow on the next pass. */
const WATCH_BATCH = 1000;
/** A watcher with this many undelivered events is not fed until its consumer catches up. */
const WATCH_BACKLOG_LIMIT = 2000;

interface ChangeRow { rev: number; kind: string; namespace: string | null; type: string; value: string }
interface ResourceRow { rev: number; value: string }

interface Subscriber {
  options: WatchOptions;
  queue: WatchQueue;
  cursor: number;
  needsFetch: boolean;
}

function decode<R extends Resource>(row: ResourceRow): R {
  return withRevision(JSON.parse(row.value) as R, row.rev);
}

let addonPath: string | null | undefined;

const ADDON = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');

/**
 * Where better-sqlite3's compiled addon is, for its `nativeBinding` option. Without it better-sqlite3
 * finds the addon through the `bindings` package (a stack trace and a dozen path probes); and Node's
 * own resolver (package.json reads, realpath) costs ~1.3 ms. Both sit on the start-up path of every
 * short-lived process (each CNI ADD/DEL), so look in the node_modules folders above this file, as
 * the resolver would. null: not there (e.g. a Debug build), so let better-sqlite3 look for it itself.
 */
function sqliteAddonPath(): string | null {
  if (addonPath !== undefined) return addonPath;
  addonPath = null;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, ADDON))) {
      addonPath = join(dir, ADDON);
      break;
    }
    if (dirname(dir) === dir) break;
  }
  return addonPath;
}

/**
 * Opens (creating if needed) the datastore under `options.dataDir`.
 * @example
 * const ds = await openEmbeddedDatastore({ dataDir: '/var/lib/calico' });
 * const pool = await ds.get({ kind: 'IPPool', name: 'default-ipv4-ippool' });
 * await ds.close();
 */
export async function openEmbeddedDatastore(options: EmbeddedDatastoreOptions = {}): Promise<EmbeddedDatastore> {
  const { default: Database } = await import('better-sqlite3');
  const dir = options.dataDir ?? DEFAULT_DATA_DIR;
  mkdirSync(dir, { recursive: true });
  const nativeBinding = sqliteAddonPath();
  const db = new Database(join(dir, DATABASE_FILE), { timeout: options.busyTimeoutMs ?? 10_000, ...(nativeBinding ? { nativeBinding } : {}) });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    // Short-lived clients (each CNI ADD/DEL) exit without closing, so nothing but the committing
    // writer's automatic checkpoint ever shrinks the WAL, and the first process to open the database
    // while no other holds it re-reads the whole WAL (about 3-4 ms per MB). 256 pages (1 MB) instead
    // of SQLite's 1000 bounds that; the checkpoint itself is a copy of those pages, every ~20 pod ADDs.
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    if (db.pragma('user_version', { simple: true }) !== SCHEMA_VERSION) {
      db.transaction(() => {
        db.exec(SCHEMA);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    }
  } catch (err) {
    db.close();
    throw new CalicoError('CALICO_ERR_DATASTORE', `Cannot open embedded datastore at "${join(dir, DATABASE_FILE)}": ${(err as Error).message}`, { cause: err });
  }
  return new EmbeddedDatastore(db, options, join(dir, `${DATABASE_FILE}-wal`));
}

export class EmbeddedDatastore implements Datastore {
  readonly #db: BetterSqlite3.Database;
  readonly #now: Now;
  readonly #historyLimit: number;
  readonly #compactEvery: number;
  readonly #pollMs: number;
  readonly #subs = new Set<Subscriber>();
  #timer: NodeJS.Timeout | undefined;
  #wakeScheduled = false;
  #dataVersion = -1;
  #closed = false;
  readonly #s;
  /** One transaction wrapper, built once: better-sqlite3 makes a new one per db.transaction() call. */
  readonly #tx: BetterSqlite3.Transaction<(fn: () => unknown) => unknown>;

  readonly #walPath: string | undefined;
  #walWatcher: FSWatcher | undefined;

  /** Use openEmbeddedDatastore(); `walPath` enables the inotify wake-up. */
  constructor(db: BetterSqlite3.Database, options: EmbeddedDatastoreOptions, walPath?: string) {
    this.#db = db;
    this.#walPath = walPath;
    this.#now = options.now ?? (() => new Date());
    this.#historyLimit = Math.max(1, options.historyLimit ?? 10_000);
    this.#compactEvery = Math.min(1000, Math.max(1, Math.floor(this.#historyLimit / 10)));
    this.#pollMs = options.pollIntervalMs ?? 5;
    this.#tx = db.transaction((fn: () => unknown) => fn());
    this.#s = {
      get: db.prepare<[string, string], ResourceRow>('SELECT rev, value FROM resources WHERE kind = ? AND skey = ?'),
      listAll: db.prepare<[string], ResourceRow & { namespace: string | null; name: string }>(
        'SELECT rev, value, namespace, name FROM resources WHERE kind = ? ORDER BY skey'),
      listRange: db.prepare<[string, string, string], ResourceRow & { namespace: string | null; name: string }>(
        'SELECT rev, value, namespace, name FROM resources WHERE kind = ? AND skey >= ? AND skey < ? ORDER BY skey'),
      rev: db.prepare<[], number>('SELECT coalesce(max(rev), 0) FROM changes').pluck(),
      compactRev: db.prepare<[], number>("SELECT value FROM meta WHERE key = 'compact_rev'").pluck(),
      bump: db.prepare<[], number>('SELECT coalesce(max(rev), 0) + 1 FROM changes').pluck(),
      upsert: db.prepare<[string, string, string | null, string, number, string]>(
        'INSERT OR REPLACE INTO resources (kind, skey, namespace, name, rev, value) VALUES (?, ?, ?, ?, ?, ?)'),
      remove: db.prepare<[string, string]>('DELETE FROM resources WHERE kind = ? AND skey = ?'),
      change: db.prepare<[number, string, string | null, string, string]>(
        'INSERT INTO changes (rev, kind, namespace, type, value) VALUES (?, ?, ?, ?, ?)'),
      trim: db.prepare<[number]>('DELETE FROM changes WHERE rev < ?'),
      setCompact: db.prepare<[number]>("UPDATE meta SET value = max(value, ?) WHERE key = 'compact_rev'"),
      changesAfter: db.prepare<[number, number], ChangeRow>(
        'SELECT rev, kind, namespace, type, value FROM changes WHERE rev > ? ORDER BY rev LIMIT ?'),
      dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
    };
  }

  #check(): void {
    if (this.#closed) throw new CalicoError('CALICO_ERR_DATASTORE', 'Cannot use embedded datastore: it is closed');
  }

  /** Runs `fn` holding the database write lock; the revision it returns is committed when this returns. */
  #write<T>(fn: () => T): T {
    let result: T;
    try {
      result = this.#tx.immediate(fn) as T;
    } catch (err) {
      if (err instanceof CalicoError) throw err;
      // SQLite trouble (locked past busy_timeout, disk full, I/O error): the write did not happen.
      throw new CalicoError('CALICO_ERR_DATASTORE', `Cannot write to embedded datastore: ${(err as Error).message}`, { cause: err });
    }
    this.#wake();
    return result;
  }

  /** Appends one change at the next revision; must run inside #write. */
  #appendChangeLocked(kind: string, namespace: string | undefined, type: string, value: string): number {
    const rev = this.#s.bump.get()!;
    this.#s.change.run(rev, kind, namespace ?? null, type, value);
    if (rev % this.#compactEvery === 0) this.#compactLocked(rev - this.#historyLimit + 1);
    return rev;
  }

  #compactLocked(revision: number): void {
    if (revision <= 0) return;
    this.#s.trim.run(revision);
    this.#s.setCompact.run(revision);
  }

  async get<R extends Resource = Resource>(key: ResourceKey): Promise<R> {
    this.#check();
    const k = checkKey(key);
    const row = this.#s.get.get(k.kind, storageKey(k.namespace, k.name));
    if (!row) throw new NotFoundError(k);
    return decode<R>(row);
  }

  async list<R extends Resource = Resource>(options: ListOptions): Promise<ListResult<R>> {
    this.#check();
    const o = checkList(options);
    return this.#tx.deferred(() => {
      // Range on the storage key when the namespace pins the prefix; filter the rest in JS.
      const prefix = o.namespace !== undefined ? `${o.namespace}/${o.namePrefix ?? ''}` : isNamespacedKind(o.kind) ? '' : o.namePrefix ?? '';
      const rows = prefix === '' ? this.#s.listAll.all(o.kind) : this.#s.listRange.all(o.kind, prefix, `${prefix}\u{10FFFF}`);
      const items = rows.filter((r) => matchesList(o, r.namespace ?? undefined, r.name)).map((r) => decode<R>(r));
      return { items, revision: this.#s.rev.get()! };
    }) as ListResult<R>;
  }

  async create<R extends Resource>(resource: R): Promise<R> {
    this.#check();
    const k = keyOf(resource);
    const stored = stampCreate(resource, this.#now);
    const value = JSON.stringify(stored);
    const sk = storageKey(k.namespace, k.name);
    const rev = this.#write(() => {
      if (this.#s.get.get(k.kind, sk)) throw new AlreadyExistsError(k);
      const r = this.#appendChangeLocked(k.kind, k.namespace, 'added', value);
      this.#s.upsert.run(k.kind, sk, k.namespace ?? null, k.name, r, value);
      return r;
    });
    return withRevision(stored, rev);
  }

  async update<R extends Resource>(resource: R): Promise<R> {
    this.#check();
    const k = keyOf(resource);
    const sk = storageKey(k.namespace, k.name);
    const rv = resource.metadata.resourceVersion;
    const [rev, stored] = this.#write(() => {
      const row = this.#s.get.get(k.kind, sk);
      if (!row) throw new NotFoundError(k);
      if (rv !== undefined && rv !== '' && parseRevision(rv) !== row.rev) throw new ConflictError(k);
      const next = stampUpdate(resource, JSON.parse(row.value) as Resource);
      const value = JSON.stringify(next);
      const r = this.#appendChangeLocked(k.kind, k.namespace, 'modified', value);
      this.#s.upsert.run(k.kind, sk, k.namespace ?? null, k.name, r, value);
      return [r, next] as const;
    });
    return withRevision(stored, rev);
  }

  async delete<R extends Resource = Resource>(key: ResourceKey, options: DeleteOptions = {}): Promise<R> {
    this.#check();
    const k = checkKey(key);
    const sk = storageKey(k.namespace, k.name);
    const rv = options.resourceVersion;
    const row = this.#write(() => {
      const current = this.#s.get.get(k.kind, sk);
      if (!current) throw new NotFoundError(k);
      if (rv !== undefined && rv !== '' && parseRevision(rv) !== current.rev) throw new ConflictError(k, 'delete conflict');
      this.#appendChangeLocked(k.kind, k.namespace, 'deleted', current.value);
      this.#s.remove.run(k.kind, sk);
      return current;
    });
    return decode<R>(row);
  }

  watch(options: WatchOptions = {}): Watch {
    this.#check();
    const o = checkWatch({ ...options });
    const sub: Subscriber = {
      options: o,
      cursor: o.fromRevision ?? this.#s.rev.get()!,
      needsFetch: true,
      queue: new WatchQueue(() => {
        this.#subs.delete(sub);
        if (this.#subs.size === 0) this.#stopPolling();
      }),
    };
    this.#subs.add(sub);
    this.#startPolling();
    this.#fetch(sub);
    return sub.queue;
  }

  /** Drops history before `revision` (at most up to the current revision): watches from older revisions relist. */
  async compact(revision: number): Promise<void> {
    this.#check();
    this.#write(() => this.#compactLocked(Math.min(revision, this.#s.rev.get()!)));
  }

  async currentRevision(): Promise<number> {
    this.#check();
    return this.#s.rev.get()!;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    for (const sub of [...this.#subs]) sub.queue.close();
    this.#stopPolling();
    this.#closed = true;
    this.#db.close();
  }

  #startPolling(): void {
    if (this.#timer) return;
    this.#dataVersion = this.#s.dataVersion.get()!;
    this.#timer = setInterval(() => this.#poll(), this.#pollMs);
    if (this.#walPath !== undefined) {
      try {
        this.#walWatcher = watchFile(this.#walPath, () => this.#poll());
        this.#walWatcher.on('error', () => this.#stopWalWatch());
      } catch {
        // No inotify (or no WAL yet): the poll alone still delivers.
        this.#walWatcher = undefined;
      }
    }
  }

  #stopWalWatch(): void {
    this.#walWatcher?.close();
    this.#walWatcher = undefined;
  }

  #stopPolling(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stopWalWatch();
  }

  /** A write on this handle: other connections' data_version moves, ours does not, so wake our watchers directly. */
  #wake(): void {
    if (this.#subs.size === 0 || this.#wakeScheduled) return;
    this.#wakeScheduled = true;
    setImmediate(() => {
      this.#wakeScheduled = false;
      if (this.#closed) return;
      for (const sub of this.#subs) sub.needsFetch = true;
      this.#poll();
    });
  }

  #poll(): void {
    if (this.#closed) return;
    const version = this.#s.dataVersion.get()!;
    const changed = version !== this.#dataVersion;
    this.#dataVersion = version;
    for (const sub of [...this.#subs]) {
      if (changed) sub.needsFetch = true;
      if (sub.needsFetch) this.#fetch(sub);
    }
  }

  /** Reads the next batch of changes for one watcher, in one read transaction so compaction cannot race it. */
  #fetch(sub: Subscriber): void {
    if (sub.queue.closed || sub.queue.backlog >= WATCH_BACKLOG_LIMIT) return;
    const batch = this.#tx.deferred(() => {
      const compactRev = this.#s.compactRev.get()!;
      if (sub.cursor + 1 < compactRev) return compactRev;
      return this.#s.changesAfter.all(sub.cursor, WATCH_BATCH);
    }) as number | ChangeRow[];
    if (typeof batch === 'number') {
      sub.queue.push({ type: 'relist', reason: `revision ${sub.cursor} is older than the retained history (from ${batch})` });
      return;
    }
    sub.needsFetch = batch.length === WATCH_BATCH;
    for (const row of batch) {
      sub.cursor = row.rev;
      const namespace = row.namespace ?? undefined;
      if (!matchesWatch(sub.options, row.kind, namespace)) continue;
      const object = withRevision(JSON.parse(row.value) as Resource, row.rev);
      sub.queue.push({ type: row.type, revision: row.rev, object } as WatchEvent);
    }
  }
}
