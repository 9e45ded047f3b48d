/**
 * Routes updates to the handlers registered for their kind, in registration order.
 * A handler that returns `true` filters the update out: later handlers for that kind do not see it.
 * That is how a filter is built: register it first (see LocalEndpointFilter).
 */
import type { SyncStatus, Update } from './types.js';

/** Returns true to stop the update reaching handlers registered after this one. */
export type UpdateHandler = (update: Update) => boolean | void;
export type StatusHandler = (status: SyncStatus) => void;

export class Dispatcher {
  readonly #handlers = new Map<string, UpdateHandler[]>();
  readonly #statusHandlers: StatusHandler[] = [];

  /** Receive updates of `kind`, after every handler already registered for it. */
  register(kind: string, handler: UpdateHandler): void {
    let list = this.#handlers.get(kind);
    if (!list) {
      list = [];
      this.#handlers.set(kind, list);
    }
    list.push(handler);
  }

  registerStatusHandler(handler: StatusHandler): void {
    this.#statusHandlers.push(handler);
  }

  /** Kinds with at least one handler; updates of other kinds are dropped. */
  kinds(): string[] {
    return [...this.#handlers.keys()];
  }

  onUpdate(update: Update): void {
    const list = this.#handlers.get(update.kind);
    if (!list) return;
    for (const handler of list) {
      if (handler(update) === true) return;
    }
  }

  onStatusUpdate(status: SyncStatus): void {
    for (const handler of this.#statusHandlers) handler(status);
  }
}
