/**
 * Property tests: the parser only ever throws SelectorSyntaxError, finishes on bounded input, and
 * its canonical form is a fixed point that keeps the meaning of the selector.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { evaluateNode, labelSetNode, nodeToString, type SelectorNode, type ValueOp } from './ast.js';
import { parseSelector, SelectorSyntaxError } from './index.js';

const RUNS = 1500;

/** Parse, and check that any failure is a well-formed SelectorSyntaxError. */
function parseOrSyntaxError(text: string): ReturnType<typeof parseSelector> | undefined {
  try {
    return parseSelector(text);
  } catch (err) {
    assert.ok(err instanceof SelectorSyntaxError, `non-syntax error for ${JSON.stringify(text)}: ${String(err)}`);
    assert.ok(err.offset >= 0 && err.offset <= text.length, `offset ${err.offset} out of range`);
    return undefined;
  }
}

function checkStable(text: string): void {
  const sel = parseOrSyntaxError(text);
  if (sel === undefined) return;
  const canonical = sel.toString();
  const again = parseSelector(canonical);
  assert.equal(again.toString(), canonical, `canonical form of ${JSON.stringify(text)} is not stable`);
  assert.equal(again.uniqueId(), sel.uniqueId());
}

const TOKENS = [
  'a', 'b', 'x/y.z-1_2', 'in', 'not', 'has', 'all', 'global', 'contains', 'starts', 'with', 'ends',
  'has(a)', 'has( b )', 'has(', 'all()', 'global()', 'all(', '(', ')', '{', '}', ',', '"v"', "'w'", '""',
  '"', "'", '==', '!=', '!', '=', '&&', '||', '&', '|', 'not in', 'notin', 'starts with', 'ends with',
  ' ', '  ', '\t', '\n', '%', '\u00e9', '😀',
];

const LABELS = ['a', 'b', 'c', 'in', 'has', 'not', 'all', 'k8s-app', 'x/y.z'];
const VALUES = ['', 'v1', 'v2', 'x y', "it's", 'say "hi"', '😀', '～'];

const valueArb = fc
  .oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 4 }))
  .filter((v) => !(v.includes('"') && v.includes("'")));

const nodeArb: fc.Arbitrary<SelectorNode> = fc.letrec<{ node: SelectorNode; notOperand: SelectorNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('notOperand'),
    tie('notOperand').map((operand): SelectorNode => ({ kind: 'not', operand })),
  ),
  // Anything but a "not": "!!x" is always re-read as x, so it never appears in a canonical tree.
  notOperand: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .record({
        kind: fc.constantFrom<ValueOp>('eq', 'ne', 'contains', 'startsWith', 'endsWith'),
        label: fc.constantFrom(...LABELS),
        value: valueArb,
      })
      .map((n): SelectorNode => n),
    fc
      .record({
        kind: fc.constantFrom<'in' | 'notIn'>('in', 'notIn'),
        label: fc.constantFrom(...LABELS),
        values: fc.array(valueArb, { maxLength: 4 }),
      })
      .map(({ kind, label, values }) => labelSetNode(kind, label, values)),
    fc.constantFrom(...LABELS).map((label): SelectorNode => ({ kind: 'has', label })),
    fc.constantFrom<SelectorNode>({ kind: 'all' }, { kind: 'global' }),
    fc
      .record({ kind: fc.constantFrom<'and' | 'or'>('and', 'or'), operands: fc.array(tie('node'), { minLength: 2, maxLength: 3 }) })
      .map((n): SelectorNode => n),
  ),
})).node;

const labelsArb = fc.dictionary(fc.constantFrom(...LABELS), fc.constantFrom(...VALUES, 'v', 'sa'), { maxKeys: 5 });

