/**
 * LabelIndex: keeps track of which items (endpoints, network sets) each selector matches and emits
 * only the transitions, like Felix's `labelindex.InheritIndex`.
 *
 * Label inheritance: an item's effective labels are its own labels, then those of each parent
 * (profile) in the order given. The item's own labels win; an earlier parent wins over a later one.
 *
 * Cost: each selector is filed under one of its label restrictions (a label=value set, else a
 * required label, else the small "unrestricted" set). A label change on an item re-evaluates only the
 * selectors filed under that item's labels, the unrestricted ones and those it matched before; a new
 * selector is evaluated only against the items carrying its filing label. Nothing is N x M.
 *
 * Leaves to others: parsing (it takes `Selector`s), deciding what the matches mean (IP set members,
 * active policies), and batching (callbacks fire synchronously, during the call that caused them).
 */
import type { Labels } from './ast.js';
import { restrictionsMatchNothing } from './label-restrictions.js';
import type { Selector } from './selector.js';
import { Handles, PairSetMap, SetMap } from './_collections.js';

/** Receives match transitions; each pair is reported once when it starts and once when it stops. */
export interface LabelIndexCallbacks {
  /** Selector `selectorId` now matches item `itemId` (it did not before). */
  onMatchStarted(selectorId: string, itemId: string): void;
  /** Selector `selectorId` no longer matches item `itemId` (it did before). */
  onMatchStopped(selectorId: string, itemId: string): void;
}

interface ItemData {
  readonly id: string;
  /** Small integer standing for `id` inside the index: integer sets are much cheaper than string sets. */
  readonly handle: number;
  own: ReadonlyMap<string, string>;
  parentIds: readonly string[];
  /** Own labels overlaid on the parents' labels. */
  labels: Map<string, string>;
  /** Handles of the selectors matching this item now. */
  readonly matches: Set<number>;
}

interface ParentData {
  labels: ReadonlyMap<string, string> | undefined;
  itemIds: Set<string>;
}

/** Where a selector is filed. */
type Filing =
  | { kind: 'values'; label: string; values: readonly string[] }
  | { kind: 'key'; label: string }
  | { kind: 'unrestricted' }
  | { kind: 'never' };

interface SelectorData {
  readonly id: string;
  readonly handle: number;
  selector: Selector;
  filing: Filing;
  /** Handles of the items this selector matches now. */
  readonly matches: Set<number>;
}

function toLabelMap(labels: Readonly<Record<string, string>> | ReadonlyMap<string, string> | undefined): Map<string, string> {
  if (labels === undefined) return new Map();
  if (labels instanceof Map) return new Map(labels);
  return new Map(Object.entries(labels as Readonly<Record<string, string>>));
}

