/**
 * A Datastore wrapper for syncer tests: can lose watch events (as if disconnected), make the
 * current watch report `relist`, and fail the next list call.
 */
import type { Resource } from '../../src/api/types.js';
import type { Datastore, DeleteOptions, ListOptions, ListResult, ResourceKey, Watch, WatchEvent, WatchOptions } from '../../src/datastore/types.js';

export class FlakyDatastore implements Datastore {
  readonly #inner: Datastore;
  /** While true, watch events are swallowed. */
  dropEvents = false;
  /** Number of upcoming list calls that throw. */
  failLists = 0;
  listCalls = 0;
  watchCalls = 0;
  #relist: (() => void) | undefined;

  constructor(inner: Datastore) {
    this.#inner = inner;
  }

  /** Make the active watch yield `relist` and end. */
  relistNow(): void {
    this.#relist?.();
  }

  get<R extends Resource = Resource>(key: ResourceKey): Promise<R> {
    return this.#inner.get<R>(key);
  }
  async list<R extends Resource = Resource>(options: ListOptions): Promise<ListResult<R>> {
    this.listCalls++;
    if (this.failLists > 0) {
      this.failLists--;
      throw new Error('injected list failure');
    }
    return this.#inner.list<R>(options);
  }
  create<R extends Resource>(resource: R): Promise<R> {
    return this.#inner.create(resource);
  }
  update<R extends Resource>(resource: R): Promise<R> {
    return this.#inner.update(resource);
  }
  delete<R extends Resource = Resource>(key: ResourceKey, options?: DeleteOptions): Promise<R> {
    return this.#inner.delete<R>(key, options);
  }
  currentRevision(): Promise<number> {
    return this.#inner.currentRevision();
  }
  close(): Promise<void> {
    return this.#inner.close();
  }

  watch(options?: WatchOptions): Watch {
    this.watchCalls++;
    const inner = this.#inner.watch(options);
    const it = inner[Symbol.asyncIterator]();
    let relisted = false;
    let wake: ((r: IteratorResult<WatchEvent>) => void) | undefined;
    const relistSignal = new Promise<IteratorResult<WatchEvent>>((resolve) => (wake = resolve));
    this.#relist = () => wake?.({ value: { type: 'relist', reason: 'injected' }, done: false });
    const self = this;
    const iterator: AsyncIterator<WatchEvent> = {
      async next(): Promise<IteratorResult<WatchEvent>> {
        if (relisted) return { value: undefined, done: true };
        for (;;) {
          const r = await Promise.race([it.next(), relistSignal]);
          if (!r.done && r.value.type === 'relist') {
            relisted = true;
            inner.close();
            return r;
          }
          if (r.done || !self.dropEvents) return r;
        }
      },
    };
    return {
      [Symbol.asyncIterator]: () => iterator,
      close: () => inner.close(),
    };
  }
}
