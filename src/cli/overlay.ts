/**
 * A read view of the datastore with a request's earlier resources laid over it, so that checking
 * resource N of a manifest sees resources 1..N-1 as if already written (a Tier and a policy in it,
 * two pools that overlap each other). Writes are refused: this view is only for checks.
 */
import type { Resource } from '../api/types.js';
import type { Datastore, ListOptions, ListResult, ResourceKey, Watch } from '../datastore/types.js';
import { NotFoundError } from '../lib/errors.js';

function keyString(k: ResourceKey): string {
  return `${k.kind}/${k.namespace ?? ''}/${k.name}`;
}

export class OverlayDatastore implements Datastore {
  readonly #base: Datastore;
  readonly #staged = new Map<string, Resource>();

  constructor(base: Datastore) {
    this.#base = base;
  }

  /** Make `resource` visible to later checks. */
  stage(resource: Resource): void {
    const key = { kind: resource.kind, name: resource.metadata.name, namespace: resource.metadata.namespace };
    this.#staged.set(keyString(key), resource);
  }

  async get<R extends Resource = Resource>(key: ResourceKey): Promise<R> {
    const staged = this.#staged.get(keyString({ ...key, namespace: key.namespace || undefined }));
    if (staged !== undefined) return structuredClone(staged) as R;
    return this.#base.get<R>(key);
  }

  async list<R extends Resource = Resource>(options: ListOptions): Promise<ListResult<R>> {
    const base = await this.#base.list<R>(options);
    const byKey = new Map<string, R>();
    for (const item of base.items) {
      byKey.set(keyString({ kind: item.kind, name: item.metadata.name, namespace: item.metadata.namespace }), item);
    }
    for (const [k, r] of this.#staged) {
      if (r.kind !== options.kind) continue;
      if (options.namespace && r.metadata.namespace !== options.namespace) continue;
      if (options.namePrefix && !r.metadata.name.startsWith(options.namePrefix)) continue;
      byKey.set(k, structuredClone(r) as R);
    }
    return { items: [...byKey.values()], revision: base.revision };
  }

  async create<R extends Resource>(resource: R): Promise<R> {
    return refuse(resource);
  }

  async update<R extends Resource>(resource: R): Promise<R> {
    return refuse(resource);
  }

  async delete<R extends Resource = Resource>(key: ResourceKey): Promise<R> {
    throw new NotFoundError(key);
  }

  watch(): Watch {
    throw new Error('Cannot watch an overlay view: it is only for checks');
  }

  currentRevision(): Promise<number> {
    return this.#base.currentRevision();
  }

  async close(): Promise<void> {
    // The base datastore belongs to the caller.
  }
}

function refuse(resource: Resource): never {
  throw new Error(`Cannot write ${resource.kind} "${resource.metadata.name}" through an overlay view: it is only for checks`);
}
