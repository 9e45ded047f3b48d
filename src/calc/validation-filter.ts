/**
 * Normalises policies, profiles and tiers once, at the entrance of the graph, through the shared
 * policy model (so the dataplane and `policy trace` read the same meaning), and re-dispatches them as
 * model updates: `PolicyModel` keyed by policy key (`np/ns/name`), `ProfileModel` by profile name,
 * `TierModel` by tier name.
 *
 * A resource the model rejects is treated as deleted (like Felix's validation filter), so a bad
 * object can never leave stale rules behind, and is reported through `onInvalid`. Other kinds pass
 * through untouched; it does not look at endpoints.
 */
import type { Resource } from '../api/types.js';
import { isPolicyKind, normalisePolicy, normaliseProfile, normaliseTier } from '../policy/index.js';
import type { Dispatcher } from './dispatcher.js';
import { POLICY_KINDS, type Update } from './types.js';

export const POLICY_MODEL = 'PolicyModel';
export const PROFILE_MODEL = 'ProfileModel';
export const TIER_MODEL = 'TierModel';

export type InvalidResourceHandler = (kind: string, key: string, error: unknown) => void;

export class ValidationFilter {
  readonly #out: Dispatcher;
  readonly #onInvalid: InvalidResourceHandler;
  /** `<kind>|<datastore key>` → policy key last sent, so deletions and renames reach the right key. */
  readonly #policyKeys = new Map<string, string>();

  constructor(out: Dispatcher, onInvalid: InvalidResourceHandler = () => {}) {
    this.#out = out;
    this.#onInvalid = onInvalid;
  }

  /** Registers on `input` for the resource kinds; the models go to the dispatcher given to the constructor. */
  registerWith(input: Dispatcher): void {
    for (const kind of POLICY_KINDS) input.register(kind, (u) => this.#onPolicy(u));
    input.register('Profile', (u) => this.#onSimple(u, PROFILE_MODEL, normaliseProfile));
    input.register('Tier', (u) => this.#onSimple(u, TIER_MODEL, normaliseTier));
  }

  #onPolicy(update: Update): void {
    const id = `${update.kind}|${update.key}`;
    const oldKey = this.#policyKeys.get(id);
    let model;
    if (update.value !== undefined && isPolicyKind(update.kind)) {
      try {
        model = normalisePolicy(update.value as Resource);
      } catch (err) {
        this.#onInvalid(update.kind, update.key, err);
      }
    }
    if (oldKey !== undefined && oldKey !== model?.key) {
      this.#policyKeys.delete(id);
      this.#out.onUpdate({ kind: POLICY_MODEL, key: oldKey, value: undefined });
    }
    if (model) {
      this.#policyKeys.set(id, model.key);
      this.#out.onUpdate({ kind: POLICY_MODEL, key: model.key, value: model });
    }
  }

  #onSimple(update: Update, kind: string, normalise: (r: Resource) => unknown): void {
    let value: unknown;
    if (update.value !== undefined) {
      try {
        value = normalise(update.value as Resource);
      } catch (err) {
        this.#onInvalid(update.kind, update.key, err);
      }
    }
    this.#out.onUpdate({ kind, key: update.key, value });
  }
}
