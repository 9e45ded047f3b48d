/**
 * Pieces every backend shares so that their semantics stay identical: key checks,
 * create/update stamping, watch filtering and the push-to-pull queue behind `Watch`.
 *
 * Conventions all backends follow beyond types.ts: `delete()` returns the object as it was stored
 * (its last resourceVersion), while the `deleted` watch event carries that object with
 * resourceVersion set to the deletion's revision (as Kubernetes does). Lists are in etcd key order
 * (`[namespace/]name`, byte-wise). A namespace filter on a cluster-scoped kind is ignored by list and watch; a
 * watch with a namespace and no kind sees only namespaced kinds in that namespace.
 */
import type { Resource } from '../api/types.js';
import { isNamespacedKind } from '../api/types.js';
import { ValidationError, type FieldError } from '../lib/errors.js';
import { randomUUID } from '../lib/random.js';
import { isKnownKind } from './keys.js';
import type { ListOptions, ResourceKey, Watch, WatchEvent, WatchOptions } from './types.js';

/** Source of "now" for creationTimestamp; injectable so tests can pin it. */
export type Now = () => Date;

/** Names become path segments (etcd keys), so they may not be empty or contain a slash. */
function nameErrors(field: string, value: unknown): FieldError[] {
  if (typeof value !== 'string' || value === '') return [{ field, message: 'must be a non-empty string', value }];
  if (value.includes('/')) return [{ field, message: 'must not contain "/"', value }];
  return [];
}

/** Checks kind, name and the namespace rule; returns the normalised key (no namespace for cluster-scoped kinds). */
export function checkKey(key: ResourceKey): ResourceKey {
  const ref = { kind: String(key.kind), name: String(key.name), ...(key.namespace ? { namespace: key.namespace } : {}) };
  const errors: FieldError[] = [];
  if (!isKnownKind(key.kind)) errors.push({ field: 'kind', message: 'is not a kind the datastore stores', value: key.kind });
  errors.push(...nameErrors('metadata.name', key.name));
  if (isNamespacedKind(key.kind)) {
    errors.push(...nameErrors('metadata.namespace', key.namespace));
  } else if (key.namespace !== undefined && key.namespace !== '') {
    errors.push({ field: 'metadata.namespace', message: `must not be set: ${key.kind} is cluster-scoped`, value: key.namespace });
  }
  if (errors.length > 0) throw new ValidationError(ref, errors);
  return isNamespacedKind(key.kind) ? { kind: key.kind, namespace: key.namespace!, name: key.name } : { kind: key.kind, name: key.name };
}

/** The key a resource is stored under (validated). */
export function keyOf(resource: Resource): ResourceKey {
  if (resource === null || typeof resource !== 'object' || resource.metadata === null || typeof resource.metadata !== 'object') {
    throw new ValidationError({ kind: String(resource?.kind), name: '' }, [{ field: 'metadata', message: 'is required' }]);
  }
  return checkKey({ kind: resource.kind, name: resource.metadata.name, namespace: resource.metadata.namespace });
}

/** Checks list options; the namespace filter is ignored for cluster-scoped kinds. */
export function checkList(options: ListOptions): ListOptions {
  if (!isKnownKind(options.kind)) {
    throw new ValidationError({ kind: String(options.kind), name: '' }, [{ field: 'kind', message: 'is not a kind the datastore stores', value: options.kind }]);
  }
  const namespace = isNamespacedKind(options.kind) && options.namespace ? options.namespace : undefined;
  return { kind: options.kind, ...(namespace ? { namespace } : {}), ...(options.namePrefix ? { namePrefix: options.namePrefix } : {}) };
}

export function checkWatch(options: WatchOptions): WatchOptions {
  if (options.kind !== undefined && !isKnownKind(options.kind)) {
    throw new ValidationError({ kind: String(options.kind), name: '' }, [{ field: 'kind', message: 'is not a kind the datastore stores', value: options.kind }]);
  }
  if (options.fromRevision !== undefined && !(Number.isSafeInteger(options.fromRevision) && options.fromRevision >= 0)) {
    throw new RangeError(`Cannot watch from revision ${String(options.fromRevision)}: must be a non-negative integer`);
  }
  // As in list: a namespace means nothing for a cluster-scoped kind.
  if (options.kind !== undefined && !isNamespacedKind(options.kind) && options.namespace !== undefined) {
    const { namespace: _ignored, ...rest } = options;
    return rest;
  }
  return options;
}

