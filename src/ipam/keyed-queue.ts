/**
 * Runs tasks one at a time per key, in arrival order. IPAM uses it to serialise one process's
 * requests for the same host, as Calico's CNI plugin does with its host-wide lock; it only cuts
 * compare-and-swap conflicts, correctness never depends on it.
 */
export class KeyedQueue {
  #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    const next = prev.then(task, task);
    const tail = next.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }
}
