/**
 * Label restrictions: what a selector needs of a label set before it can possibly match (Calico's
 * `LabelRestrictions()`). They are conservative hints for indexing, never a replacement for
 * evaluation: a label set that meets every restriction may still not match.
 */
import { compareUtf8, type SelectorNode } from './ast.js';

export interface LabelRestriction {
  /** The label must be present (`has(a)`, `a == "v"`, `a in {...}`, `a contains "x"`, ...). */
  readonly mustBePresent: boolean;
  /** The label must be absent (`!has(a)`). */
  readonly mustBeAbsent: boolean;
  /**
   * When defined, the label's value must be one of these (sorted). An empty array means the
   * selector can match nothing (`a == "x" && a == "y"`, `a in {}`); `undefined` means no value
   * restriction is known.
   */
  readonly mustHaveOneOfValues: readonly string[] | undefined;
}

export type LabelRestrictions = ReadonlyMap<string, LabelRestriction>;

const NONE: LabelRestrictions = new Map();

/** Restrictions of one node, keyed by label name. */
export function nodeLabelRestrictions(node: SelectorNode): LabelRestrictions {
  switch (node.kind) {
    case 'eq':
      return new Map([[node.label, { mustBePresent: true, mustBeAbsent: false, mustHaveOneOfValues: [node.value] }]]);
    case 'in':
      return new Map([[node.label, { mustBePresent: true, mustBeAbsent: false, mustHaveOneOfValues: node.values }]]);
    case 'contains':
    case 'startsWith':
    case 'endsWith':
    case 'has':
      return new Map([[node.label, { mustBePresent: true, mustBeAbsent: false, mustHaveOneOfValues: undefined }]]);
    case 'ne':
    case 'notIn':
    case 'all':
    case 'global':
      return NONE;
    case 'not':
      // Only !has(a) can be inverted: !(a == "b") does not need "a" to be absent.
      if (node.operand.kind === 'has') {
        return new Map([
          [node.operand.label, { mustBePresent: false, mustBeAbsent: true, mustHaveOneOfValues: undefined }],
        ]);
      }
      return NONE;
    case 'and':
      return andRestrictions(node.operands);
    case 'or':
      return orRestrictions(node.operands);
  }
}

/** Every operand must match, so every operand's restrictions apply (values intersect). */
function andRestrictions(operands: readonly SelectorNode[]): LabelRestrictions {
  const out = new Map<string, LabelRestriction>();
  for (const op of operands) {
    for (const [label, r] of nodeLabelRestrictions(op)) {
      const base = out.get(label);
      if (base === undefined) {
        out.set(label, r);
        continue;
      }
      let values = base.mustHaveOneOfValues;
      if (values === undefined) values = r.mustHaveOneOfValues;
      else if (r.mustHaveOneOfValues !== undefined) {
        const other = new Set(r.mustHaveOneOfValues);
        values = values.filter((v) => other.has(v));
      }
      out.set(label, {
        mustBePresent: base.mustBePresent || r.mustBePresent,
        mustBeAbsent: base.mustBeAbsent || r.mustBeAbsent,
        mustHaveOneOfValues: values,
      });
    }
  }
  return out;
}

/** Any operand may match, so only what all of them demand survives (values unite). */
function orRestrictions(operands: readonly SelectorNode[]): LabelRestrictions {
  let acc = new Map(nodeLabelRestrictions(operands[0]!));
  for (const op of operands.slice(1)) {
    const other = nodeLabelRestrictions(op);
    const next = new Map<string, LabelRestriction>();
    for (const [label, r] of acc) {
      const o = other.get(label);
      const mustBePresent = r.mustBePresent && (o?.mustBePresent ?? false);
      const mustBeAbsent = r.mustBeAbsent && (o?.mustBeAbsent ?? false);
      let values: readonly string[] | undefined;
      if (mustBePresent && r.mustHaveOneOfValues !== undefined && o?.mustHaveOneOfValues !== undefined) {
        values = [...new Set([...r.mustHaveOneOfValues, ...o.mustHaveOneOfValues])].sort(compareUtf8);
      }
      if (mustBePresent || mustBeAbsent) next.set(label, { mustBePresent, mustBeAbsent, mustHaveOneOfValues: values });
    }
    acc = next;
  }
  return acc;
}

/** True when the restrictions prove the selector matches nothing at all. */
export function restrictionsMatchNothing(restrictions: LabelRestrictions): boolean {
  for (const r of restrictions.values()) {
    if (r.mustHaveOneOfValues !== undefined && r.mustHaveOneOfValues.length === 0) return true;
    if (r.mustBePresent && r.mustBeAbsent) return true;
  }
  return false;
}