/** Kubernetes/Calico timestamps are RFC 3339 with second precision. */
export function formatTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A stored copy of a new resource: fresh uid and creationTimestamp, no resourceVersion (the backend sets it). */
export function stampCreate<R extends Resource>(resource: R, now: Now): R {
  const copy = structuredClone(resource);
  copy.metadata.uid = randomUUID();
  copy.metadata.creationTimestamp = formatTimestamp(now());
  delete copy.metadata.resourceVersion;
  if (!isNamespacedKind(copy.kind)) delete copy.metadata.namespace;
  return copy;
}

/** A stored copy of an update: identity fields come from the stored object, not the caller. */
export function stampUpdate<R extends Resource>(resource: R, stored: Resource): R {
  const copy = structuredClone(resource);
  delete copy.metadata.resourceVersion;
  if (stored.metadata.uid !== undefined) copy.metadata.uid = stored.metadata.uid;
  else delete copy.metadata.uid;
  if (stored.metadata.creationTimestamp !== undefined) copy.metadata.creationTimestamp = stored.metadata.creationTimestamp;
  else delete copy.metadata.creationTimestamp;
  if (!isNamespacedKind(copy.kind)) delete copy.metadata.namespace;
  return copy;
}

export function withRevision<R extends Resource>(resource: R, revision: number): R {
  resource.metadata.resourceVersion = String(revision);
  return resource;
}

/** Parses a caller's resourceVersion; a malformed one can never match, so it is a conflict, not a crash. */
export function parseRevision(resourceVersion: string): number {
  return /^[0-9]+$/.test(resourceVersion) ? Number(resourceVersion) : -1;
}

export function matchesWatch(options: WatchOptions, kind: string, namespace: string | undefined): boolean {
  if (options.kind !== undefined && options.kind !== kind) return false;
  if (options.namespace !== undefined && options.namespace !== '' && isNamespacedKind(kind) && namespace !== options.namespace) return false;
  if (options.namespace !== undefined && options.namespace !== '' && !isNamespacedKind(kind)) return false;
  return true;
}

export function matchesList(options: ListOptions, namespace: string | undefined, name: string): boolean {
  if (options.namespace !== undefined && namespace !== options.namespace) return false;
  return options.namePrefix === undefined || name.startsWith(options.namePrefix);
}

/** Sort order of lists: etcd key order (`[namespace/]name`, byte-wise), so every backend lists alike. */
export function storageKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * The pull side of a watch: producers push events, the consumer iterates. A relist event ends the
 * stream; `close()` ends it at once and calls `onClose` so the producer can stop its work.
 */
export class WatchQueue implements Watch {
  #buffer: WatchEvent[] = [];
  #waiter: ((r: IteratorResult<WatchEvent>) => void) | undefined;
  #failWaiter: ((err: unknown) => void) | undefined;
  #error: unknown;
  #ended = false;
  #closed = false;
  readonly #onClose: () => void;

  constructor(onClose: () => void) {
    this.#onClose = onClose;
  }

  /** Events waiting for the consumer; producers use it to apply backpressure. */
  get backlog(): number {
    return this.#buffer.length;
  }

  get closed(): boolean {
    return this.#closed || this.#ended;
  }

  push(event: WatchEvent): void {
    if (this.#ended) return;
    if (event.type === 'relist') this.#ended = true;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = undefined;
      this.#failWaiter = undefined;
      w({ value: event, done: false });
    } else {
      this.#buffer.push(event);
    }
    if (this.#ended) this.#onClose();
  }

  /** Ends the stream with an error the consumer sees after draining buffered events. */
  fail(err: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = err;
    if (this.#failWaiter) {
      const f = this.#failWaiter;
      this.#waiter = undefined;
      this.#failWaiter = undefined;
      f(err);
    }
    this.#onClose();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#buffer = [];
    const wasEnded = this.#ended;
    this.#ended = true;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = undefined;
      this.#failWaiter = undefined;
      w({ value: undefined, done: true });
    }
    if (!wasEnded) this.#onClose();
  }

  next(): Promise<IteratorResult<WatchEvent>> {
    const event = this.#buffer.shift();
    if (event !== undefined) return Promise.resolve({ value: event, done: false });
    if (this.#error !== undefined && !this.#closed) {
      const err = this.#error;
      this.#error = undefined;
      return Promise.reject(err);
    }
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiter = resolve;
      this.#failWaiter = reject;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
