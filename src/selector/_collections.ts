/**
 * Containers for the label index: multimaps of ids by label name and by (label name, value), and
 * dense integer handles. Empty inner containers are removed so memory follows the live data.
 */

/** key -> set of ids. */
export class SetMap<T> {
  readonly #map = new Map<string, Set<T>>();

  add(key: string, id: T): void {
    let set = this.#map.get(key);
    if (set === undefined) {
      set = new Set();
      this.#map.set(key, set);
    }
    set.add(id);
  }

  delete(key: string, id: T): void {
    const set = this.#map.get(key);
    if (set === undefined) return;
    set.delete(id);
    if (set.size === 0) this.#map.delete(key);
  }

  get(key: string): ReadonlySet<T> | undefined {
    return this.#map.get(key);
  }

  size(key: string): number {
    return this.#map.get(key)?.size ?? 0;
  }
}

/** (key, value) -> set of ids, with a per-key count of ids. */
export class PairSetMap<T> {
  readonly #map = new Map<string, Map<string, Set<T>>>();
  readonly #countByKey = new Map<string, number>();

  add(key: string, value: string, id: T): void {
    let byValue = this.#map.get(key);
    if (byValue === undefined) {
      byValue = new Map();
      this.#map.set(key, byValue);
    }
    let set = byValue.get(value);
    if (set === undefined) {
      set = new Set();
      byValue.set(value, set);
    }
    if (set.has(id)) return;
    set.add(id);
    this.#countByKey.set(key, (this.#countByKey.get(key) ?? 0) + 1);
  }

  delete(key: string, value: string, id: T): void {
    const byValue = this.#map.get(key);
    const set = byValue?.get(value);
    if (byValue === undefined || set === undefined || !set.delete(id)) return;
    if (set.size === 0) byValue.delete(value);
    if (byValue.size === 0) this.#map.delete(key);
    const count = (this.#countByKey.get(key) ?? 1) - 1;
    if (count === 0) this.#countByKey.delete(key);
    else this.#countByKey.set(key, count);
  }

  get(key: string, value: string): ReadonlySet<T> | undefined {
    return this.#map.get(key)?.get(value);
  }

  /** All ids stored under `key`, whatever the value. */
  *idsWithKey(key: string): Generator<T> {
    const byValue = this.#map.get(key);
    if (byValue === undefined) return;
    for (const set of byValue.values()) yield* set;
  }

  sizeForKey(key: string): number {
    return this.#countByKey.get(key) ?? 0;
  }

  size(key: string, value: string): number {
    return this.#map.get(key)?.get(value)?.size ?? 0;
  }
}

/** Dense integer handles with reuse, so handle-indexed arrays stay as small as the live data. */
export class Handles<T> {
  readonly byHandle: Array<T | undefined> = [];
  readonly #free: number[] = [];

  allocate(make: (handle: number) => T): T {
    const handle = this.#free.pop() ?? this.byHandle.length;
    const value = make(handle);
    this.byHandle[handle] = value;
    return value;
  }

  release(handle: number): void {
    this.byHandle[handle] = undefined;
    this.#free.push(handle);
  }
}
