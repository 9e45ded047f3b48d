/**
 * Selector syntax tree: one node shape per operator (Calico's `parser/ast.go`), with free functions
 * to evaluate a node against labels and to print its canonical form. Nodes are plain immutable data;
 * label restrictions (index hints) live in `label-restrictions.ts`.
 */

/** Anything labels can be read from: a `Map<string, string>` fits as is. */
export interface Labels {
  /** The label's value, or `undefined` when the label is absent. */
  get(name: string): string | undefined;
}

/** Operators that compare one label with one string. */
export type ValueOp = 'eq' | 'ne' | 'contains' | 'startsWith' | 'endsWith';

export interface LabelValueNode {
  readonly kind: ValueOp;
  readonly label: string;
  readonly value: string;
}

export interface LabelSetNode {
  readonly kind: 'in' | 'notIn';
  readonly label: string;
  /** Sorted (UTF-8 byte order, as Go sorts) and de-duplicated. */
  readonly values: readonly string[];
  /** The same values, for O(1) membership tests. */
  readonly valueSet: ReadonlySet<string>;
}

export interface HasNode {
  readonly kind: 'has';
  readonly label: string;
}

export interface ConstantNode {
  /** Both evaluate true; `global()` only means something to the namespace rewriting in policy conversion. */
  readonly kind: 'all' | 'global';
}

export interface NotNode {
  readonly kind: 'not';
  readonly operand: SelectorNode;
}

export interface BoolNode {
  readonly kind: 'and' | 'or';
  /** Always two or more operands: the parser never builds a one-operand group. */
  readonly operands: readonly SelectorNode[];
}

export type SelectorNode = LabelValueNode | LabelSetNode | HasNode | ConstantNode | NotNode | BoolNode;

/** Go's `sort.Strings` order (UTF-8 bytes, i.e. code points), which differs from UTF-16 order for astral characters. */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800-DFFF) encode code points above FFFF, so they must sort after E000-FFFF.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** Build an `in` / `not in` node; set values are sorted and de-duplicated as Calico's StringSet does. */
export function labelSetNode(kind: 'in' | 'notIn', label: string, values: Iterable<string>): LabelSetNode {
  const valueSet = new Set(values);
  const sorted = [...valueSet].sort(compareUtf8);
  return { kind, label, values: sorted, valueSet };
}

/** Evaluate a node. Absent labels make `!=` and `not in` true and every other label test false. */
export function evaluateNode(node: SelectorNode, labels: Labels): boolean {
  switch (node.kind) {
    case 'eq': {
      const v = labels.get(node.label);
      return v !== undefined && v === node.value;
    }
    case 'ne': {
      const v = labels.get(node.label);
      return v === undefined || v !== node.value;
    }
    case 'contains': {
      const v = labels.get(node.label);
      return v !== undefined && v.includes(node.value);
    }
    case 'startsWith': {
      const v = labels.get(node.label);
      return v !== undefined && v.startsWith(node.value);
    }
    case 'endsWith': {
      const v = labels.get(node.label);
      return v !== undefined && v.endsWith(node.value);
    }
    case 'in': {
      const v = labels.get(node.label);
      return v !== undefined && node.valueSet.has(v);
    }
    case 'notIn': {
      const v = labels.get(node.label);
      return v === undefined || !node.valueSet.has(v);
    }
    case 'has':
      return labels.get(node.label) !== undefined;
    case 'all':
    case 'global':
      return true;
    case 'not':
      return !evaluateNode(node.operand, labels);
    case 'and':
      for (const op of node.operands) if (!evaluateNode(op, labels)) return false;
      return true;
    case 'or':
      for (const op of node.operands) if (evaluateNode(op, labels)) return true;
      return false;
  }
}

const VALUE_OP_TEXT: Readonly<Record<ValueOp, string>> = {
  eq: ' == ',
  ne: ' != ',
  contains: ' contains ',
  startsWith: ' starts with ',
  endsWith: ' ends with ',
};

/** Double quotes unless the value itself holds one (the grammar has no escapes). */
function quote(value: string): string {
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

/**
 * Append the canonical text of `node` to `out`: `a == "v"`, `!` with no space, every && / ||
 * group in parentheses, set values sorted and de-duplicated.
 */
export function printNode(node: SelectorNode, out: string[]): void {
  switch (node.kind) {
    case 'eq':
    case 'ne':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      out.push(node.label, VALUE_OP_TEXT[node.kind], quote(node.value));
      return;
    case 'in':
    case 'notIn':
      out.push(node.label, node.kind === 'in' ? ' in {' : ' not in {', node.values.map(quote).join(', '), '}');
      return;
    case 'has':
      out.push('has(', node.label, ')');
      return;
    case 'all':
      out.push('all()');
      return;
    case 'global':
      out.push('global()');
      return;
    case 'not':
      out.push('!');
      printNode(node.operand, out);
      return;
    case 'and':
    case 'or': {
      const sep = node.kind === 'and' ? ' && ' : ' || ';
      out.push('(');
      node.operands.forEach((op, i) => {
        if (i > 0) out.push(sep);
        printNode(op, out);
      });
      out.push(')');
      return;
    }
  }
}

/** Canonical text of a node. */
export function nodeToString(node: SelectorNode): string {
  const out: string[] = [];
  printNode(node, out);
  return out.join('');
}

/** A copy of `node` with `prefix` put in front of every label name (Calico's `PrefixVisitor`). */
export function prefixNodeLabels(node: SelectorNode, prefix: string): SelectorNode {
  switch (node.kind) {
    case 'eq':
    case 'ne':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return { kind: node.kind, label: prefix + node.label, value: node.value };
    case 'in':
    case 'notIn':
      return { kind: node.kind, label: prefix + node.label, values: node.values, valueSet: node.valueSet };
    case 'has':
      return { kind: 'has', label: prefix + node.label };
    case 'all':
    case 'global':
      return node;
    case 'not':
      return { kind: 'not', operand: prefixNodeLabels(node.operand, prefix) };
    case 'and':
    case 'or':
      return { kind: node.kind, operands: node.operands.map((op) => prefixNodeLabels(op, prefix)) };
  }
}
