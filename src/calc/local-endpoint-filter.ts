/**
 * Passes on only this node's WorkloadEndpoints and HostEndpoints (by `spec.node`).
 *
 * An endpoint that moves away from this node (its `spec.node` changes) is passed on as a deletion, so
 * downstream nodes never hold an endpoint that is no longer local. It does not look at labels,
 * policies or anything else about the endpoint.
 */
import type { Resource } from '../api/types.js';
import type { Dispatcher } from './dispatcher.js';
import type { Update } from './types.js';

export const ENDPOINT_KINDS = ['WorkloadEndpoint', 'HostEndpoint'] as const;

export class LocalEndpointFilter {
  readonly #nodeName: string;
  readonly #downstream: Dispatcher;
  /** `<kind>|<key>` of endpoints passed downstream and not yet deleted. */
  readonly #local = new Set<string>();

  constructor(nodeName: string, downstream: Dispatcher) {
    this.#nodeName = nodeName;
    this.#downstream = downstream;
  }

  registerWith(allUpdates: Dispatcher): void {
    for (const kind of ENDPOINT_KINDS) allUpdates.register(kind, (u) => this.onUpdate(u));
    allUpdates.registerStatusHandler((s) => this.#downstream.onStatusUpdate(s));
  }

  onUpdate(update: Update): void {
    const id = `${update.kind}|${update.key}`;
    const value = update.value as Resource<string, { node?: string }> | undefined;
    if (value !== undefined && value.spec?.node === this.#nodeName) {
      this.#local.add(id);
      this.#downstream.onUpdate(update);
    } else if (this.#local.delete(id)) {
      this.#downstream.onUpdate({ kind: update.kind, key: update.key, value: undefined });
    }
  }
}
