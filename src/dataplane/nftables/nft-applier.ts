/**
 * Applies rendered tables to the kernel through an NftRunner.
 *
 * - The first apply (and any repair) is an atomic full replace of every table we own.
 * - Later applies send one transaction with only what changed (diffScript); applyChains() does the same for
 *   a caller that already knows which chains' rules changed (a policy edit), without scanning the tables.
 *   Both go over the runner's netlink route when it has one and the change is only chain rewrites or only
 *   set elements (IP set members), else through nft.
 * - New endpoint chains are first programmed as a plain drop together with their dispatch entries, and filled
 *   in a second transaction, so an endpoint whose policy cannot be programmed drops its traffic (fail closed).
 * - If a transaction fails, the whole state is replaced; if that fails too, the endpoints touched by the change
 *   are programmed to drop and the error is rethrown (the driver counts it and retries on the next refresh).
 * - checkAndRepair() compares the kernel's table with what we wrote (chain/set/map names, rule and element
 *   counts, and, when we have not written since the last check, a hash of the whole listing) and replaces
 *   the table when someone else changed or flushed it.
 */
import { createHash } from 'node:crypto';
import type { ChainRules, NftChain, NftMap, NftTable, SetElementChanges } from './model.js';
import { chainRewriteScript, changedChains, changedSets, diffScript, elementScript, fullReplaceScript, setElementChanges } from './format.js';
import type { NftRunner } from './nft-runner.js';
import { WL_FROM_DISPATCH, WL_FROM_PROGRAMMED, WL_TO_DISPATCH, WL_TO_PROGRAMMED, nftString } from './names.js';
import { isOwnTable } from './table.js';

const ENDPOINT_CHAIN = /^cali-(tw|fw|th|fh|thfw|fhfw)-/;

export type ApplyMode = 'none' | 'full' | 'incremental' | 'fail-closed';

export interface ApplyResult {
  mode: ApplyMode;
  /** nft invocations this apply made. */
  calls: number;
}

function dropChain(name: string): NftChain {
  return { name, rules: [`drop comment ${nftString('Endpoint not yet programmed (fail closed)')}`] };
}

/** The chain a map verdict (`goto cali-tw-x`) leads to; '' for `drop`. */
function verdictChain(verdict: string): string {
  return verdict.split(' ')[1] ?? '';
}

/** `current` plus new endpoint chains as drop, reachable through their new dispatch entries. */
function closedStep(current: NftTable, next: NftTable): NftTable | undefined {
  const newEndpointChains = [...next.chains.keys()].filter((n) => ENDPOINT_CHAIN.test(n) && !current.chains.has(n));
  if (newEndpointChains.length === 0) return undefined;
  const fresh = new Set(newEndpointChains);
  const chains = new Map(current.chains);
  for (const n of newEndpointChains) chains.set(n, dropChain(n));
  const maps = new Map<string, NftMap>(current.maps);
  for (const [name, m] of next.maps) {
    const base = current.maps.get(name);
    const elements = new Map(base?.elements ?? []);
    let changed = false;
    for (const [k, v] of m.elements) {
      if (fresh.has(verdictChain(v)) && !elements.has(k)) {
        elements.set(k, v);
        changed = true;
      }
    }
    if (changed) maps.set(name, { name, type: m.type, elements });
  }
  return { ...current, chains, maps };
}

/**
 * `next`, but with every endpoint chain that changed since `current` replaced by a drop, and those
 * workloads' interfaces out of the "programmed" sets (so the dispatch chain's conntrack accept skips them).
 */
function failClosedTable(current: NftTable | undefined, next: NftTable): NftTable {
  const chains = new Map<string, NftChain>();
  const dropped = new Set<string>();
  for (const [name, c] of next.chains) {
    const old = current?.chains.get(name);
    if (ENDPOINT_CHAIN.test(name)) {
      chains.set(name, old === c ? c : dropChain(name));
      if (old !== c) dropped.add(name);
    } else if (c.hook || old === c) chains.set(name, c);
    else chains.set(name, old ?? { name, rules: [] });
  }
  const sets = new Map(next.sets);
  for (const [mapName, setName] of [[WL_TO_DISPATCH, WL_TO_PROGRAMMED], [WL_FROM_DISPATCH, WL_FROM_PROGRAMMED]] as const) {
    const set = next.sets.get(setName);
    const map = next.maps.get(mapName);
    if (!set || !map) continue;
    const held = new Set([...map.elements].filter(([, v]) => dropped.has(verdictChain(v))).map(([k]) => k));
    if (held.size > 0) sets.set(setName, { ...set, elements: set.elements.filter((e) => !held.has(e)) });
  }
  return { ...next, chains, sets };
}

interface ListingSummary {
  chains: Map<string, number>;
  sets: Map<string, number>;
  maps: Map<string, number>;
}

