/**
 * The selector facade (Calico's `selector.go`): parse, validate, canonicalise, and the `Selector`
 * object the rest of the system holds. A selector's identity is its canonical text; `uniqueId()`
 * hashes that text, so equivalent spellings share one ID (and so one IP set).
 */
import { nodeCrypto } from '../lib/lazy-crypto.js';
import { evaluateNode, nodeToString, prefixNodeLabels, type Labels, type SelectorNode } from './ast.js';
import { nodeLabelRestrictions, type LabelRestrictions } from './label-restrictions.js';
import { parseSelectorNode } from './parser.js';

/** A parsed selector. Immutable; safe to share. */
export interface Selector {
  /** True when the label map matches. Only own properties count as labels. */
  evaluate(labels: Readonly<Record<string, string>>): boolean;
  /** Same as `evaluate`, for any label source with `get` (a `Map` fits). */
  evaluateLabels(labels: Labels): boolean;
  /** Canonical form, e.g. `(a == "b" && !has(c))`. */
  toString(): string;
  /** `"s:" + base64url(SHA-224("s:" + canonical))`, as Calico's `hash.MakeUniqueID("s", ...)`. */
  uniqueId(): string;
  /** What a label set needs before this selector can match; for indexing. */
  labelRestrictions(): LabelRestrictions;
  /** The syntax tree (read-only), for code that rewrites selectors. */
  readonly root: SelectorNode;
}

/**
 * Calico's unique ID: `prefix + ":" + base64url-without-padding(SHA-224(prefix + ":" + content))`.
 *
 * @example
 * ```ts
 * makeUniqueId('s', 'all()'); // 's:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug'
 * ```
 */
export function makeUniqueId(prefix: string, content: string): string {
  return `${prefix}:${nodeCrypto().createHash('sha224').update(`${prefix}:${content}`, 'utf8').digest('base64url')}`;
}

/** Own-property lookup, so labels named `constructor` or `__proto__` behave like any other. */
class RecordLabels implements Labels {
  readonly #record: Readonly<Record<string, string>>;
  constructor(record: Readonly<Record<string, string>>) {
    this.#record = record;
  }
  get(name: string): string | undefined {
    return Object.hasOwn(this.#record, name) ? this.#record[name] : undefined;
  }
}

class ParsedSelector implements Selector {
  readonly root: SelectorNode;
  #text: string | undefined;
  #id: string | undefined;
  #restrictions: LabelRestrictions | undefined;

  constructor(root: SelectorNode) {
    this.root = root;
  }

  evaluate(labels: Readonly<Record<string, string>>): boolean {
    return evaluateNode(this.root, new RecordLabels(labels));
  }

  evaluateLabels(labels: Labels): boolean {
    return evaluateNode(this.root, labels);
  }

  toString(): string {
    this.#text ??= nodeToString(this.root);
    return this.#text;
  }

  uniqueId(): string {
    this.#id ??= makeUniqueId('s', this.toString());
    return this.#id;
  }

  labelRestrictions(): LabelRestrictions {
    this.#restrictions ??= nodeLabelRestrictions(this.root);
    return this.#restrictions;
  }

  toJSON(): string {
    return this.toString();
  }
}

/**
 * Parse selector text. The empty (or all-blank) selector is `all()`.
 *
 * @example
 * ```ts
 * const sel = parseSelector("role in {'db', 'web'} && !has(quarantine)");
 * sel.evaluate({ role: 'db' }); // true
 * sel.toString(); // '(role in {"db", "web"} && !has(quarantine))'
 * ```
 * @throws {SelectorSyntaxError} with the offset of the problem.
 */
export function parseSelector(text: string): Selector {
  return new ParsedSelector(parseSelectorNode(text));
}

/**
 * Parse selector text, or return `undefined` when it is invalid.
 *
 * @example
 * ```ts
 * tryParseSelector('a =='); // undefined
 * ```
 */
export function tryParseSelector(text: string): Selector | undefined {
  try {
    return parseSelector(text);
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/**
 * Check selector text; validity means only "it parses" (label names are not checked against
 * Kubernetes rules, as in Calico).
 *
 * @example
 * ```ts
 * validateSelector('has(app)'); // ok
 * validateSelector('app = "x"'); // throws SelectorSyntaxError
 * ```
 * @throws {SelectorSyntaxError}
 */
export function validateSelector(text: string): void {
  parseSelectorNode(text);
}

/**
 * The canonical form of selector text.
 *
 * @example
 * ```ts
 * canonicaliseSelector("a=='x'&&b in {'z','y','z'}"); // '(a == "x" && b in {"y", "z"})'
 * ```
 * @throws {SelectorSyntaxError}
 */
export function canonicaliseSelector(text: string): string {
  return parseSelector(text).toString();
}

/**
 * Wrap an existing syntax tree (for example a rewritten one) as a `Selector`.
 *
 * @example
 * ```ts
 * const sel = parseSelector('has(a)');
 * selectorFromNode({ kind: 'not', operand: sel.root }).toString(); // '!has(a)'
 * ```
 */
export function selectorFromNode(root: SelectorNode): Selector {
  return new ParsedSelector(root);
}

/**
 * A copy of `selector` with `prefix` in front of every label name, as Calico does to turn a
 * namespaceSelector into a selector over `pcns.`-prefixed profile labels.
 *
 * @example
 * ```ts
 * prefixSelectorLabels(parseSelector("team == 'a'"), 'pcns.').toString(); // 'pcns.team == "a"'
 * ```
 */
export function prefixSelectorLabels(selector: Selector, prefix: string): Selector {
  return new ParsedSelector(prefixNodeLabels(selector.root, prefix));
}

/**
 * `all()`: matches every label set.
 *
 * @example
 * ```ts
 * ALL_SELECTOR.evaluate({}); // true
 * ```
 */
export const ALL_SELECTOR: Selector = parseSelector('all()');