/** A small deterministic PRNG so one fast-check integer drives all the spelling choices. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

/** Print a tree in a random but equivalent spelling: spacing, quotes, extra parens, "!!", set order. */
function messy(node: SelectorNode, pick: (n: number) => number): string {
  const ws = (): string => ['', ' ', '\t', '  '][pick(4)]!;
  const ws1 = (): string => [' ', '\t', ' \t'][pick(3)]!;
  const q = (v: string): string => {
    if (v.includes('"')) return `'${v}'`;
    if (v.includes("'")) return `"${v}"`;
    return pick(2) === 0 ? `"${v}"` : `'${v}'`;
  };
  let text: string;
  switch (node.kind) {
    case 'eq':
      text = `${node.label}${ws()}==${ws()}${q(node.value)}`;
      break;
    case 'ne':
      text = `${node.label}${ws()}!=${ws()}${q(node.value)}`;
      break;
    case 'contains':
      text = `${node.label}${ws1()}contains${ws()}${q(node.value)}`;
      break;
    case 'startsWith':
      text = `${node.label}${ws1()}starts${ws()}with${ws()}${q(node.value)}`;
      break;
    case 'endsWith':
      text = `${node.label}${ws1()}ends${ws()}with${ws()}${q(node.value)}`;
      break;
    case 'in':
    case 'notIn': {
      const values = [...node.values, ...node.values.filter(() => pick(3) === 0)].reverse();
      const op = node.kind === 'in' ? 'in' : `not${ws()}in`;
      const trailing = values.length > 0 && pick(2) === 0 ? ',' : '';
      text = `${node.label}${ws1()}${op}${ws()}{${ws()}${values.map(q).join(`${ws()},${ws()}`)}${trailing}${ws()}}`;
      break;
    }
    case 'has':
      text = `has(${ws()}${node.label}${ws()})`;
      break;
    case 'all':
    case 'global':
      text = `${node.kind}(${ws()})`;
      break;
    case 'not':
      text = `!${ws()}${messy(node.operand, pick)}`;
      break;
    case 'and':
    case 'or': {
      const sep = node.kind === 'and' ? '&&' : '||';
      text = `(${node.operands.map((op) => messy(op, pick)).join(`${ws()}${sep}${ws()}`)})`;
      break;
    }
  }
  if (pick(6) === 0) text = `(${ws()}${text}${ws()})`;
  if (pick(6) === 0) text = `!${ws()}!${ws()}${text}`;
  return text;
}

describe('selector fuzzing', () => {
  it('random strings: only SelectorSyntaxError, and stable canonical forms', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => checkStable(text)),
      { numRuns: RUNS },
    );
  });

  it('random token soup: only SelectorSyntaxError, and stable canonical forms', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }), fc.boolean(), (toks, spaced) =>
        checkStable(toks.join(spaced ? ' ' : '')),
      ),
      { numRuns: RUNS * 3 },
    );
  });

  it('random trees: canonical text parses back to the same text and meaning', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(nodeArb, fc.array(labelsArb, { maxLength: 6 }), (node, labelSets) => {
        const text = nodeToString(node);
        const sel = parseSelector(text);
        assert.equal(sel.toString(), text);
        for (const labels of labelSets) {
          assert.equal(sel.evaluate(labels), evaluateNode(node, new Map(Object.entries(labels))), `${text} on ${JSON.stringify(labels)}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('random spellings of a tree all canonicalise to the tree', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(nodeArb, fc.integer(), (node, seed) => {
        const text = messy(node, rng(seed));
        assert.equal(parseSelector(text).toString(), nodeToString(node), `spelling ${JSON.stringify(text)}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('finishes on large inputs (bounded size) without throwing anything else', { timeout: 60_000 }, () => {
    const big = Array.from({ length: 5000 }, (_, i) => `l${i} in {"a", "b"}`).join(' && ');
    assert.equal(parseSelector(big).evaluate({ l0: 'a' }), false);
    parseOrSyntaxError('('.repeat(100_000));
    parseOrSyntaxError('!'.repeat(100_000) + 'has(a)');
    parseOrSyntaxError('"'.repeat(100_001));
    parseOrSyntaxError('a'.repeat(100_000));
    parseOrSyntaxError(`a in {${'"x",'.repeat(50_000)}}`);
  });
});