function summarizeListing(json: string): ListingSummary {
  const doc = JSON.parse(json) as { nftables: Array<Record<string, { name?: string; chain?: string; elem?: unknown[] }>> };
  const s: ListingSummary = { chains: new Map(), sets: new Map(), maps: new Map() };
  for (const item of doc.nftables) {
    if (item.chain) s.chains.set(item.chain.name!, s.chains.get(item.chain.name!) ?? 0);
    else if (item.rule) s.chains.set(item.rule.chain!, (s.chains.get(item.rule.chain!) ?? 0) + 1);
    else if (item.set) s.sets.set(item.set.name!, item.set.elem?.length ?? 0);
    else if (item.map) s.maps.set(item.map.name!, item.map.elem?.length ?? 0);
  }
  return s;
}

/** Why the kernel's table differs from our model, or undefined if it matches. */
export function describeDrift(table: NftTable, listingJson: string): string | undefined {
  const s = summarizeListing(listingJson);
  if (s.chains.size !== table.chains.size) return `table ${table.family} ${table.name} has ${s.chains.size} chains, expected ${table.chains.size}`;
  for (const [name, c] of table.chains) {
    const n = s.chains.get(name);
    if (n !== c.rules.length) return `chain ${name} has ${n ?? 'no'} rules, expected ${c.rules.length}`;
  }
  if (s.sets.size !== table.sets.size) return `table ${table.family} ${table.name} has ${s.sets.size} sets, expected ${table.sets.size}`;
  for (const [name, set] of table.sets) {
    if (s.sets.get(name) !== set.elements.length) return `set ${name} has ${s.sets.get(name) ?? 'no'} elements, expected ${set.elements.length}`;
  }
  for (const [name, m] of table.maps) {
    if (s.maps.get(name) !== m.elements.size) return `map ${name} has ${s.maps.get(name) ?? 'no'} elements, expected ${m.elements.size}`;
  }
  return undefined;
}

/** Whether `next` holds the same tables, in the same order, as `current`. */
function sameTables(current: readonly NftTable[] | undefined, next: NftTable[]): current is NftTable[] {
  return current !== undefined && current.length === next.length && current.every((t, i) => t.family === next[i]!.family && t.name === next[i]!.name);
}

export class NftApplier {
  readonly #runner: NftRunner;
  #current: NftTable[] | undefined;
  #wroteSinceCheck = true;
  #listingHashes = new Map<string, string>();

  constructor(runner: NftRunner) {
    this.#runner = runner;
  }

  /** What we last programmed (undefined before the first apply or after a failed one). */
  get current(): readonly NftTable[] | undefined {
    return this.#current;
  }

  async apply(next: NftTable[]): Promise<ApplyResult> {
    const current = this.#current;
    if (!sameTables(current, next)) {
      return this.#replaceOrFailClosed(current, next, 0);
    }
    const sent = await this.#elementsOnly(current, next);
    if (sent) return sent;
    let calls = 0;
    try {
      const steps: NftTable[][] = [];
      const closed = current.map((t, i) => closedStep(t, next[i]!));
      if (closed.some((c) => c !== undefined)) steps.push(current.map((t, i) => closed[i] ?? t));
      steps.push(next);
      let from = current;
      for (const to of steps) {
        const parts = from.map((t, i) => diffScript(t, to[i]!));
        if (parts.some((p) => p === null)) return this.#replaceOrFailClosed(current, next, calls);
        const script = parts.join('');
        if (script !== '') {
          this.#wroteSinceCheck = true;
          calls++;
          await this.#runner.run(script);
          this.#current = to;
        }
        from = to;
      }
      return { mode: calls === 0 ? 'none' : 'incremental', calls };
    } catch {
      return this.#replaceOrFailClosed(this.#current, next, calls);
    }
  }

