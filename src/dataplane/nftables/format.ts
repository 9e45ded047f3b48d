/**
 * Printing tables for `nft -f`: the whole table as one block (golden files, full replace) and the
 * incremental transaction between two renderings of the same table.
 */
import type { ChainRules, NftChain, NftMap, NftSet, NftTable, SetElementChanges } from './model.js';

function setBody(s: NftSet, indent: string): string[] {
  const lines = [`${indent}set ${s.name} {`, `${indent}\ttype ${s.type}`];
  if (s.interval) lines.push(`${indent}\tflags interval`);
  if (s.elements.length > 0) lines.push(`${indent}\telements = { ${s.elements.join(', ')} }`);
  lines.push(`${indent}}`);
  return lines;
}

function mapElements(m: NftMap): string[] {
  return [...m.elements.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k} : ${v}`);
}

function hookLine(c: NftChain): string | undefined {
  if (!c.hook) return undefined;
  return `type ${c.hook.type} hook ${c.hook.hook} priority ${c.hook.priority}; policy accept;`;
}

function sortedNames<T>(m: ReadonlyMap<string, T>): string[] {
  return [...m.keys()].sort();
}

/** The table as an nft block, sorted by kind then name so the output is byte-stable. */
export function formatTable(t: NftTable): string {
  const out = [`table ${t.family} ${t.name} {`];
  for (const name of sortedNames(t.sets)) out.push(...setBody(t.sets.get(name)!, '\t'), '');
  for (const name of sortedNames(t.maps)) {
    const m = t.maps.get(name)!;
    out.push(`\tmap ${m.name} {`, `\t\ttype ${m.type}`);
    const els = mapElements(m);
    if (els.length > 0) out.push(`\t\telements = { ${els.join(', ')} }`);
    out.push('\t}', '');
  }
  // Base chains first: they are the entry points a reader starts from.
  const names = sortedNames(t.chains).sort((a, b) => Number(!t.chains.get(a)!.hook) - Number(!t.chains.get(b)!.hook));
  for (const name of names) {
    const c = t.chains.get(name)!;
    out.push(`\tchain ${c.name} {`);
    const hook = hookLine(c);
    if (hook) out.push(`\t\t${hook}`);
    for (const r of c.rules) out.push(`\t\t${r}`);
    out.push('\t}', '');
  }
  if (out[out.length - 1] === '') out.pop();
  out.push('}');
  return `${out.join('\n')}\n`;
}

/**
 * Atomic full replace: creating the table first makes the delete valid whether or not it exists, and the
 * whole file is one transaction, so there is no moment without policy.
 */
export function fullReplaceScript(tables: NftTable[]): string {
  return tables.map((t) => `table ${t.family} ${t.name}\ndelete table ${t.family} ${t.name}\n${formatTable(t)}`).join('');
}

export function sameRules(a: NftChain, b: NftChain): boolean {
  if (a === b) return true;
  if (a.rules.length !== b.rules.length) return false;
  for (let i = 0; i < a.rules.length; i++) if (a.rules[i] !== b.rules[i]) return false;
  return sameHook(a, b);
}

function sameHook(a: NftChain, b: NftChain): boolean {
  return hookLine(a) === hookLine(b);
}

/**
 * The chains among `names` whose rules differ between `prev` and `next`, with their new rules, for a caller
 * that knows nothing else changed (saves scanning the whole table for a policy edit); null when one of
 * them is missing from one side only or changed hook. Names in neither table belong to other tables.
 */
export function changedChains(prev: NftTable, next: NftTable, names: Iterable<string>): ChainRules[] | null {
  const out: ChainRules[] = [];
  for (const name of names) {
    const old = prev.chains.get(name);
    const c = next.chains.get(name);
    if (!old && !c) continue;
    if (!old || !c || !sameHook(old, c)) return null;
    if (!sameRules(old, c)) out.push({ family: next.family, table: next.name, chain: name, rules: c.rules });
  }
  return out;
}

/** The nft commands for those rewrites: flush each chain, add its rules. */
export function chainRewriteScript(changes: readonly ChainRules[]): string {
  const lines: string[] = [];
  for (const c of changes) {
    const T = `${c.family} ${c.table}`;
    lines.push(`flush chain ${T} ${c.chain}`);
    for (const r of c.rules) lines.push(`add rule ${T} ${c.chain} ${r}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** One existing set's element changes between two renderings of it (undefined when none). */
function elementChanges(table: NftTable, old: NftSet, s: NftSet): SetElementChanges | undefined {
  const oldEls = new Set(old.elements);
  const newEls = new Set(s.elements);
  const add = s.elements.filter((e) => !oldEls.has(e));
  const remove = old.elements.filter((e) => !newEls.has(e));
  if (add.length === 0 && remove.length === 0) return undefined;
  return { family: table.family, table: table.name, set: s.name, type: s.type, interval: s.interval, remove, add };
}

/**
 * The element changes of the sets among `names` between `prev` and `next`, for a caller that knows nothing
 * else changed; null when one is missing from one side only or changed type. Names in neither table
 * belong to other tables.
 */
export function changedSets(prev: NftTable, next: NftTable, names: Iterable<string>): SetElementChanges[] | null {
  const out: SetElementChanges[] = [];
  for (const name of names) {
    const old = prev.sets.get(name);
    const s = next.sets.get(name);
    if (!old && !s) continue;
    if (!old || !s || old.type !== s.type || old.interval !== s.interval) return null;
    const c = old === s ? undefined : elementChanges(next, old, s);
    if (c) out.push(c);
  }
  return out;
}

/** The nft commands for element changes: removals first, so a CIDR can give way to one that overlaps it. */
export function elementScript(changes: readonly SetElementChanges[]): string {
  const lines: string[] = [];
  for (const c of changes) {
    const T = `${c.family} ${c.table}`;
    if (c.remove.length > 0) lines.push(`delete element ${T} ${c.set} { ${c.remove.join(', ')} }`);
    if (c.add.length > 0) lines.push(`add element ${T} ${c.set} { ${c.add.join(', ')} }`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * When `next` differs from `prev` only in the elements of sets both have (same type), those changes;
 * otherwise null. The common case of a label or pod change elsewhere in the cluster: IP set members move.
 */
export function setElementChanges(prev: NftTable, next: NftTable): SetElementChanges[] | null {
  // Cheap shape checks first: an endpoint or policy coming or going fails them, and skips the diff below.
  if (prev.sets.size !== next.sets.size || prev.chains.size !== next.chains.size || prev.maps.size !== next.maps.size) return null;
  const out = changedSets(prev, next, next.sets.keys());
  // Everything else must be the same: diff the tables as if the sets had already changed.
  return out !== null && diffScript({ ...prev, sets: next.sets }, next) === '' ? out : null;
}

/**
 * Commands that turn `prev` into `next`, in an order the kernel accepts within one transaction:
 * new sets and elements, new chains, rewritten chains (flush + rules), map changes, then removals
 * (chains, set elements, sets), after nothing refers to them any more. Returns null when the change
 * cannot be made incrementally (a set or base chain changed type); the caller then replaces the table.
 */
export function diffScript(prev: NftTable, next: NftTable): string | null {
  const T = `${next.family} ${next.name}`;
  const lines: string[] = [];
  const late: string[] = [];

  for (const [name, s] of next.sets) {
    const old = prev.sets.get(name);
    if (!old) {
      lines.push(...setBody(s, '').map((l, i) => (i === 0 ? `add ${l.replace(/^set /, `set ${T} `)}` : l)));
      continue;
    }
    if (old === s) continue;
    if (old.type !== s.type || old.interval !== s.interval) return null;
    const c = elementChanges(next, old, s);
    if (c) lines.push(elementScript([c]).trimEnd());
  }
  for (const [name, m] of next.maps) {
    if (!prev.maps.has(name)) lines.push(`add map ${T} ${name} { type ${m.type}; }`);
  }
  for (const [name, c] of next.chains) {
    const old = prev.chains.get(name);
    if (old && !sameHook(old, c)) return null;
    if (!old) lines.push(c.hook ? `add chain ${T} ${name} { ${hookLine(c)} }` : `add chain ${T} ${name}`);
  }
  for (const [name, c] of next.chains) {
    const old = prev.chains.get(name);
    if (old && sameRules(old, c)) continue;
    if (old) lines.push(`flush chain ${T} ${name}`);
    for (const r of c.rules) lines.push(`add rule ${T} ${name} ${r}`);
  }
  for (const [name, m] of next.maps) {
    const old = prev.maps.get(name);
    if (old === m) continue;
    const removed: string[] = [];
    const added: string[] = [];
    for (const [k, v] of old?.elements ?? []) if (m.elements.get(k) !== v) removed.push(k);
    for (const [k, v] of m.elements) if (old?.elements.get(k) !== v) added.push(`${k} : ${v}`);
    if (removed.length > 0) lines.push(`delete element ${T} ${name} { ${removed.join(', ')} }`);
    if (added.length > 0) lines.push(`add element ${T} ${name} { ${added.join(', ')} }`);
  }
  for (const [name, m] of prev.maps) {
    if (!next.maps.has(name)) late.push(`delete map ${T} ${m.name}`);
  }
  for (const name of prev.chains.keys()) {
    if (!next.chains.has(name)) lines.push(`flush chain ${T} ${name}`);
  }
  for (const name of prev.chains.keys()) {
    if (!next.chains.has(name)) late.push(`delete chain ${T} ${name}`);
  }
  for (const name of prev.sets.keys()) {
    if (!next.sets.has(name)) late.push(`delete set ${T} ${name}`);
  }
  const all = [...lines, ...late];
  return all.length === 0 ? '' : `${all.join('\n')}\n`;
}
