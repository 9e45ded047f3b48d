/**
 * The thin asynchronous shell around the synchronous CalcGraph (Felix's AsyncCalcGraph). Updates
 * from the syncer are queued; the queue is drained on the next turn of the event loop, and the graph
 * is flushed after a drain, but at most once per `flushIntervalMs` so that a burst of updates (a
 * start-up list, a relist) turns into a few large, coalesced batches for the dataplane.
 *
 * Failures inside the graph are broken invariants: they go to `onError` and the shell stops, so the
 * owner can restart the pipeline rather than keep programming from a corrupt state.
 */
import type { CalcGraph } from './calc-graph.js';
import type { SyncerCallbacks } from './syncer.js';
import type { ResourceUpdate, SyncStatus } from './types.js';

/** Timers, injectable so tests can drive time by hand. */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Run `fn` soon, after the current turn (setImmediate). */
  defer(fn: () => void): void;
}

export const realTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  defer: (fn) => setImmediate(fn),
};

export interface AsyncCalcGraphOptions {
  /** Minimum time between flushes (default 10 ms, Felix's leaky-bucket tick). */
  flushIntervalMs?: number;
  timers?: Timers;
  onError?: (err: unknown) => void;
  /** Called after each flush with how long processing and flushing took, in ms (for metrics). */
  onFlushed?: (elapsedMs: number, updates: number) => void;
}

type QueueItem = { update: ResourceUpdate } | { status: SyncStatus };

export class AsyncCalcGraph implements SyncerCallbacks {
  readonly #graph: CalcGraph;
  readonly #interval: number;
  readonly #timers: Timers;
  readonly #onError: (err: unknown) => void;
  readonly #onFlushed: (elapsedMs: number, updates: number) => void;
  #queue: QueueItem[] = [];
  #drainScheduled = false;
  #flushTimer: unknown;
  #dirty = false;
  #lastFlush = Number.NEGATIVE_INFINITY;
  #processed = 0;
  #failed: unknown;
  #idleWaiters: Array<() => void> = [];

  constructor(graph: CalcGraph, options: AsyncCalcGraphOptions = {}) {
    this.#graph = graph;
    this.#interval = options.flushIntervalMs ?? 10;
    this.#timers = options.timers ?? realTimers;
    this.#onError = options.onError ?? (() => {});
    this.#onFlushed = options.onFlushed ?? (() => {});
  }

  onUpdate(update: ResourceUpdate): void {
    this.#enqueue({ update });
  }

  onStatusUpdate(status: SyncStatus): void {
    this.#enqueue({ status });
  }

  /** Resolves once everything queued so far has been processed and flushed. */
  whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stop processing (queued input is dropped). */
  stop(): void {
    this.#failed ??= new Error('stopped');
    this.#queue = [];
    if (this.#flushTimer !== undefined) this.#timers.clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#wakeIdle();
  }

  #isIdle(): boolean {
    return this.#failed !== undefined || (this.#queue.length === 0 && !this.#dirty && !this.#drainScheduled);
  }

  #enqueue(item: QueueItem): void {
    if (this.#failed !== undefined) return;
    this.#queue.push(item);
    if (!this.#drainScheduled) {
      this.#drainScheduled = true;
      this.#timers.defer(() => this.#drain());
    }
  }

  #drain(): void {
    this.#drainScheduled = false;
    if (this.#failed !== undefined) return;
    const batch = this.#queue;
    this.#queue = [];
    try {
      for (const item of batch) {
        if ('update' in item) this.#graph.onUpdate(item.update);
        else this.#graph.onStatusUpdate(item.status);
      }
    } catch (err) {
      this.#fail(err);
      return;
    }
    this.#processed += batch.length;
    this.#dirty = true;
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushTimer !== undefined) return;
    const wait = this.#lastFlush + this.#interval - this.#timers.now();
    if (wait <= 0) {
      this.#flush();
      return;
    }
    this.#flushTimer = this.#timers.setTimeout(() => {
      this.#flushTimer = undefined;
      this.#flush();
    }, wait);
  }

  #flush(): void {
    if (this.#failed !== undefined) return;
    const start = this.#timers.now();
    try {
      this.#graph.flush();
    } catch (err) {
      this.#fail(err);
      return;
    }
    this.#lastFlush = this.#timers.now();
    this.#dirty = false;
    this.#onFlushed(this.#lastFlush - start, this.#processed);
    this.#processed = 0;
    if (this.#isIdle()) this.#wakeIdle();
  }

  #fail(err: unknown): void {
    this.#failed = err;
    this.#queue = [];
    this.#onError(err);
    this.#wakeIdle();
  }

  #wakeIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}
