/**
 * Selector rewriting for namespacing, as Calico's update processors do it before Felix sees a policy:
 * prefix every label of a namespaceSelector with `pcns.` (serviceAccount selectors with `pcsa.`),
 * turn `all()` / `global()` in a namespaceSelector into has/!has of `projectcalico.org/namespace`,
 * and AND selectors together. Results are always in the selector module's canonical form.
 */
import {
  parseSelector,
  prefixSelectorLabels,
  selectorFromNode,
  type SelectorNode,
} from '../selector/index.js';
import { LABEL_NAMESPACE, LABEL_SERVICE_ACCOUNT, NAMESPACE_LABEL_PREFIX, SERVICE_ACCOUNT_LABEL_PREFIX } from '../api/labels.js';

// Re-exported so the policy model's users find them here too.
export {
  LABEL_NAMESPACE,
  LABEL_ORCHESTRATOR,
  LABEL_SERVICE_ACCOUNT,
  LABEL_NAME,
  NAMESPACE_LABEL_PREFIX,
  SERVICE_ACCOUNT_LABEL_PREFIX,
  NAMESPACE_PROFILE_PREFIX,
  SERVICE_ACCOUNT_PROFILE_PREFIX,
} from '../api/labels.js';

interface RewriteOptions {
  prefix: string;
  /** Replacement for `all()`; undefined keeps it. */
  all?: SelectorNode;
  /** Replacement for `global()`; undefined keeps it. */
  global?: SelectorNode;
}

/**
 * Rewrite the labels of a selector into canonical text.
 *
 * @example
 * rewriteSelector("ns == 'x'", { prefix: 'pcns.' }); // 'pcns.ns == "x"'
 */
export function rewriteSelector(text: string, options: RewriteOptions): string {
  const prefixed = prefixSelectorLabels(parseSelector(text), options.prefix);
  return selectorFromNode(replaceConstants(prefixed.root, options)).toString();
}

function replaceConstants(node: SelectorNode, options: RewriteOptions): SelectorNode {
  switch (node.kind) {
    case 'all':
      return options.all ?? node;
    case 'global':
      return options.global ?? node;
    case 'not':
      return { kind: 'not', operand: replaceConstants(node.operand, options) };
    case 'and':
    case 'or':
      return { kind: node.kind, operands: node.operands.map((o) => replaceConstants(o, options)) };
    default:
      return node;
  }
}

/** The canonical text of a selector; "" stays "" (matches everything). */
export function canonicalSelector(text: string): string {
  if (text.trim() === '') return '';
  return parseSelector(text).toString();
}

/** AND together the non-empty selectors, in order; `andSelectors([])` is "". */
export function andSelectors(parts: Array<string | undefined>): string {
  const present = parts.filter((p): p is string => p !== undefined && p.trim() !== '');
  if (present.length === 0) return '';
  if (present.length === 1) return canonicalSelector(present[0]!);
  return canonicalSelector(present.map((p) => `(${p})`).join(' && '));
}

/** `projectcalico.org/namespace == "ns"` */
export function namespaceClause(namespace: string): string {
  return `${LABEL_NAMESPACE} == ${quote(namespace)}`;
}

/** Quote a label value the way the canonical form does (single quotes only when the value has a `"`). */
export function quote(value: string): string {
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

/**
 * A namespaceSelector as Calico rewrites it: labels prefixed `pcns.`, `all()` means "any namespaced
 * endpoint" and `global()` means "anything not in a namespace" (host endpoints, global network sets).
 */
export function convertNamespaceSelector(text: string): string {
  return rewriteSelector(text, {
    prefix: NAMESPACE_LABEL_PREFIX,
    all: { kind: 'has', label: LABEL_NAMESPACE },
    global: { kind: 'not', operand: { kind: 'has', label: LABEL_NAMESPACE } },
  });
}

/** A serviceAccountSelector / serviceAccounts.selector: labels prefixed `pcsa.`. */
export function convertServiceAccountSelector(text: string): string {
  return rewriteSelector(text, { prefix: SERVICE_ACCOUNT_LABEL_PREFIX });
}

/** serviceAccounts.names: `projectcalico.org/serviceaccount in {...}`. */
export function serviceAccountNamesSelector(names: string[]): string {
  return `${LABEL_SERVICE_ACCOUNT} in {${names.map(quote).join(', ')}}`;
}