  /**
   * When `next` differs from what we applied only in set elements (IP set members moving with labels and
   * pods), sends just those through the runner's fast route. Undefined when that does not apply or the
   * runner has none, or when it did not go through (nft then reports why).
   */
  async #elementsOnly(current: NftTable[], next: NftTable[]): Promise<ApplyResult | undefined> {
    if (!this.#runner.replaceChains) return undefined;
    const sets: SetElementChanges[] = [];
    for (const [i, t] of current.entries()) {
      const c = setElementChanges(t, next[i]!);
      if (c === null) return undefined;
      sets.push(...c);
    }
    if (sets.length === 0) {
      this.#current = next;
      return { mode: 'none', calls: 0 };
    }
    this.#wroteSinceCheck = true;
    try {
      if (!(await this.#runner.replaceChains([], sets))) return undefined;
    } catch {
      return undefined;
    }
    this.#current = next;
    return { mode: 'incremental', calls: 1 };
  }

  /**
   * Like apply(), for a caller that knows `next` differs from what we last applied only in the rules of
   * `chains` and the elements of `sets` (policy edits, IP set members): sends just those without scanning
   * the tables. Falls back to apply() when a named chain or set is missing from one side.
   */
  async applyChains(next: NftTable[], chains: ReadonlySet<string>, sets: ReadonlySet<string> = new Set()): Promise<ApplyResult> {
    const current = this.#current;
    if (!sameTables(current, next)) return this.apply(next);
    const changes: ChainRules[] = [];
    const elements: SetElementChanges[] = [];
    for (const [i, t] of current.entries()) {
      const c = changedChains(t, next[i]!, chains);
      const e = changedSets(t, next[i]!, sets);
      if (c === null || e === null) return this.apply(next);
      changes.push(...c);
      elements.push(...e);
    }
    if (changes.length + elements.length === 0) {
      this.#current = next;
      return { mode: 'none', calls: 0 };
    }
    this.#wroteSinceCheck = true;
    if (this.#runner.replaceChains) {
      try {
        if (await this.#runner.replaceChains(changes, elements)) {
          this.#current = next;
          return { mode: 'incremental', calls: 1 };
        }
      } catch {
        // Refused by the kernel, so nothing changed: the same transaction through nft reports why.
      }
    }
    try {
      await this.#runner.run(elementScript(elements) + chainRewriteScript(changes));
      this.#current = next;
      return { mode: 'incremental', calls: 1 };
    } catch {
      return this.#replaceOrFailClosed(this.#current, next, 1);
    }
  }

  async fullReplace(next: NftTable[]): Promise<ApplyResult> {
    return this.#replaceOrFailClosed(this.#current, next, 0);
  }

  async #replaceOrFailClosed(current: readonly NftTable[] | undefined, next: NftTable[], calls: number): Promise<ApplyResult> {
    this.#wroteSinceCheck = true;
    try {
      calls++;
      // One transaction per family, run side by side: each family's tables are replaced atomically (a
      // packet only ever meets its own family's tables), and two nft processes parse the two halves of
      // a dual-stack ruleset on two cores instead of one after the other.
      const families = [...new Set(next.map((t) => t.family))];
      const stale = await this.#staleTables(next);
      const script = (f: string): string => fullReplaceScript(next.filter((t) => t.family === f)) + stale.filter((t) => t.family === f).map((t) => t.script).join('');
      const results = await Promise.allSettled(families.map((f) => this.#runner.run(script(f))));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      this.#current = next;
      return { mode: 'full', calls };
    } catch (err) {
      const closed = next.map((t) => failClosedTable(current?.find((c) => c.family === t.family && c.name === t.name), t));
      calls++;
      try {
        await this.#runner.run(fullReplaceScript(closed));
        this.#current = closed;
      } catch {
        this.#current = undefined;
      }
      throw Object.assign(err instanceof Error ? err : new Error(String(err)), { calls });
    }
  }

  /**
   * Tables of ours in the families we render that we no longer render (a different shard count before
   * a restart), as commands that delete them in the same transaction as the replace. Creating first
   * makes the delete valid even if someone removed the table meanwhile. Best effort: a listing that
   * fails leaves them.
   */
  async #staleTables(next: readonly NftTable[]): Promise<Array<{ family: string; script: string }>> {
    if (!this.#runner.listTables) return [];
    const families = new Set<string>(next.map((t) => t.family));
    const rendered = new Set(next.map((t) => `${t.family} ${t.name}`));
    try {
      return (await this.#runner.listTables())
        .filter((t) => families.has(t.family) && isOwnTable(t.name) && !rendered.has(`${t.family} ${t.name}`))
        .map((t) => ({ family: t.family, script: `table ${t.family} ${t.name}\ndelete table ${t.family} ${t.name}\n` }));
    } catch {
      return [];
    }
  }

  /**
   * Returns a description of the drift it repaired, or undefined when the kernel matched.
   * Call from the periodic refresh, serialised with apply().
   */
  async checkAndRepair(): Promise<string | undefined> {
    const current = this.#current;
    if (!current) return undefined;
    let drift: string | undefined;
    const hashes = new Map<string, string>();
    for (const t of current) {
      const listing = await this.#runner.listTable(t.family, t.name);
      if (listing === undefined) {
        drift = `table ${t.family} ${t.name} is missing`;
        break;
      }
      const hash = createHash('sha256').update(listing).digest('hex');
      hashes.set(`${t.family} ${t.name}`, hash);
      drift = describeDrift(t, listing);
      const previous = this.#listingHashes.get(`${t.family} ${t.name}`);
      if (!drift && !this.#wroteSinceCheck && previous !== undefined && previous !== hash) {
        drift = `table ${t.family} ${t.name} was modified by someone else`;
      }
      if (drift) break;
    }
    if (drift) {
      await this.#replaceOrFailClosed(current, [...current], 0);
      this.#listingHashes.clear();
      return drift;
    }
    this.#listingHashes = hashes;
    this.#wroteSinceCheck = false;
    return undefined;
  }
}