function mapsEqual(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function arraysEqual(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Incremental "which items does each selector match" index.
 *
 * @example
 * ```ts
 * const index = new LabelIndex({
 *   onMatchStarted: (sel, item) => console.log('+', sel, item),
 *   onMatchStopped: (sel, item) => console.log('-', sel, item),
 * });
 * index.updateParentLabels('kns.prod', { 'pcns.env': 'prod' });
 * index.updateSelector('s1', parseSelector("pcns.env == 'prod' && app == 'web'"));
 * index.updateLabels('wep1', { app: 'web' }, ['kns.prod']); // + s1 wep1
 * ```
 */
export class LabelIndex {
  readonly #callbacks: LabelIndexCallbacks;
  readonly #items = new Map<string, ItemData>();
  readonly #itemHandles = new Handles<ItemData>();
  readonly #parents = new Map<string, ParentData>();
  readonly #selectors = new Map<string, SelectorData>();
  readonly #selectorHandles = new Handles<SelectorData>();

  // Items by effective label, for finding a new selector's candidates.
  readonly #itemsByLabel = new PairSetMap<number>();
  // Selectors by filing, for finding an item's candidate selectors.
  readonly #selectorsByValue = new PairSetMap<number>();
  readonly #selectorsByKey = new SetMap<number>();
  readonly #unrestricted = new Set<number>();

  constructor(callbacks: LabelIndexCallbacks) {
    this.#callbacks = callbacks;
  }

  /** Add or replace a selector. Replacing with an equivalent selector (same canonical form) is a no-op. */
  updateSelector(selectorId: string, selector: Selector): void {
    let data = this.#selectors.get(selectorId);
    if (data !== undefined) {
      if (data.selector.uniqueId() === selector.uniqueId()) return;
      this.#unfile(data);
      data.selector = selector;
      data.filing = this.#chooseFiling(selector);
    } else {
      const filing = this.#chooseFiling(selector);
      data = this.#selectorHandles.allocate((handle) => ({ id: selectorId, handle, selector, filing, matches: new Set() }));
      this.#selectors.set(selectorId, data);
    }
    this.#file(data);

    const items = this.#itemHandles.byHandle;
    if (data.matches.size === 0) {
      // New (or matchless) selector: every match found is a start.
      for (const h of this.#candidateItems(data.filing)) {
        const item = items[h]!;
        if (selector.evaluateLabels(item.labels)) this.#startMatch(data, item);
      }
      return;
    }
    const nowMatching = new Set<number>();
    for (const h of this.#candidateItems(data.filing)) {
      if (selector.evaluateLabels(items[h]!.labels)) nowMatching.add(h);
    }
    for (const h of data.matches) if (!nowMatching.has(h)) this.#stopMatch(data, items[h]!);
    for (const h of nowMatching) if (!data.matches.has(h)) this.#startMatch(data, items[h]!);
  }

  /** Remove a selector, stopping all its matches. */
  deleteSelector(selectorId: string): void {
    const data = this.#selectors.get(selectorId);
    if (data === undefined) return;
    for (const h of data.matches) this.#stopMatch(data, this.#itemHandles.byHandle[h]!);
    this.#unfile(data);
    this.#selectors.delete(selectorId);
    this.#selectorHandles.release(data.handle);
  }

  /**
   * Add or replace an item's own labels (undefined = none) and its ordered parent (profile) ids.
   * The labels are copied.
   * Parents need not exist yet; their labels apply once `updateParentLabels` supplies them.
   */
  updateLabels(
    itemId: string,
    labels: Readonly<Record<string, string>> | ReadonlyMap<string, string> | undefined,
    parentIds: readonly string[] = [],
  ): void {
    const own = toLabelMap(labels);
    let item = this.#items.get(itemId);
    if (item !== undefined && mapsEqual(item.own, own) && arraysEqual(item.parentIds, parentIds)) return;
    const oldParents = item?.parentIds ?? [];
    const newParents = [...parentIds];
    for (const pid of newParents) this.#parentOrCreate(pid).itemIds.add(itemId);
    for (const pid of oldParents) if (!newParents.includes(pid)) this.#detachParent(pid, itemId);
    const before = item?.labels;
    if (item === undefined) {
      item = this.#itemHandles.allocate((handle) => ({
        id: itemId,
        handle,
        own,
        parentIds: newParents,
        labels: new Map(),
        matches: new Set(),
      }));
      this.#items.set(itemId, item);
    } else {
      item.own = own;
      item.parentIds = newParents;
    }
    item.labels = this.#effectiveLabels(item);
    this.#applyLabels(item, before, item.labels);
  }

  /** Remove an item, stopping all its matches. */
  deleteLabels(itemId: string): void {
    const item = this.#items.get(itemId);
    if (item === undefined) return;
    for (const pid of item.parentIds) this.#detachParent(pid, itemId);
    this.#applyLabels(item, item.labels, undefined);
    this.#items.delete(itemId);
    this.#itemHandles.release(item.handle);
  }

  /** Set a parent's (profile's) labels; every item that lists it is re-evaluated. */
  updateParentLabels(
    parentId: string,
    labels: Readonly<Record<string, string>> | ReadonlyMap<string, string> | undefined,
  ): void {
    const parent = this.#parentOrCreate(parentId);
    const next = toLabelMap(labels);
    if (parent.labels !== undefined && mapsEqual(parent.labels, next)) return;
    parent.labels = next;
    this.#refreshChildren(parent);
  }

  /** Forget a parent's labels; items keep listing it and pick its labels up again if it returns. */
  deleteParentLabels(parentId: string): void {
    const parent = this.#parents.get(parentId);
    if (parent?.labels === undefined) return;
    parent.labels = undefined;
    this.#refreshChildren(parent);
    if (parent.itemIds.size === 0) this.#parents.delete(parentId);
  }

  /** Ids of the items the selector matches now (a copy). */
  matchingItems(selectorId: string): Set<string> {
    const out = new Set<string>();
    const data = this.#selectors.get(selectorId);
    if (data !== undefined) for (const h of data.matches) out.add(this.#itemHandles.byHandle[h]!.id);
    return out;
  }

  /** Ids of the selectors that match the item now (a copy). */
  matchingSelectors(itemId: string): Set<string> {
    const out = new Set<string>();
    const item = this.#items.get(itemId);
    if (item !== undefined) for (const h of item.matches) out.add(this.#selectorHandles.byHandle[h]!.id);
    return out;
  }

  /** The item's effective labels (own plus inherited), as a copy; `undefined` for an unknown item. */
  effectiveLabels(itemId: string): Record<string, string> | undefined {
    const item = this.#items.get(itemId);
    return item === undefined ? undefined : Object.fromEntries(item.labels);
  }

  #effectiveLabels(item: ItemData): Map<string, string> {
    const out = new Map(item.own);
    for (const pid of item.parentIds) {
      const labels = this.#parents.get(pid)?.labels;
      if (labels === undefined) continue;
      for (const [k, v] of labels) if (!out.has(k)) out.set(k, v);
    }
    return out;
  }

  #parentOrCreate(parentId: string): ParentData {
    let parent = this.#parents.get(parentId);
    if (parent === undefined) {
      parent = { labels: undefined, itemIds: new Set() };
      this.#parents.set(parentId, parent);
    }
    return parent;
  }

  #detachParent(parentId: string, itemId: string): void {
    const parent = this.#parents.get(parentId);
    if (parent === undefined) return;
    parent.itemIds.delete(itemId);
    if (parent.itemIds.size === 0 && parent.labels === undefined) this.#parents.delete(parentId);
  }

  #refreshChildren(parent: ParentData): void {
    for (const itemId of parent.itemIds) {
      const item = this.#items.get(itemId)!;
      const before = item.labels;
      item.labels = this.#effectiveLabels(item);
      this.#applyLabels(item, before, item.labels);
    }
  }

  /**
   * Re-index an item whose effective labels went from `before` to `after` (undefined = no item)
   * and emit the transitions. The caller has already stored `after` on the item.
   */
  #applyLabels(item: ItemData, before: Map<string, string> | undefined, after: Map<string, string> | undefined): void {
    if (before !== undefined && after !== undefined && mapsEqual(before, after)) return;
    const selectors = this.#selectorHandles.byHandle;
    if (before !== undefined) {
      for (const [k, v] of before) if (after?.get(k) !== v) this.#itemsByLabel.delete(k, v, item.handle);
    }
    if (after === undefined) {
      for (const h of item.matches) this.#stopMatch(selectors[h]!, item);
      return;
    }
    for (const [k, v] of after) this.#itemsByLabel.add(k, v, item.handle);

    // Only these selectors can match the new labels; everything else that matched before stops.
    const candidates = new Set(this.#unrestricted);
    for (const [k, v] of after) {
      const byValue = this.#selectorsByValue.get(k, v);
      if (byValue !== undefined) for (const h of byValue) candidates.add(h);
      const byKey = this.#selectorsByKey.get(k);
      if (byKey !== undefined) for (const h of byKey) candidates.add(h);
    }
    const labels: Labels = after;
    for (const h of item.matches) {
      const data = selectors[h]!;
      if (!candidates.has(h) || !data.selector.evaluateLabels(labels)) this.#stopMatch(data, item);
    }
    for (const h of candidates) {
      if (item.matches.has(h)) continue;
      const data = selectors[h]!;
      if (data.selector.evaluateLabels(labels)) this.#startMatch(data, item);
    }
  }

  /**
   * File a selector under the restriction that narrows its candidates most, judged by how many
   * items carry each label (value) right now.
   */
  #chooseFiling(selector: Selector): Filing {
    const restrictions = selector.labelRestrictions();
    if (restrictionsMatchNothing(restrictions)) return { kind: 'never' };
    let best: Filing = { kind: 'unrestricted' };
    let bestCost = Infinity;
    for (const [label, r] of restrictions) {
      if (r.mustHaveOneOfValues !== undefined) {
        let cost = 0;
        for (const v of r.mustHaveOneOfValues) cost += this.#itemsByLabel.size(label, v);
        if (cost < bestCost || (cost === bestCost && best.kind !== 'values')) {
          best = { kind: 'values', label, values: r.mustHaveOneOfValues };
          bestCost = cost;
        }
      } else if (r.mustBePresent) {
        const cost = this.#itemsByLabel.sizeForKey(label);
        if (cost < bestCost) {
          best = { kind: 'key', label };
          bestCost = cost;
        }
      }
    }
    return best;
  }

  #file(data: SelectorData): void {
    const { filing, handle } = data;
    switch (filing.kind) {
      case 'values':
        for (const v of filing.values) this.#selectorsByValue.add(filing.label, v, handle);
        return;
      case 'key':
        this.#selectorsByKey.add(filing.label, handle);
        return;
      case 'unrestricted':
        this.#unrestricted.add(handle);
        return;
      case 'never':
        return;
    }
  }

  #unfile(data: SelectorData): void {
    const { filing, handle } = data;
    switch (filing.kind) {
      case 'values':
        for (const v of filing.values) this.#selectorsByValue.delete(filing.label, v, handle);
        return;
      case 'key':
        this.#selectorsByKey.delete(filing.label, handle);
        return;
      case 'unrestricted':
        this.#unrestricted.delete(handle);
        return;
      case 'never':
        return;
    }
  }

  /** Handles of the items a selector with this filing could match. */
  #candidateItems(filing: Filing): Iterable<number> {
    switch (filing.kind) {
      case 'values': {
        if (filing.values.length === 1) return this.#itemsByLabel.get(filing.label, filing.values[0]!) ?? [];
        const out = new Set<number>();
        for (const v of filing.values) {
          const handles = this.#itemsByLabel.get(filing.label, v);
          if (handles !== undefined) for (const h of handles) out.add(h);
        }
        return out;
      }
      case 'key':
        return this.#itemsByLabel.idsWithKey(filing.label);
      case 'unrestricted':
        return [...this.#items.values()].map((item) => item.handle);
      case 'never':
        return [];
    }
  }

  // Deleting from a Set while iterating it is well defined in JavaScript (the entry is skipped),
  // so callers may stop matches while looping over a match set.
  #startMatch(selector: SelectorData, item: ItemData): void {
    selector.matches.add(item.handle);
    item.matches.add(selector.handle);
    this.#callbacks.onMatchStarted(selector.id, item.id);
  }

  #stopMatch(selector: SelectorData, item: ItemData): void {
    selector.matches.delete(item.handle);
    item.matches.delete(selector.handle);
    this.#callbacks.onMatchStopped(selector.id, item.id);
  }
}
